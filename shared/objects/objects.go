// Package objects is the thumbnail bucket: presigned uploads and removal of
// replaced images. Only the functions that touch the bucket import it, so
// the S3 client stays out of every other binary.
package objects

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"backoffice/shared/awsenv"
	"backoffice/shared/categories"
)

// Bucket is one S3 bucket.
type Bucket struct {
	client  *s3.Client
	presign *s3.PresignClient
	name    string
}

var _ categories.Objects = (*Bucket)(nil)

// New returns the bucket name on the config's S3 endpoint. Emulators
// (AWS_ENDPOINT_URL_S3) take path-style addresses. Checksums are only sent
// when S3 requires them: a presigned PUT must not carry a checksum of an
// empty body in its query.
func New(cfg aws.Config, name string) *Bucket {
	local := awsenv.Local("S3")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = local
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &Bucket{client: client, presign: s3.NewPresignClient(client), name: name}
}

// PresignPut signs a PUT of key with its content type and length, so S3
// accepts only that upload, and with If-None-Match: *, so S3 accepts it only
// while key does not exist: once the image has landed (and been adopted),
// the same URL can not replace it for the rest of its lifetime. The headers
// are what the PUT must carry (an HTTP client sets Content-Length from the
// body itself).
func (b *Bucket) PresignPut(ctx context.Context, key, contentType string, length int64, ttl time.Duration) (string, map[string]string, error) {
	req, err := b.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: &b.name, Key: &key, ContentType: &contentType, ContentLength: &length,
		IfNoneMatch: aws.String("*"),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", nil, fmt.Errorf("presign %s: %w", key, err)
	}
	headers := map[string]string{"Content-Type": contentType, "Content-Length": fmt.Sprint(length), "If-None-Match": "*"}
	return req.URL, headers, nil
}

// Delete removes key; a missing key is not an error in S3.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.name, Key: &key}); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}
