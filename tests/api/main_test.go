//go:build integration

// Package api_test drives the whole stack through HTTP: the local stack runs
// every function of template.yaml against DynamoDB Local, cognito-local and
// aws-ses-v2-local started on free ports for this run only.
package api_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/store"
	"backoffice/tests/stack"
)

var st *stack.Stack

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), stack.StartTimeout)
	defer cancel()
	root, err := stack.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st, err = stack.Start(ctx, root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		return 1
	}
	defer st.Close()
	if err := raiseSeatLimit(ctx, 1000); err != nil {
		fmt.Fprintln(os.Stderr, "raise seat limit:", err)
		return 1
	}
	code := m.Run()
	// The calls the functions made must all be allowed by their policies
	// in template.yaml: the emulators enforce no IAM.
	if err := st.CheckCalls(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	return code
}

// raiseSeatLimit lets tests invite many people; seat limits are tested on
// their own with a limit they set.
func raiseSeatLimit(ctx context.Context, n int) error {
	db := testStore()
	tx := db.Tx()
	tx.Update(store.SettingsKey(), expression.Set(expression.Name("seatLimit"), expression.Value(n)), nil, nil)
	return db.Write(ctx, tx)
}

func testStore() *store.Store {
	return store.New(store.NewClient(st.AWS), st.TableName)
}
