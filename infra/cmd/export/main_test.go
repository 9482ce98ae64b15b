package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/infra/emulators"
	"backoffice/shared/outbox"
	"backoffice/shared/setup"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

// countingDB counts the calls export makes; only Query exists on it, so
// any other kind of read would not compile.
type countingDB struct {
	db      *dynamodb.Client
	queries int
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.queries++
	return c.db.Query(ctx, in, opts...)
}

// Against DynamoDB Local: a shop seeded by the production code (the owner's
// invitation) plus items of every kind and some that must never appear.
func TestExportAgainstDynamoDBLocal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, _ := filepath.Abs("../../..")
	emu, err := emulators.Start(ctx, emulators.Options{Dir: filepath.Join(root, ".local")})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	client := store.NewClient(emu.AWSConfig("eu-west-1"))
	table := "export-test"
	createTable(ctx, t, client, table)

	db := store.New(client, table)
	outbox.UseLinkKeys(func() (string, error) { return "export-test-key-0123456789abcdef0123456789", nil })
	if err := setup.Seed(ctx, db, "Shop"); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.InviteOwner(ctx, &staff.Service{Store: db, Now: db.Now}, "Owner@Example.com", "https://shop.example"); err != nil {
		t.Fatal(err)
	}
	put := func(pk, gsi4pk, gsi4sk string, extra map[string]types.AttributeValue) {
		item := map[string]types.AttributeValue{
			"pk": s(pk), "sk": s("PROFILE"), "type": s("X"), "id": s(strings.TrimPrefix(pk, "X#")),
			"resetHash": s("secret-derived"), "ttl": &types.AttributeValueMemberN{Value: "1"},
		}
		if gsi4pk != "" {
			item["gsi4pk"], item["gsi4sk"] = s(gsi4pk), s(gsi4sk)
			item["gsi1pk"], item["gsi1sk"] = s(gsi4pk), s("x")
		}
		for k, v := range extra {
			item[k] = v
		}
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	roles := &types.AttributeValueMemberL{Value: []types.AttributeValue{s("admin"), s("sales")}}
	put("X#a2", "STAFF#active", "2026-01-02T00:00:00Z#a2", map[string]types.AttributeValue{"email": s("b@example.com"), "roleIds": roles, "version": &types.AttributeValueMemberN{Value: "3"}})
	put("X#a1", "STAFF#active", "2026-01-01T00:00:00Z#a1", map[string]types.AttributeValue{"email": s("a@example.com"), "firstName": s("Zoë, \"Z\"")})
	put("X#a3", "STAFF#active", "2026-01-03T00:00:00Z#a3", nil)
	put("X#i1", "STAFF#inactive", "2025-12-01T00:00:00Z#i1", nil)
	put("X#d1", "STAFF#deleting", "2026-01-01T00:00:00Z#d1", nil) // on its way out
	put("X#c1", "CUSTOMER#active", "2026-01-01T00:00:00Z#c1", nil)
	put("X#k1", "CATEGORY", "2026-01-01T00:00:00Z#k1", map[string]types.AttributeValue{"name": s("Shoes")})
	put("X#n1", "", "", nil) // in no index partition

	pageSize = 2 // cross page boundaries
	q := &countingDB{db: client}
	var out bytes.Buffer
	n, err := export(ctx, q, table, kinds[0], "jsonl", &out)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		for name := range v {
			if internal(name) {
				t.Errorf("exported internal attribute %s: %s", name, line)
			}
		}
		if v["status"] == "invited" {
			if v["email"] != "owner@example.com" {
				t.Errorf("owner: %s", line)
			}
			ids = append(ids, "owner")
			continue
		}
		ids = append(ids, v["id"].(string))
	}
	// Partitions in order invited, active, inactive; each by creation time.
	if got := strings.Join(ids, ","); got != "owner,a1,a2,a3,i1" || n != 5 {
		t.Fatalf("staff exported %s (%d)", got, n)
	}
	// invited: 1 page; active: 3 items in pages of 2 → 2 pages; inactive: 1.
	if q.queries != 4 {
		t.Errorf("%d queries", q.queries)
	}

	out.Reset()
	if n, err := export(ctx, q, table, kinds[0], "csv", &out); err != nil || n != 5 {
		t.Fatalf("csv: %d %v", n, err)
	}
	rec, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Join(rec[0], ",")
	if !strings.HasPrefix(header, "id,") || strings.Contains(header, "pk") || strings.Contains(header, "Hash") {
		t.Errorf("header %s", header)
	}
	col := map[string]int{}
	for i, c := range rec[0] {
		col[c] = i
	}
	if rec[2][col["firstName"]] != `Zoë, "Z"` || rec[3][col["roleIds"]] != `["admin","sales"]` || rec[3][col["version"]] != "3" {
		t.Errorf("rows %q", rec[2:4])
	}

	for i, want := range []string{"c1", "k1"} {
		out.Reset()
		if n, err := export(ctx, q, table, kinds[i+1], "jsonl", &out); err != nil || n != 1 || !strings.Contains(out.String(), `"id":"`+want+`"`) {
			t.Errorf("%s: %d %v %s", kinds[i+1].Name, n, err, out.String())
		}
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func createTable(ctx context.Context, t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	attr := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(h, r string) []types.KeySchemaElement {
		return []types.KeySchemaElement{{AttributeName: aws.String(h), KeyType: types.KeyTypeHash}, {AttributeName: aws.String(r), KeyType: types.KeyTypeRange}}
	}
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		KeySchema:            key("pk", "sk"),
		AttributeDefinitions: []types.AttributeDefinition{attr("pk"), attr("sk")},
	}
	// The five indexes of template.yaml: the production code writes them all.
	for _, i := range []string{"gsi1", "gsi2", "gsi3", "gsi4", "gsi5"} {
		in.AttributeDefinitions = append(in.AttributeDefinitions, attr(i+"pk"), attr(i+"sk"))
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(i), KeySchema: key(i+"pk", i+"sk"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		o     options
		names string
		ok    bool
	}{
		{options{table: "t", format: "jsonl"}, "staff,customers,categories", true},
		{options{table: "t", format: "csv", out: "dir"}, "staff,categories", true},
		{options{table: "t", format: "csv"}, "staff", true},
		{options{table: "t", format: "csv"}, "staff,customers", false}, // two CSVs on one stdout
		{options{table: "t", format: "xml"}, "staff", false},
		{options{table: "t", format: "jsonl"}, "orders", false},
		{options{format: "jsonl"}, "staff", false},
	} {
		if err := tc.o.parse(tc.names); (err == nil) != tc.ok {
			t.Errorf("%+v %q: %v", tc.o, tc.names, err)
		}
	}
}

func TestDryRunTouchesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o := options{table: "t", format: "csv", out: dir, dryRun: true}
	if err := o.parse("staff,categories"); err != nil {
		t.Fatal(err)
	}
	if err := run(o); err != nil { // no credentials, no endpoint: must not connect
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("dry run created %s", dir)
	}
}
