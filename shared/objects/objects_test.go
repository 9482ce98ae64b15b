package objects

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The presigned PUT binds content type, length and If-None-Match: * into
// its signature, so S3 refuses another type, another size, and a second
// upload to the same key with the same URL.
func TestPresignPutSignsItsConditions(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	b := New(cfg, "thumbs")
	raw, headers, err := b.PresignPut(context.Background(), "categories/c/1.png", "image/png", 1234, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	signed := strings.Split(u.Query().Get("X-Amz-SignedHeaders"), ";")
	for _, h := range []string{"content-length", "content-type", "host", "if-none-match"} {
		if !contains(signed, h) {
			t.Errorf("%s is not signed: %v", h, signed)
		}
	}
	if headers["If-None-Match"] != "*" || headers["Content-Type"] != "image/png" || headers["Content-Length"] != "1234" {
		t.Errorf("headers the PUT must carry: %v", headers)
	}
	if u.Query().Get("X-Amz-Expires") != "600" {
		t.Errorf("expires %q", u.Query().Get("X-Amz-Expires"))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
