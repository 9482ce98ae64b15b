package categories

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/ids"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// UploadedObject is an object S3 reports as created in the thumbnail bucket.
type UploadedObject struct {
	Key       string
	RequestID string // S3's id of the upload request, kept on the audit event
	SourceIP  string // who uploaded it
}

// errRaced: the category changed between the read and the transaction.
var errRaced = errors.New("category changed meanwhile")

// ThumbnailUploaded runs when an object has landed in the thumbnail bucket
// (S3's "Object Created" event, delivered at least once). When it is the
// category's pending upload, the category switches to it in one
// transaction with its audit event (attributed to whoever asked for the
// upload URL), and the image it replaces is removed. Any other object under
// categories/ is an orphan and is removed: its category is gone, a newer
// upload URL replaced it, or the thumbnail was set otherwise meanwhile. The
// object the category shows is never removed, so a repeated event changes
// nothing. Errors are worth a retry; an event that is not about a thumbnail
// key is logged and ignored.
func (s *Service) ThumbnailUploaded(ctx context.Context, obj UploadedObject) error {
	id, ok := categoryOfKey(obj.Key)
	if !ok {
		api.Logger(ctx).Warn("not a category thumbnail key, left alone", "key", obj.Key)
		return nil
	}
	for round := 0; round < maxRounds; round++ {
		c, retention, err := s.loadForUpload(ctx, id)
		switch {
		case errors.Is(err, problem.NotFound):
			return s.removeOrphan(ctx, obj.Key, "the category was deleted")
		case err != nil:
			return err
		case c.ThumbnailKey == obj.Key:
			return nil // adopted already: a repeated event
		case c.PendingThumbnailKey != obj.Key:
			return s.removeOrphan(ctx, obj.Key, "not the category's pending upload")
		}
		err = s.adopt(ctx, c, obj, retention)
		if !errors.Is(err, errRaced) {
			return err
		}
		// Someone changed the category meanwhile: decide again on what it is now.
	}
	return fmt.Errorf("category %s kept changing while adopting %s", id, obj.Key)
}

// categoryOfKey reads the category id of categories/<id>/<ulid>.<ext>, the
// only keys Thumbnail issues.
func categoryOfKey(key string) (string, bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || parts[0] != "categories" || !ids.Valid(parts[1]) {
		return "", false
	}
	name, ext, _ := strings.Cut(parts[2], ".")
	if !ids.Valid(name) {
		return "", false
	}
	for _, e := range thumbnailExt {
		if ext == e {
			return parts[1], true
		}
	}
	return "", false
}

// loadForUpload reads the category and the shop's audit retention in one
// consistent round trip.
func (s *Service) loadForUpload(ctx context.Context, id string) (*store.Category, time.Duration, error) {
	items, err := s.Store.BatchGet(ctx, []store.Key{store.CategoryKey(id), store.SettingsKey()}, true)
	if err != nil {
		return nil, 0, err
	}
	raw, ok := items[store.CategoryKey(id)]
	if !ok {
		return nil, 0, problem.NotFound
	}
	var c store.Category
	if err := store.Unmarshal(raw, &c); err != nil {
		return nil, 0, err
	}
	var retention time.Duration
	if raw, ok := items[store.SettingsKey()]; ok {
		var st store.Settings
		if err := store.Unmarshal(raw, &st); err != nil {
			return nil, 0, err
		}
		retention = st.AuditRetention()
	}
	return &c, retention, nil
}

// adopt points c at its pending upload obj, on condition that c is still as
// read (same version, same pending key), then removes the replaced object.
func (s *Service) adopt(ctx context.Context, c *store.Category, obj UploadedObject, retention time.Duration) error {
	now := s.Now().UTC()
	url := s.objectURL(obj.Key)
	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(c.Version)).
		And(expression.Name("pendingThumbnailKey").Equal(expression.Value(obj.Key)))
	tx.Update(store.CategoryKey(c.ID), expression.
		Set(expression.Name("thumbnailUrl"), expression.Value(url)).
		Set(expression.Name("thumbnailKey"), expression.Value(obj.Key)).
		Set(expression.Name("updatedAt"), expression.Value(now.Format(time.RFC3339))).
		Set(expression.Name("version"), expression.Value(c.Version+1)).
		Remove(expression.Name("pendingThumbnailKey")).
		Remove(expression.Name("pendingThumbnailBy")).
		Remove(expression.Name("pendingThumbnailByEmail")), &cond, errRaced)
	actor := audit.Actor{ID: c.PendingThumbnailBy, Email: c.PendingThumbnailByEmail,
		RequestID: obj.RequestID, SourceIP: obj.SourceIP, Retention: retention}
	if actor.ID == "" {
		actor.ID, actor.Email = audit.System.ID, audit.System.Email
	}
	ev := audit.New(actor, "category.thumbnail_uploaded", "category", c.ID, "New thumbnail for category "+c.Name, now)
	ev.Changes = audit.Diff(map[string]any{"thumbnailUrl": c.ThumbnailURL}, map[string]any{"thumbnailUrl": url})
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return err
	}
	if c.ThumbnailKey != "" && c.ThumbnailKey != obj.Key {
		if err := s.Objects.Delete(ctx, c.ThumbnailKey); err != nil {
			logDeleteFailure(ctx, c.ThumbnailKey, err)
		}
	}
	return nil
}

// removeOrphan deletes an uploaded object no category will show. Unlike
// the removal of a replaced image this one is the whole job, so a failure
// is returned and the event retried.
func (s *Service) removeOrphan(ctx context.Context, key, why string) error {
	api.Logger(ctx).Info("removing an orphaned thumbnail upload", "key", key, "reason", why)
	return s.Objects.Delete(ctx, key)
}
