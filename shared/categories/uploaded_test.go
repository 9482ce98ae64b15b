package categories

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/audit"
	"backoffice/shared/ids"
	"backoffice/shared/store"
)

// fakeDB is a table in memory with the calls ThumbnailUploaded and
// Thumbnail make: consistent BatchGetItem and GetItem, and transactions of
// Puts, Updates and Deletes whose expressions are what the expression builder writes
// here (SET/REMOVE; conditions of equalities and attribute_not_exists joined
// by AND). Anything else fails loudly.
type fakeDB struct {
	store.DB // nil: calls the fake does not implement panic
	items    map[string]map[string]types.AttributeValue
	// beforeTx runs once before the next transaction: a concurrent change.
	beforeTx func(f *fakeDB)
	txs      int
	failTxs  int // fail this many transactions with a transient error
}

func newFakeDB() *fakeDB { return &fakeDB{items: map[string]map[string]types.AttributeValue{}} }

func fakeKey(k map[string]types.AttributeValue) string {
	return k["pk"].(*types.AttributeValueMemberS).Value + "|" + k["sk"].(*types.AttributeValueMemberS).Value
}

func (f *fakeDB) put(t *testing.T, v any) {
	t.Helper()
	av, err := attributevalue.MarshalMap(v)
	if err != nil {
		t.Fatal(err)
	}
	f.items[fakeKey(av)] = av
}

