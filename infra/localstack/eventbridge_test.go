package localstack

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A line as s3rver 3.7.1 emits it for a PUT (lib/models/event.js).
const s3rverPut = `{"Records":[{"eventVersion":"2.0","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-11-23T14:00:00.123Z",` +
	`"eventName":"ObjectCreated:Put","userIdentity":{"principalId":"AWS:ABC"},"requestParameters":{"sourceIPAddress":"127.0.0.1"},` +
	`"responseElements":{"x-amz-request-id":"4442587FB7D0A2F9","x-amz-id-2":"x"},"s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigId",` +
	`"bucket":{"name":"%s","ownerIdentity":{"principalId":"A"},"arn":"arn:aws:s3: : :%s"},` +
	`"object":{"key":"%s","sequencer":"18B","size":68,"eTag":"d41d8cd98f00b204e9800998ecf8427e"}}}]}`

func s3rverLine(event, bucket, key string) string {
	line := strings.Replace(s3rverPut, "%s", bucket, 2)
	line = strings.Replace(line, "%s", key, 1)
	return strings.Replace(line, "ObjectCreated:Put", event, 1)
}

func TestEventBridgeEventShape(t *testing.T) {
	t.Parallel()
	evs, err := eventBridgeEvents([]byte(s3rverLine("ObjectCreated:Put", "pics", "categories/a/b.png")), "eu-west-1")
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	raw, _ := json.Marshal(evs[0])
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got["id"] == "" {
		t.Error("no id")
	}
	delete(got, "id")
	want := map[string]any{
		"version": "0", "detail-type": "Object Created", "source": "aws.s3", "account": accountID,
		"time": "2026-11-23T14:00:00Z", "region": "eu-west-1", "resources": []any{"arn:aws:s3:::pics"},
		"detail": map[string]any{
			"version": "0", "bucket": map[string]any{"name": "pics"},
			"object":     map[string]any{"key": "categories/a/b.png", "size": 68.0, "etag": "d41d8cd98f00b204e9800998ecf8427e", "sequencer": "18B"},
			"request-id": "4442587FB7D0A2F9", "requester": accountID, "source-ip-address": "127.0.0.1", "reason": "PutObject",
		},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("event\n got %s\nwant %s", g, w)
	}

	for name, want := range map[string][2]string{
		"ObjectCreated:Copy":   {"Object Created", "CopyObject"},
		"ObjectCreated:Post":   {"Object Created", "PostObject"},
		"ObjectRemoved:Delete": {"Object Deleted", "DeleteObject"},
	} {
		evs, err := eventBridgeEvents([]byte(s3rverLine(name, "pics", "k")), "eu-west-1")
		if err != nil || len(evs) != 1 || evs[0].DetailType != want[0] || evs[0].Detail.Reason != want[1] {
			t.Errorf("%s: %+v %v", name, evs, err)
		}
	}
	if evs, err := eventBridgeEvents([]byte(s3rverLine("s3:TestEvent", "pics", "k")), "eu-west-1"); err != nil || len(evs) != 0 {
		t.Errorf("unknown kind: %+v %v", evs, err)
	}
	if _, err := eventBridgeEvents([]byte("{"), "eu-west-1"); err == nil {
		t.Error("a broken line: want an error")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The rule of the real template, resolved as Start resolves it, matches
// exactly the thumbnail bucket's new objects under categories/.
func TestThumbnailRuleOfTheTemplate(t *testing.T) {
	t.Parallel()
	tmpl, err := loadTemplate(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const bucket = "backoffice-thumbnailbucket"
	res, err := newResolver(tmpl, "eu-west-1", "backoffice", map[string]string{"OwnerEmail": "o@example.com", "SenderEmail": "s@example.com"},
		func(id, attr string) (any, error) {
			if id == "ThumbnailBucket" && attr == "" {
				return bucket, nil
			}
			return id + "." + attr, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	var rules []*eventRule
	for _, id := range tmpl.Order {
		r := tmpl.Resources[id]
		if r.Type != typeFunction {
			continue
		}
		for name, ev := range asMap(r.Properties["Events"]) {
			if scalarString(asMap(ev)["Type"]) != "EventBridgeRule" {
				continue
			}
			props, err := res.resolveMap(asMap(asMap(ev)["Properties"]))
			if err != nil {
				t.Fatal(err)
			}
			rule, err := newEventRule(&function{LogicalID: id}, name, props)
			if err != nil {
				t.Fatal(err)
			}
			rules = append(rules, rule)
		}
	}
	if len(rules) != 1 || rules[0].key != "CategoriesThumbnailUploadedFunction/Uploaded" {
		t.Fatalf("rules: %v", rules)
	}
	rule := rules[0]
	for _, c := range []struct {
		event, bucket, key string
		want               bool
	}{
		{"ObjectCreated:Put", bucket, "categories/01ARZ3NDEKTSV4RRFFQ69G5FAV/01ARZ3NDEKTSV4RRFFQ69G5FAW.png", true},
		{"ObjectCreated:Copy", bucket, "categories/x.png", true},
		{"ObjectRemoved:Delete", bucket, "categories/x.png", false},
		{"ObjectCreated:Put", "other-bucket", "categories/x.png", false},
		{"ObjectCreated:Put", bucket, "elsewhere/categories/x.png", false},
		{"ObjectCreated:Put", bucket, "Categories/x.png", false},
	} {
		evs, err := eventBridgeEvents([]byte(s3rverLine(c.event, c.bucket, c.key)), "eu-west-1")
		if err != nil || len(evs) != 1 {
			t.Fatalf("%v %v", evs, err)
		}
		if got := rule.matches(evs[0]); got != c.want {
			t.Errorf("%s %s/%s: match %v, want %v", c.event, c.bucket, c.key, got, c.want)
		}
	}
	if _, err := newEventRule(&function{LogicalID: "F"}, "E", map[string]any{"Pattern": map[string]any{"source": []any{"x"}}, "EventBusName": "custom"}); err == nil {
		t.Error("a custom bus: want an error")
	}
}

// Events appended to the file reach the function of a matching rule (one
// invocation each, a failure retried), from where the last run stopped.
func TestEventBridgeRulesDeliverS3Events(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	eventsFile := filepath.Join(dir, "s3-events.jsonl")
	delivered := filepath.Join(dir, "delivered.jsonl")
	appendLine := func(event, bucket, key string) {
		t.Helper()
		f, err := os.OpenFile(eventsFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s3rverLine(event, bucket, key) + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	appendLine("ObjectCreated:Put", "backoffice-bucket", "uploads/before-the-stack.png") // predates the rule
	cfg := Config{
		Root:      repoRoot(t),
		Template:  "testdata/template.yaml",
		StateDir:  filepath.Join(dir, "state"),
		Endpoints: Endpoints{S3Events: eventsFile},
		ExtraEnv:  map[string]string{"EVENT_FILE": delivered},
		Logs:      testLogWriter{t},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.Resource("Bucket") != "backoffice-bucket" {
		t.Fatalf("bucket %q", s.Resource("Bucket"))
	}
	appendLine("ObjectCreated:Put", "backoffice-bucket", "uploads/a.png")
	appendLine("ObjectCreated:Put", "other", "uploads/b.png")                 // another bucket
	appendLine("ObjectCreated:Put", "backoffice-bucket", "thumbs/c.png")      // another prefix
	appendLine("ObjectRemoved:Delete", "backoffice-bucket", "uploads/a.png")  // not created
	appendLine("ObjectCreated:Copy", "backoffice-bucket", "uploads/fail.png") // fails once, retried
	waitIdle(t, s)
	if got := deliveredObjects(t, delivered); got != "uploads/a.png,uploads/fail.png" {
		t.Fatalf("delivered %s", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	appendLine("ObjectCreated:Put", "backoffice-bucket", "uploads/while-down.png")
	if s, err = Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	waitIdle(t, s)
	if got := deliveredObjects(t, delivered); got != "uploads/a.png,uploads/fail.png,uploads/while-down.png" {
		t.Fatalf("after restart delivered %s", got)
	}
}

// deliveredObjects lists the object keys of the events the function got,
// sorted (EventBridge does not keep order), checking each event's shape.
func deliveredObjects(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if line == "" {
			continue
		}
		var ev s3Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if ev.Source != "aws.s3" || ev.DetailType != "Object Created" || ev.Detail.Bucket.Name != "backoffice-bucket" {
			t.Errorf("event %s", line)
		}
		keys = append(keys, ev.Detail.Object.Key)
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}
