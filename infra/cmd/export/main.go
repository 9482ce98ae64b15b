// Command export writes the shop's staff, customers and categories as JSON
// lines or CSV, for operators (a copy before a risky change, a spreadsheet
// for the shop owner). It reads with Query on the index partitions the lists
// use, never Scan, so its cost is the number of exported items.
//
//	go run ./infra/cmd/export -table NAME [-kinds staff,customers,categories] [-format jsonl|csv] [-out DIR] [-dry-run]
//
// scripts/export.sh finds the table of the local stack (--local) or of a
// deployed one (--stack NAME). AWS credentials and region come from the usual
// AWS environment, endpoints from AWS_ENDPOINT_URL_DYNAMODB.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/store"
)

// kind is one exportable list: the index partitions that hold every item of
// it once (infra/DATA.md), read in this order.
type kind struct {
	Name       string
	Index      string
	Partitions []string
}

// kinds: adding one is one line. Items in other partitions (people being
// deleted, keys, tokens, sessions) are never read.
var kinds = []kind{
	{"staff", store.IndexByCreated, []string{"STAFF#invited", "STAFF#active", "STAFF#inactive"}},
	{"customers", store.IndexByCreated, []string{"CUSTOMER#invited", "CUSTOMER#active", "CUSTOMER#inactive"}},
	{"categories", store.IndexByCreated, []string{"CATEGORY"}},
}

// internal reports attributes that are table mechanics or derived from
// secrets, not data: keys, index keys, item type, token hashes, TTL.
func internal(name string) bool {
	return name == "pk" || name == "sk" || name == "type" || name == "ttl" ||
		(strings.HasPrefix(name, "gsi") && (strings.HasSuffix(name, "pk") || strings.HasSuffix(name, "sk"))) ||
		strings.HasSuffix(name, "Hash")
}

type options struct {
	table  string
	kinds  []kind
	format string // jsonl or csv
	out    string // directory; "" = stdout
	dryRun bool
}

func main() {
	var o options
	var names string
	flag.StringVar(&o.table, "table", os.Getenv("TABLE_NAME"), "DynamoDB table of the stack (output TableName)")
	flag.StringVar(&names, "kinds", "staff,customers,categories", "what to export, comma-separated")
	flag.StringVar(&o.format, "format", "jsonl", "jsonl (one JSON object per line) or csv")
	flag.StringVar(&o.out, "out", "", "directory for <kind>.jsonl / <kind>.csv files (default: standard output)")
	flag.BoolVar(&o.dryRun, "dry-run", false, "print the queries instead of running them")
	flag.Parse()
	err := o.parse(names)
	if err == nil && flag.NArg() > 0 {
		err = fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		flag.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func (o *options) parse(names string) error {
	if o.table == "" {
		return errors.New("-table is required")
	}
	if o.format != "jsonl" && o.format != "csv" {
		return fmt.Errorf("-format %q: jsonl or csv", o.format)
	}
	for _, n := range strings.Split(names, ",") {
		i := slices.IndexFunc(kinds, func(k kind) bool { return k.Name == strings.TrimSpace(n) })
		if i < 0 {
			return fmt.Errorf("unknown kind %q (known: staff, customers, categories)", n)
		}
		o.kinds = append(o.kinds, kinds[i])
	}
	if o.out == "" && o.format == "csv" && len(o.kinds) > 1 {
		return errors.New("CSV of several kinds needs -out DIR (one file per kind)")
	}
	return nil
}

func run(o options) error {
	if o.dryRun {
		for _, k := range o.kinds {
			for _, p := range k.Partitions {
				fmt.Printf("would Query table %s index %s partition %s (all pages) -> %s\n", o.table, k.Index, p, o.target(k))
			}
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	// An operator's machine may use profiles or SSO: the full loader is
	// right here (unlike in Lambda, where it only costs cold-start time).
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	db := store.NewClient(cfg)
	for _, k := range o.kinds {
		w, closeFn, err := o.writer(k)
		if err != nil {
			return err
		}
		n, err := export(ctx, db, o.table, k, o.format, w)
		if cerr := closeFn(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k.Name, err)
		}
		fmt.Fprintf(os.Stderr, "export: %s: %d items -> %s\n", k.Name, n, o.target(k))
	}
	return nil
}

func (o options) target(k kind) string {
	if o.out == "" {
		return "standard output"
	}
	return filepath.Join(o.out, k.Name+"."+o.format)
}

func (o options) writer(k kind) (io.Writer, func() error, error) {
	if o.out == "" {
		return os.Stdout, func() error { return nil }, nil
	}
	if err := os.MkdirAll(o.out, 0o700); err != nil {
		return nil, nil, err
	}
	// Personal data: readable by the operator only.
	f, err := os.OpenFile(o.target(k), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

// export writes every item of k and returns how many. JSON lines stream;
// CSV keeps the kind in memory, since its header needs every column first.
func export(ctx context.Context, db querier, table string, k kind, format string, w io.Writer) (int, error) {
	var rows []map[string]any
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for _, part := range k.Partitions {
		err := query(ctx, db, table, k.Index, part, func(item map[string]types.AttributeValue) error {
			var v map[string]any
			if err := attributevalue.UnmarshalMap(item, &v); err != nil {
				return err
			}
			for name := range v {
				if internal(name) {
					delete(v, name)
				}
			}
			n++
			if format == "csv" {
				rows = append(rows, v)
				return nil
			}
			return enc.Encode(v)
		})
		if err != nil {
			return n, err
		}
	}
	if format == "csv" {
		return n, writeCSV(w, rows)
	}
	return n, nil
}

// querier is all export may do with the table.
type querier interface {
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// pageSize bounds items per Query (0: DynamoDB's 1 MB pages); tests make it
// small to cross page boundaries.
var pageSize int32

// query reads one index partition in sort key order, every page.
func query(ctx context.Context, db querier, table, index, partition string, each func(map[string]types.AttributeValue) error) error {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": index + "pk"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: partition}},
	}
	if pageSize > 0 {
		in.Limit = aws.Int32(pageSize)
	}
	for {
		out, err := db.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, item := range out.Items {
			if err := each(item); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// writeCSV writes rows with a header of every column: id first, then the
// rest alphabetically. Lists and maps are JSON in their cell.
func writeCSV(w io.Writer, rows []map[string]any) error {
	seen := map[string]bool{}
	var cols []string
	for _, r := range rows {
		for c := range r {
			if !seen[c] {
				seen[c] = true
				cols = append(cols, c)
			}
		}
	}
	sort.Slice(cols, func(i, j int) bool {
		if (cols[i] == "id") != (cols[j] == "id") {
			return cols[i] == "id"
		}
		return cols[i] < cols[j]
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = cell(r[c])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
