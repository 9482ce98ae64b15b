//go:build integration

// Package faults_test runs the staff domain services directly against the
// DynamoDB Local table of a test stack, with the in-memory directory of
// shared/directory/directorytest standing in for Cognito, and breaks each
// external call in turn: after every failure nothing may be orphaned, and a
// plain retry must bring DynamoDB and the directory into agreement
// (README: DynamoDB is the source of truth, Cognito follows it).
package faults_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/account"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/ids"
	"backoffice/shared/staff"
	"backoffice/shared/store"
	"backoffice/tests/stack"
)

var (
	st *stack.Stack
	db *store.Store
)

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
	db = store.New(store.NewClient(st.AWS), st.TableName)
	// The shop starts with 5 seats; these tests make more people than that.
	tx := db.Tx()
	tx.Update(store.SettingsKey(), expression.Set(expression.Name("seatLimit"), expression.Value(1000)), nil, nil)
	if err := db.Write(ctx, tx); err != nil {
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

const password = "correct horse battery staple"

// errCognito is what the directory answers when a test breaks it.
var errCognito = errors.New("cognito: service unavailable")

// service is the staff service with the fake directory.
func service(dir *directorytest.Directory) *staff.Service {
	return &staff.Service{Store: db, Dir: dir, Now: db.Now}
}

// owner is the caller of the actions on other people: an owner may act on
// anyone. It is not a person in the table; the services only need its id
// and roles.
func owner() (*auth.Caller, audit.Actor) {
	id := ids.New()
	return &auth.Caller{PersonID: id, Email: "faults-owner@example.com", RoleIDs: []string{auth.OwnerRoleID}},
		audit.Actor{ID: id, Email: "faults-owner@example.com"}
}

var seq atomic.Int64

func uniqueEmail(prefix string) string {
	return prefix + "-" + strconv.FormatInt(seq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36) + "@example.com"
}

var linkToken = regexp.MustCompile(`(/[a-z-]+)(?:\?for=customer)?#token=([A-Za-z0-9_-]{43})`)

// mailToken waits for the mail to `to` that carries a link to path
// ("/accept-invitation", "/reset-password") and returns its token. The
// stack's mail-sender scrubs the link from the outbox item once the mail is
// sent, so the mail itself is the reliable place to read it.
func mailToken(t *testing.T, to, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		m, err := st.WaitMail(ctx, to, "")
		if err != nil {
			t.Fatalf("mail to %s with a %s link: %v", to, path, err)
		}
		if found := linkToken.FindStringSubmatch(m.Text); found != nil && found[1] == path {
			return found[2]
		}
	}
}

// invited invites email (with roles) and returns the person's id and the
// invitation token from the mail.
func invited(t *testing.T, svc *staff.Service, email string, roleIDs ...string) (string, string) {
	t.Helper()
	inv, err := svc.Invite(context.Background(), audit.System, "Faults",
		staff.InviteInput{Email: email, FirstName: "Fay", LastName: "Ault", RoleIDs: roleIDs}, st.URL)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return inv.Staff.ID, mailToken(t, email, "/accept-invitation")
}

// active makes an active person whose user lives in dir.
func active(t *testing.T, svc *staff.Service, email string, roleIDs ...string) *store.Staff {
	t.Helper()
	id, tok := invited(t, svc, email, roleIDs...)
	if err := accounts(svc).Accept(context.Background(), account.AcceptInput{Token: tok, Password: password}, audit.Actor{}); err != nil {
		t.Fatalf("accept %s: %v", email, err)
	}
	return profile(t, id)
}

func profile(t *testing.T, id string) *store.Staff {
	t.Helper()
	var p store.Staff
	if err := db.Get(context.Background(), store.StaffKey(id), &p, true); err != nil {
		t.Fatalf("profile %s: %v", id, err)
	}
	return &p
}

func authRecord(t *testing.T, sub string) store.Auth {
	t.Helper()
	var a store.Auth
	if err := db.Get(context.Background(), store.AuthKey(sub), &a, true); err != nil {
		t.Fatalf("auth record %s: %v", sub, err)
	}
	return a
}

func settings(t *testing.T) store.Settings {
	t.Helper()
	var s store.Settings
	if err := db.Get(context.Background(), store.SettingsKey(), &s, true); err != nil {
		t.Fatal(err)
	}
	return s
}

func role(t *testing.T, id string) store.Role {
	t.Helper()
	var r store.Role
	if err := db.Get(context.Background(), store.RoleKey(id), &r, true); err != nil {
		t.Fatal(err)
	}
	return r
}

// exists reports whether the item at k is in the table.
func exists(t *testing.T, k store.Key) bool {
	t.Helper()
	var raw map[string]any
	err := db.Get(context.Background(), k, &raw, true)
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatalf("get %v: %v", k, err)
	}
	return true
}

// member reads the role member item of person in role.
func member(t *testing.T, roleID, personID string) (store.RoleMember, bool) {
	t.Helper()
	var m store.RoleMember
	err := db.Get(context.Background(), store.RoleMemberKey(roleID, personID), &m, true)
	if errors.Is(err, store.ErrNotFound) {
		return m, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return m, true
}

// failingDB passes every call to the table except the nth
// TransactWriteItems from now on, which fails before reaching DynamoDB.
type failingDB struct {
	store.DB
	calls atomic.Int64
	nth   int64
}

func (f *failingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.calls.Add(1) == f.nth {
		return nil, errors.New("dynamodb: injected failure")
	}
	return f.DB.TransactWriteItems(ctx, in, opts...)
}

// storeFailingTx is a store on the same table whose nth transaction fails.
func storeFailingTx(nth int64) *store.Store {
	s := store.New(&failingDB{DB: db.DB, nth: nth}, db.Table)
	return s
}
