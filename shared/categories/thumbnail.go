package categories

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Thumbnail uploads: at most 2 MiB of PNG, JPEG or WebP, through a URL
// valid for UploadTTL.
const (
	MaxThumbnailBytes = 2 << 20
	UploadTTL         = 15 * time.Minute
)

var thumbnailExt = map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}

// thumbnailTypes are thumbnailExt's keys, in the order errors name them.
var thumbnailTypes = []string{"image/png", "image/jpeg", "image/webp"}

// ThumbnailInput is the body of POST /categories/{id}/thumbnail.
type ThumbnailInput struct {
	ContentType   *string `json:"contentType"`
	ContentLength *int64  `json:"contentLength"`
}

// Upload tells the client how to upload the image.
type Upload struct {
	UploadURL    string            `json:"uploadUrl"`
	Method       string            `json:"method"`
	Headers      map[string]string `json:"headers"`
	ThumbnailURL string            `json:"thumbnailUrl"`
	ExpiresAt    string            `json:"expiresAt"`
}

func (in *ThumbnailInput) validate() error {
	var f problem.Fields
	if in.ContentType == nil {
		f.Add(problem.Required("contentType"))
	} else if _, ok := thumbnailExt[*in.ContentType]; !ok {
		f.Add(problem.NotOneOf("contentType", thumbnailTypes...))
	}
	if in.ContentLength == nil {
		f.Add(problem.Required("contentLength"))
	} else if *in.ContentLength < 1 || *in.ContentLength > MaxThumbnailBytes {
		f.Add(problem.OutOfRange("contentLength", 1, MaxThumbnailBytes).Saying("must be from 1 to 2097152 bytes (2 MiB)"))
	}
	return f.Err()
}

// Thumbnail issues a presigned PUT for a new image of the category and
// records the object's key on the category as its pending upload, with who
// asked for it. The category keeps showing its current image: it switches to
// the new one only once the object has landed (ThumbnailUploaded, run on
// S3's "Object Created" event), and the image it replaces is removed then.
// A URL that is never used changes nothing visible; a second request
// replaces the pending key, so an upload to the first URL no longer counts.
// The type and size are checked here and signed into the URL, so S3 refuses
// any other upload.
func (s *Service) Thumbnail(ctx context.Context, actor audit.Actor, id string, in ThumbnailInput, ifMatch int64) (*Upload, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	c, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if ifMatch != 0 && ifMatch != c.Version {
		return nil, problem.PreconditionFailed
	}
	contentType := *in.ContentType // exactly as listed: it is signed into the upload
	key := "categories/" + c.ID + "/" + ids.New() + "." + thumbnailExt[contentType]
	uploadURL, headers, err := s.Objects.PresignPut(ctx, key, contentType, *in.ContentLength, UploadTTL)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	prev := c.Version
	c.UpdatedAt, c.Version = now.Format(time.RFC3339), c.Version+1
	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prev))
	tx.Update(store.CategoryKey(c.ID), expression.
		Set(expression.Name("pendingThumbnailKey"), expression.Value(key)).
		Set(expression.Name("pendingThumbnailBy"), expression.Value(actor.ID)).
		Set(expression.Name("pendingThumbnailByEmail"), expression.Value(actor.Email)).
		Set(expression.Name("updatedAt"), expression.Value(c.UpdatedAt)).
		Set(expression.Name("version"), expression.Value(c.Version)), &cond, problem.PreconditionFailed)
	ev := audit.New(actor, "category.thumbnail", "category", c.ID, "Upload of a new thumbnail for category "+c.Name+" started", now)
	ev.Changes = audit.Diff(map[string]any{"pendingThumbnailUrl": s.objectURL(c.PendingThumbnailKey)},
		map[string]any{"pendingThumbnailUrl": s.objectURL(key)})
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return &Upload{UploadURL: uploadURL, Method: "PUT", Headers: headers, ThumbnailURL: s.objectURL(key),
		ExpiresAt: now.Add(UploadTTL).Format(time.RFC3339)}, nil
}

// objectURL is the public URL of an object of the bucket ("" for none).
func (s *Service) objectURL(key string) string {
	if key == "" {
		return ""
	}
	return strings.TrimSuffix(s.BaseURL, "/") + "/" + key
}
