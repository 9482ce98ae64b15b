package localstack

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Resource types of the thumbnail path: buckets are created in s3rver; a
// CloudFront distribution is not emulated, its S3 origin is served by
// s3rver directly (see localURLs).
const (
	typeBucket       = "AWS::S3::Bucket"
	typeDistribution = "AWS::CloudFront::Distribution"
)

// provisionBuckets creates every AWS::S3::Bucket in s3rver (path-style,
// unsigned: s3rver lets anonymous requests create buckets) with its CORS
// rules, and records what Ref and GetAtt answer. Existing buckets keep
// their objects. Without an S3 endpoint the bucket only gets its names.
func (s *Stack) provisionBuckets(ctx context.Context) error {
	for _, id := range s.tmpl.Order {
		res := s.tmpl.Resources[id]
		if res.Type != typeBucket || !s.res.enabled(res) {
			continue
		}
		props, err := s.res.resolveMap(res.Properties)
		if err != nil {
			return fmt.Errorf("bucket %s: %w", id, err)
		}
		name := scalarString(props["BucketName"])
		if name == "" {
			name = strings.ToLower(s.cfg.StackName + "-" + id)
		}
		s.setPhysical(id, bucketPhysical(s.cfg.Region, name))
		if s.cfg.Endpoints.S3 == "" {
			continue
		}
		if err := s.s3Put(ctx, "/"+name, nil); err != nil {
			return fmt.Errorf("bucket %s: %w", id, err)
		}
		if rules := asList(asMap(props["CorsConfiguration"])["CorsRules"]); len(rules) > 0 {
			if err := s.s3Put(ctx, "/"+name+"?cors", corsXML(rules)); err != nil {
				return fmt.Errorf("bucket %s: CORS: %w", id, err)
			}
		} else if err := s.s3Do(ctx, http.MethodDelete, "/"+name+"?cors", nil); err != nil {
			// No CORS in the template (e.g. a condition left it out): a
			// bucket kept from an earlier start loses the rules it had.
			return fmt.Errorf("bucket %s: CORS: %w", id, err)
		}
		s.logs.printf("localstack", "bucket %s at %s/%s", name, s.cfg.Endpoints.S3, name)
	}
	return nil
}

// s3Put sends one unsigned PUT to s3rver; an existing bucket is fine.
func (s *Stack) s3Put(ctx context.Context, path string, body []byte) error {
	return s.s3Do(ctx, http.MethodPut, path, body)
}

// s3Do sends one unsigned request to s3rver.
func (s *Stack) s3Do(ctx context.Context, method, path string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.cfg.Endpoints.S3+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 && !bytes.Contains(msg, []byte("BucketAlready")) {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, msg)
	}
	return nil
}

// corsXML turns CloudFormation CorsRules into a PutBucketCors document.
func corsXML(rules []any) []byte {
	type rule struct {
		AllowedOrigin []string `xml:"AllowedOrigin"`
		AllowedMethod []string `xml:"AllowedMethod"`
		AllowedHeader []string `xml:"AllowedHeader"`
		ExposeHeader  []string `xml:"ExposeHeader"`
		MaxAgeSeconds string   `xml:"MaxAgeSeconds,omitempty"`
	}
	doc := struct {
		XMLName xml.Name `xml:"CORSConfiguration"`
		Rules   []rule   `xml:"CORSRule"`
	}{}
	strs := func(v any) []string {
		var out []string
		for _, x := range asList(v) {
			out = append(out, scalarString(x))
		}
		return out
	}
	for _, r := range rules {
		m := asMap(r)
		doc.Rules = append(doc.Rules, rule{
			AllowedOrigin: strs(m["AllowedOrigins"]), AllowedMethod: strs(m["AllowedMethods"]),
			AllowedHeader: strs(m["AllowedHeaders"]), ExposeHeader: strs(m["ExposedHeaders"]),
			MaxAgeSeconds: scalarString(m["MaxAge"]),
		})
	}
	out, _ := xml.Marshal(doc)
	return out
}

// localURLs maps the https base URL of every CloudFront distribution whose
// origin is a bucket of the template to that bucket's s3rver URL. Functions
// build public links from the distribution's domain; locally those links
// must reach s3rver, so environment() rewrites values that start with one.
func (s *Stack) localURLs() map[string]string {
	out := map[string]string{}
	if s.cfg.Endpoints.S3 == "" {
		return out
	}
	origins := map[string]string{} // bucket domain names → bucket name
	for id, res := range s.tmpl.Resources {
		if res.Type != typeBucket {
			continue
		}
		for _, attr := range []string{"DomainName", "RegionalDomainName"} {
			if v, err := s.lookup(id, attr); err == nil {
				name, _ := s.lookup(id, "")
				origins[scalarString(v)] = scalarString(name)
			}
		}
	}
	for id, res := range s.tmpl.Resources {
		if res.Type != typeDistribution || !s.res.enabled(res) {
			continue
		}
		props, err := s.res.resolveMap(res.Properties)
		if err != nil {
			continue
		}
		for _, o := range asList(asMap(props["DistributionConfig"])["Origins"]) {
			if bucket, ok := origins[scalarString(asMap(o)["DomainName"])]; ok {
				domain, _ := s.lookup(id, "DomainName")
				out["https://"+scalarString(domain)] = s.cfg.Endpoints.S3 + "/" + bucket
				break
			}
		}
	}
	return out
}
