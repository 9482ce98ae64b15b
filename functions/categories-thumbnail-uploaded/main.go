// Command categories-thumbnail-uploaded switches a category to its new
// thumbnail once the image has landed in the bucket: it runs on the
// bucket's "Object Created" events (EventBridge, keys under categories/),
// adopts the category's pending upload and removes the image it replaces,
// or removes an upload no category is waiting for.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"backoffice/shared/api"
	"backoffice/shared/awsenv"
	"backoffice/shared/categories"
	"backoffice/shared/objects"
	"backoffice/shared/store"
)

// detail is the part of an "Object Created" event this function reads.
type detail struct {
	Bucket struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key string `json:"key"`
	} `json:"object"`
	RequestID string `json:"request-id"`
	SourceIP  string `json:"source-ip-address"`
}

func main() {
	cfg := awsenv.Config()
	bucket := awsenv.Require("THUMBNAIL_BUCKET")
	db := store.New(store.NewClient(cfg), awsenv.Require("TABLE_NAME"))
	svc := &categories.Service{Store: db, Now: db.Now, Objects: objects.New(cfg, bucket),
		BaseURL: awsenv.Require("THUMBNAIL_BASE_URL")}
	lambda.Start(func(ctx context.Context, ev events.EventBridgeEvent) error {
		var d detail
		if err := json.Unmarshal(ev.Detail, &d); err != nil || ev.DetailType != "Object Created" || d.Bucket.Name != bucket {
			// Not an event this function is for: retrying would not change that.
			api.Log.Warn("event ignored", "id", ev.ID, "detailType", ev.DetailType, "bucket", d.Bucket.Name)
			return nil
		}
		return svc.ThumbnailUploaded(ctx, categories.UploadedObject{Key: d.Object.Key, RequestID: d.RequestID, SourceIP: d.SourceIP})
	})
}
