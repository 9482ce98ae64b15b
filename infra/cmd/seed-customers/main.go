// Command seed-customers loads N realistic customers into a stack's table
// with BatchWriteItem: for benchmarks, list tests and trying the dev stack
// with data. It prints how long the load took.
//
//	scripts/seed-customers.sh --local 10000
//	go run ./infra/cmd/seed-customers -table <TableName> -n 100000
//
// AWS credentials and region come from the usual AWS environment; the local
// stack's endpoint from AWS_ENDPOINT_URL_DYNAMODB (the script sets it).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"backoffice/infra/seed"
	"backoffice/shared/store"
)

func main() {
	table := flag.String("table", os.Getenv("TABLE_NAME"), "DynamoDB table of the stack (output TableName)")
	n := flag.Int("n", 1000, "how many customers")
	workers := flag.Int("workers", 8, "parallel BatchWriteItem calls")
	marker := flag.String("marker", strconv.FormatInt(time.Now().Unix()%100000, 36), "tag in every seeded email address")
	flag.Parse()
	if *table == "" || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed-customers:", err)
		os.Exit(1)
	}
	db := store.New(store.NewClient(cfg), *table)
	began := time.Now()
	if err := seed.Write(ctx, db, seed.Customers(*n, *marker, uint64(began.UnixNano())), *workers); err != nil {
		fmt.Fprintln(os.Stderr, "seed-customers:", err)
		os.Exit(1)
	}
	took := time.Since(began)
	fmt.Printf("seeded %d customers (emails tagged %q) in %s (%.0f customers/s)\n", *n, *marker, took.Round(time.Millisecond), float64(*n)/took.Seconds())
}