func (f *fakeDB) category(t *testing.T, id string) *store.Category {
	t.Helper()
	av, ok := f.items[fakeKey(store.CategoryKey(id).AV())]
	if !ok {
		return nil
	}
	var c store.Category
	if err := attributevalue.UnmarshalMap(av, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func (f *fakeDB) events(t *testing.T) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, av := range f.items {
		if s, ok := av["type"].(*types.AttributeValueMemberS); ok && s.Value == "AuditEvent" {
			var e audit.Event
			if err := attributevalue.UnmarshalMap(av, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if !aws.ToBool(in.ConsistentRead) {
		return nil, errors.New("fake: decisions need consistent reads")
	}
	return &dynamodb.GetItemOutput{Item: maps.Clone(f.items[fakeKey(in.Key)])}, nil
}

func (f *fakeDB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	for table, ka := range in.RequestItems {
		if !aws.ToBool(ka.ConsistentRead) {
			return nil, errors.New("fake: decisions need consistent reads")
		}
		for _, k := range ka.Keys {
			if it, ok := f.items[fakeKey(k)]; ok {
				out.Responses[table] = append(out.Responses[table], maps.Clone(it))
			}
		}
	}
	return out, nil
}

var (
	condEqual     = regexp.MustCompile(`^\(?(#\w+) = (:\w+)\)?$`)
	condNotExists = regexp.MustCompile(`^\(?attribute_not_exists \((#\w+)\)\)?$`)
)

func holds(cond *string, names map[string]string, values map[string]types.AttributeValue, item map[string]types.AttributeValue) (bool, error) {
	if cond == nil {
		return true, nil
	}
	for _, part := range strings.Split(*cond, " AND ") {
		part = strings.TrimSpace(part)
		if m := condEqual.FindStringSubmatch(part); m != nil {
			if !reflect.DeepEqual(item[names[m[1]]], values[m[2]]) {
				return false, nil
			}
		} else if m := condNotExists.FindStringSubmatch(part); m != nil {
			if _, ok := item[names[m[1]]]; ok {
				return false, nil
			}
		} else {
			return false, fmt.Errorf("fake: unsupported condition %q", part)
		}
	}
	return true, nil
}

func apply(expr string, names map[string]string, values map[string]types.AttributeValue, item map[string]types.AttributeValue) error {
	for _, clause := range strings.Split(strings.TrimSpace(expr), "\n") {
		verb, list, _ := strings.Cut(strings.TrimSpace(clause), " ")
		for _, part := range strings.Split(list, ", ") {
			switch verb {
			case "SET":
				name, value, ok := strings.Cut(part, " = ")
				if !ok || values[value] == nil {
					return fmt.Errorf("fake: unsupported SET %q", part)
				}
				item[names[name]] = values[value]
			case "REMOVE":
				delete(item, names[part])
			default:
				return fmt.Errorf("fake: unsupported update %q", clause)
			}
		}
	}
	return nil
}

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.txs++
	if f.beforeTx != nil {
		hook := f.beforeTx
		f.beforeTx = nil
		hook(f)
	}
	if f.failTxs > 0 {
		f.failTxs--
		return nil, errors.New("fake: service unavailable")
	}
	next := maps.Clone(f.items)
	reasons := make([]types.CancellationReason, len(in.TransactItems))
	failed := false
	for i, ti := range in.TransactItems {
		var ok bool
		var err error
		switch {
		case ti.Put != nil:
			p := ti.Put
			ok, err = holds(p.ConditionExpression, p.ExpressionAttributeNames, p.ExpressionAttributeValues, next[fakeKey(p.Item)])
			if ok {
				next[fakeKey(p.Item)] = maps.Clone(p.Item)
			}
		case ti.Update != nil:
			u := ti.Update
			item := maps.Clone(next[fakeKey(u.Key)])
			ok, err = holds(u.ConditionExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues, item)
			if ok {
				if item == nil {
					item = maps.Clone(u.Key)
				}
				err = apply(*u.UpdateExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues, item)
				next[fakeKey(u.Key)] = item
			}
		case ti.Delete != nil:
			d := ti.Delete
			ok, err = holds(d.ConditionExpression, d.ExpressionAttributeNames, d.ExpressionAttributeValues, next[fakeKey(d.Key)])
			if ok {
				delete(next, fakeKey(d.Key))
			}
		default:
			err = errors.New("fake: unsupported transaction item")
		}
		if err != nil {
			return nil, err
		}
		reasons[i].Code = aws.String("None")
		if !ok {
			reasons[i].Code = aws.String("ConditionalCheckFailed")
			failed = true
		}
	}
	if failed {
		return nil, &types.TransactionCanceledException{Message: aws.String("cancelled"), CancellationReasons: reasons}
	}
	f.items = next
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

// fakeObjects is the bucket: what was issued and what was deleted.
type fakeObjects struct {
	deleted   []string
	failNext  int
	presigned []string
}

func (o *fakeObjects) PresignPut(_ context.Context, key, _ string, _ int64, _ time.Duration) (string, map[string]string, error) {
	o.presigned = append(o.presigned, key)
	return "https://s3.example.com/" + key + "?X-Amz-Signature=x", map[string]string{}, nil
}

func (o *fakeObjects) Delete(_ context.Context, key string) error {
	if o.failNext > 0 {
		o.failNext--
		return errors.New("fake: s3 unavailable")
	}
	o.deleted = append(o.deleted, key)
	return nil
}

const base = "https://thumbs.example.com"

type fixture struct {
	db   *fakeDB
	objs *fakeObjects
	svc  *Service
	cat  *store.Category
	by   audit.Actor
}

// newFixture: a category showing an uploaded image, and the shop's settings.
func newFixture(t *testing.T) *fixture {
	f := &fixture{db: newFakeDB(), objs: &fakeObjects{}}
	st := store.New(f.db, "table")
	f.svc = &Service{Store: st, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Objects: f.objs, BaseURL: base + "/"}
	id := ids.New()
	oldKey := "categories/" + id + "/" + ids.New() + ".png"
	f.cat = &store.Category{ID: id, Name: "Shoes", Slug: "shoes", CreatedAt: "2026-01-01T00:00:00Z", UpdatedAt: "2026-01-01T00:00:00Z",
		Version: 3, ThumbnailURL: base + "/" + oldKey, ThumbnailKey: oldKey}
	f.cat.Index()
	f.db.put(t, f.cat)
	k := store.SettingsKey()
	f.db.put(t, store.Settings{PK: k.PK, SK: k.SK, Type: "Settings", AuditRetentionDays: 30})
	f.by = audit.Actor{ID: ids.New(), Email: "editor@example.com"}
	return f
}

// request issues an upload URL as f.by and returns the key.
func (f *fixture) request(t *testing.T) (string, *Upload) {
	t.Helper()
	ct, n := "image/png", int64(100)
	up, err := f.svc.Thumbnail(context.Background(), f.by, f.cat.ID, ThumbnailInput{ContentType: &ct, ContentLength: &n}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f.objs.presigned[len(f.objs.presigned)-1], up
}

func (f *fixture) landed(t *testing.T, key string) {
	t.Helper()
	if err := f.svc.ThumbnailUploaded(context.Background(), UploadedObject{Key: key, RequestID: "req-1", SourceIP: "192.0.2.1"}); err != nil {
		t.Fatalf("ThumbnailUploaded(%s): %v", key, err)
	}
}

func actions(evs []audit.Event) map[string]int {
	out := map[string]int{}
	for _, e := range evs {
		out[e.Action]++
	}
	return out
}

func TestThumbnailRequestOnlyRecordsThePendingUpload(t *testing.T) {
	f := newFixture(t)
	key, up := f.request(t)
	c := f.db.category(t, f.cat.ID)
	if c.ThumbnailURL != f.cat.ThumbnailURL || c.ThumbnailKey != f.cat.ThumbnailKey {
		t.Errorf("the category changed its image before the upload: %+v", c)
	}
	if c.PendingThumbnailKey != key || c.PendingThumbnailBy != f.by.ID || c.PendingThumbnailByEmail != f.by.Email || c.Version != 4 {
		t.Errorf("pending upload not recorded: %+v", c)
	}
	if up.ThumbnailURL != base+"/"+key {
		t.Errorf("answered %s, want the URL of %s", up.ThumbnailURL, key)
	}
	if len(f.objs.deleted) != 0 {
		t.Errorf("deleted %v before any upload", f.objs.deleted)
	}
	if a := actions(f.db.events(t)); a["category.thumbnail"] != 1 || len(a) != 1 {
		t.Errorf("audit events: %v", a)
	}
}

func TestThumbnailUploadedAdoptsThePendingUpload(t *testing.T) {
	f := newFixture(t)
	key, up := f.request(t)
	f.landed(t, key)
	c := f.db.category(t, f.cat.ID)
	if c.ThumbnailURL != up.ThumbnailURL || c.ThumbnailKey != key || c.Version != 5 || c.UpdatedAt != "2026-01-02T03:04:05Z" {
		t.Errorf("not adopted: %+v", c)
	}
	if c.PendingThumbnailKey != "" || c.PendingThumbnailBy != "" || c.PendingThumbnailByEmail != "" {
		t.Errorf("pending fields left: %+v", c)
	}
	if !reflect.DeepEqual(f.objs.deleted, []string{f.cat.ThumbnailKey}) {
		t.Errorf("deleted %v, want only the replaced %s", f.objs.deleted, f.cat.ThumbnailKey)
	}
	var ev *audit.Event
	for _, e := range f.db.events(t) {
		if e.Action == "category.thumbnail_uploaded" {
			ev = &e
		}
	}
	if ev == nil {
		t.Fatalf("no category.thumbnail_uploaded event: %v", actions(f.db.events(t)))
	}
	if ev.ActorID != f.by.ID || ev.ActorEmail != f.by.Email || ev.TargetID != f.cat.ID || ev.RequestID != "req-1" || ev.SourceIP != "192.0.2.1" {
		t.Errorf("event: %+v", ev)
	}
	if want := f.svc.Now().Add(30 * 24 * time.Hour).Unix(); ev.TTL != want {
		t.Errorf("ttl %d, want the shop's 30 days %d", ev.TTL, want)
	}
	if ch := ev.Changes["thumbnailUrl"]; ch.Before != f.cat.ThumbnailURL || ch.After != up.ThumbnailURL {
		t.Errorf("changes: %+v", ev.Changes)
	}

	// EventBridge delivers at least once: the same event again changes nothing.
	txs, events := f.db.txs, len(f.db.events(t))
	f.landed(t, key)
	if again := f.db.category(t, f.cat.ID); !reflect.DeepEqual(again, c) || f.db.txs != txs || len(f.db.events(t)) != events {
		t.Errorf("a repeated event changed something: %+v", again)
	}
	if len(f.objs.deleted) != 1 {
		t.Errorf("a repeated event deleted %v", f.objs.deleted)
	}
}

func TestThumbnailUploadedWithoutPreviousImage(t *testing.T) {
	f := newFixture(t)
	f.cat.ThumbnailURL, f.cat.ThumbnailKey = "", ""
	f.db.put(t, f.cat)
	key, _ := f.request(t)
	f.landed(t, key)
	if c := f.db.category(t, f.cat.ID); c.ThumbnailKey != key {
		t.Errorf("not adopted: %+v", c)
	}
	if len(f.objs.deleted) != 0 {
		t.Errorf("deleted %v", f.objs.deleted)
	}
}

func TestThumbnailUploadedRemovesOrphans(t *testing.T) {
	t.Run("replaced by a newer request", func(t *testing.T) {
		f := newFixture(t)
		first, _ := f.request(t)
		second, _ := f.request(t)
		f.landed(t, first)
		c := f.db.category(t, f.cat.ID)
		if c.ThumbnailKey != f.cat.ThumbnailKey || c.PendingThumbnailKey != second {
			t.Errorf("a stale upload changed the category: %+v", c)
		}
		if !reflect.DeepEqual(f.objs.deleted, []string{first}) {
			t.Errorf("deleted %v, want %s", f.objs.deleted, first)
		}
		f.landed(t, second)
		if c := f.db.category(t, f.cat.ID); c.ThumbnailKey != second {
			t.Errorf("the newer upload was not adopted: %+v", c)
		}
	})
	t.Run("category deleted", func(t *testing.T) {
		f := newFixture(t)
		key, _ := f.request(t)
		delete(f.db.items, fakeKey(store.CategoryKey(f.cat.ID).AV()))
		f.landed(t, key)
		if !reflect.DeepEqual(f.objs.deleted, []string{key}) {
			t.Errorf("deleted %v, want %s", f.objs.deleted, key)
		}
	})
	t.Run("thumbnail set otherwise meanwhile", func(t *testing.T) {
		f := newFixture(t)
		key, _ := f.request(t)
		ext := "https://cdn.example.com/a.png"
		if _, err := f.svc.Update(context.Background(), f.by, f.cat.ID, Input{ThumbnailURL: Nullable{Set: true, Value: &ext}}, 0); err != nil {
			t.Fatal(err)
		}
		f.objs.deleted = nil
		f.landed(t, key)
		if c := f.db.category(t, f.cat.ID); c.ThumbnailURL != ext || c.PendingThumbnailKey != "" {
			t.Errorf("category: %+v", c)
		}
		if !reflect.DeepEqual(f.objs.deleted, []string{key}) {
			t.Errorf("deleted %v, want %s", f.objs.deleted, key)
		}
	})
	t.Run("a failed delete is retried", func(t *testing.T) {
		f := newFixture(t)
		first, _ := f.request(t)
		f.request(t)
		f.objs.failNext = 1
		if err := f.svc.ThumbnailUploaded(context.Background(), UploadedObject{Key: first}); err == nil {
			t.Error("an orphan that could not be removed reported success")
		}
	})
	t.Run("not a thumbnail key", func(t *testing.T) {
		f := newFixture(t)
		for _, key := range []string{"categories/x/y.png", "categories/" + f.cat.ID + "/" + ids.New() + ".gif", "other/" + f.cat.ID + "/" + ids.New() + ".png"} {
			f.landed(t, key)
		}
		if len(f.objs.deleted) != 0 || f.db.txs != 0 {
			t.Errorf("touched %v", f.objs.deleted)
		}
	})
}

func TestThumbnailUploadedRaces(t *testing.T) {
	t.Run("a newer request wins over the adoption", func(t *testing.T) {
		f := newFixture(t)
		first, _ := f.request(t)
		var second string
		f.db.beforeTx = func(*fakeDB) { second, _ = f.request(t) } // lands between the read and the write
		f.landed(t, first)
		c := f.db.category(t, f.cat.ID)
		if c.ThumbnailKey != f.cat.ThumbnailKey || c.PendingThumbnailKey != second || second == "" {
			t.Errorf("the stale upload was adopted: %+v", c)
		}
		if !reflect.DeepEqual(f.objs.deleted, []string{first}) {
			t.Errorf("deleted %v, want only %s (never the image shown)", f.objs.deleted, first)
		}
		if a := actions(f.db.events(t)); a["category.thumbnail_uploaded"] != 0 {
			t.Errorf("audit: %v", a)
		}
	})
	t.Run("an unrelated edit meanwhile", func(t *testing.T) {
		f := newFixture(t)
		key, _ := f.request(t)
		name := "Boots"
		f.db.beforeTx = func(*fakeDB) {
			if _, err := f.svc.Update(context.Background(), f.by, f.cat.ID, Input{Name: &name}, 0); err != nil {
				t.Error(err)
			}
		}
		f.landed(t, key)
		c := f.db.category(t, f.cat.ID)
		if c.ThumbnailKey != key || c.Name != "Boots" || c.Version != 6 {
			t.Errorf("category after the retried adoption: %+v", c)
		}
		if a := actions(f.db.events(t)); a["category.thumbnail_uploaded"] != 1 {
			t.Errorf("audit: %v", a)
		}
	})
	t.Run("a transient failure is returned for a retry", func(t *testing.T) {
		f := newFixture(t)
		key, _ := f.request(t)
		f.db.failTxs = 1
		if err := f.svc.ThumbnailUploaded(context.Background(), UploadedObject{Key: key}); err == nil {
			t.Fatal("a failed write reported success")
		}
		if c := f.db.category(t, f.cat.ID); c.PendingThumbnailKey != key || len(f.objs.deleted) != 0 {
			t.Fatalf("a failed write changed something: %+v, deleted %v", c, f.objs.deleted)
		}
		f.landed(t, key) // the retry
		if c := f.db.category(t, f.cat.ID); c.ThumbnailKey != key {
			t.Errorf("the retry did not adopt: %+v", c)
		}
	})
}
