package localstack

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/infra/emulators"
)

const bucketTemplate = `
Resources:
  Thumbs:
    Type: AWS::S3::Bucket
    Properties:
      CorsConfiguration:
        CorsRules:
          - AllowedMethods: [PUT]
            AllowedOrigins: ["https://app.example.com"]
            AllowedHeaders: [Content-Type]
            MaxAge: 60
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Origins:
          - Id: thumbs
            DomainName: !GetAtt Thumbs.RegionalDomainName
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Thumbs
`

var (
	s3Once sync.Once
	s3Set  *emulators.Set
	s3Err  error
)

// bucketStack provisions bucketTemplate's buckets against a real s3rver.
func bucketStack(t *testing.T) *Stack {
	t.Helper()
	s3Once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		s3Set, s3Err = emulators.Start(ctx, emulators.Options{Dir: filepath.Join(repoRoot(t), ".local"), S3: true})
	})
	if s3Err != nil {
		t.Fatalf("start emulators: %v", s3Err)
	}
	tmpl, err := parseTemplate([]byte(bucketTemplate))
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{cfg: Config{StackName: "backoffice", Region: "eu-west-1", Endpoints: Endpoints{S3: s3Set.S3}},
		tmpl: tmpl, logs: &logSink{w: io.Discard}, physical: map[string]physicalResource{}}
	if s.res, err = newResolver(tmpl, "eu-west-1", "backoffice", nil, s.lookup); err != nil {
		t.Fatal(err)
	}
	return s
}

// Buckets are created in s3rver with the template's CORS rules (twice is
// fine), and links to the distribution in front of one resolve to s3rver.
func TestBucketsInS3rver(t *testing.T) {
	s := bucketStack(t)
	defer s3Set.Close() // only this test uses it
	for range 2 {
		if err := s.provisionBuckets(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Resource("Thumbs"); got != "backoffice-thumbs" {
		t.Fatalf("bucket name %q", got)
	}
	if arn, _ := s.lookup("Thumbs", "Arn"); arn != "arn:aws:s3:::backoffice-thumbs" {
		t.Errorf("arn %v", arn)
	}
	base := s3Set.S3 + "/backoffice-thumbs"

	// Unsigned writes and reads of an object work (public reads stand in
	// for CloudFront).
	req, _ := http.NewRequest(http.MethodPut, base+"/a/b.png", strings.NewReader("png"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("put object: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/a/b.png")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "png" {
		t.Fatalf("get object: %d %q", resp.StatusCode, body)
	}

	preflight := func(origin string) int {
		req, _ := http.NewRequest(http.MethodOptions, base+"/a/c.png", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PUT")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := preflight("https://app.example.com"); got != 200 {
		t.Errorf("preflight from the allowed origin: %d", got)
	}
	if got := preflight("https://evil.example.com"); got == 200 {
		t.Errorf("preflight from another origin: %d", got)
	}
	// Without CorsConfiguration (a condition left it out) a bucket kept
	// from an earlier start loses its rules; its objects stay.
	delete(s.tmpl.Resources["Thumbs"].Properties, "CorsConfiguration")
	if err := s.provisionBuckets(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := preflight("https://app.example.com"); got == 200 {
		t.Errorf("preflight after the CORS rules were removed: %d", got)
	}
	if resp, err := http.Get(base + "/a/b.png"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("object after re-provisioning: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	domain, _ := s.lookup("Cdn", "DomainName")
	urls := s.localURLs()
	if len(urls) != 1 || urls["https://"+scalarString(domain)] != base {
		t.Fatalf("local URLs %v", urls)
	}
	fn := &function{Name: "f", Dir: "f", Props: map[string]any{"Environment": map[string]any{"Variables": map[string]any{
		"BASE": "https://" + scalarString(domain), "DEEP": "https://" + scalarString(domain) + "/x", "OTHER": "https://example.com",
	}}}}
	env := map[string]string{}
	for _, kv := range s.environment(fn, urls) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if env["BASE"] != base || env["DEEP"] != base+"/x" || env["OTHER"] != "https://example.com" ||
		env["AWS_ACCESS_KEY_ID"] != "S3RVER" || env["AWS_ENDPOINT_URL_S3"] != s3Set.S3 {
		t.Errorf("environment: %v", env)
	}
}

func TestCorsXML(t *testing.T) {
	got := string(corsXML([]any{map[string]any{"AllowedMethods": []any{"PUT", "GET"}, "AllowedOrigins": []any{"*"}, "MaxAge": 60}}))
	want := `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
