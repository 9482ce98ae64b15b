package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/problem"
)

// txDB answers TransactWriteItems with a scripted sequence of errors, the
// way real DynamoDB does (DynamoDB Local never reports TransactionConflict).
type txDB struct {
	DB
	answers []error
	calls   int
}

func (d *txDB) TransactWriteItems(_ context.Context, _ *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.calls++
	if len(d.answers) == 0 {
		return &dynamodb.TransactWriteItemsOutput{}, nil
	}
	err := d.answers[0]
	d.answers = d.answers[1:]
	return nil, err
}

func cancelled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i] = types.CancellationReason{Code: aws.String(c)}
	}
	return &types.TransactionCanceledException{CancellationReasons: reasons}
}

func twoItemTx(s *Store) *Tx {
	tx := s.Tx()
	tx.PutNew(map[string]string{"pk": "A", "sk": "A"}, problem.EmailTaken)
	cond := expression.Name("seatsUsed").LessThan(expression.Name("seatLimit"))
	tx.Update(SettingsKey(), expression.Add(expression.Name("seatsUsed"), expression.Value(1)), &cond, problem.SeatLimitReached)
	return tx
}

func TestWriteMapsCancellationReasons(t *testing.T) {
	cases := []struct {
		name    string
		answers []error
		want    error
		calls   int
	}{
		{"ok", nil, nil, 1},
		{"email claim failed", []error{cancelled("ConditionalCheckFailed", "None")}, problem.EmailTaken, 1},
		{"seat counter failed", []error{cancelled("None", "ConditionalCheckFailed")}, problem.SeatLimitReached, 1},
		{"conflict then ok", []error{cancelled("None", "TransactionConflict")}, nil, 2},
		{"conflict exception then ok", []error{&types.TransactionConflictException{}}, nil, 2},
		{"conflict then seat", []error{cancelled("TransactionConflict", "None"), cancelled("None", "ConditionalCheckFailed")}, problem.SeatLimitReached, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := &txDB{answers: c.answers}
			s := New(db, "t")
			err := s.Write(context.Background(), twoItemTx(s))
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if db.calls != c.calls {
				t.Fatalf("%d calls, want %d", db.calls, c.calls)
			}
		})
	}
}

func TestWriteGivesUpOnEndlessConflicts(t *testing.T) {
	var answers []error
	for i := 0; i < 20; i++ {
		answers = append(answers, cancelled("TransactionConflict", "None"))
	}
	db := &txDB{answers: answers}
	s := New(db, "t")
	if err := s.Write(context.Background(), twoItemTx(s)); err == nil || db.calls != maxConflictRetries+1 {
		t.Fatalf("err %v after %d calls", err, db.calls)
	}
	if _, isProblem := problem.As(s.Write(context.Background(), twoItemTx(s))); isProblem {
		t.Fatal("an exhausted conflict must be an internal error, not a client problem")
	}
}

func TestConditionWithoutErrorIsConflict(t *testing.T) {
	db := &txDB{answers: []error{cancelled("ConditionalCheckFailed")}}
	s := New(db, "t")
	tx := s.Tx()
	tx.PutNew(map[string]string{"pk": "A", "sk": "A"}, nil)
	if err := s.Write(context.Background(), tx); !errors.Is(err, problem.Conflict) {
		t.Fatalf("got %v", err)
	}
}

func TestKeys(t *testing.T) {
	if k := AuditKey("2026-11-23T10:00:00Z", "X"); k.PK != "AUDIT#2026-11" || k.SK != "2026-11-23T10:00:00Z#X" {
		t.Fatalf("%+v", k)
	}
	if k := RateKey("login-ip", "1.2.3.4", 1234567); k.SK != "W#1234567" {
		t.Fatalf("%+v", k)
	}
	if ProfileKey(RealmCustomer, "C").PK != "CUSTOMER#C" || ProfileKey(RealmStaff, "S").PK != "STAFF#S" {
		t.Fatal("profile keys")
	}
}

func TestStaffIndexAndMembers(t *testing.T) {
	p := &Staff{Person: Person{ID: "P1", Email: "j@x.nl", FirstName: "Jürgen", LastName: "Müller", Status: StatusActive,
		CreatedAt: "2026-01-01T00:00:00Z"}, RoleIDs: []string{"admin", "R2"}}
	p.Index()
	if p.GSI1PK != "STAFF#active" || p.GSI1SK != "muller\x01jurgen\x01P1" || p.GSI2SK != "jurgen\x01muller\x01P1" || p.GSI3SK != "j@x.nl\x01P1" {
		t.Fatalf("index keys %+v", p)
	}
	m := p.Members()
	if len(m) != 2 || m[1].PK != "ROLE#R2" || m[1].SK != "MEMBER#P1" || m[1].GSI1PK != "ROLE#R2#STAFF#active" || m[1].GSI1SK != p.GSI1SK {
		t.Fatalf("members %+v", m)
	}
}

func TestSortKeyOrdersLikeTuples(t *testing.T) {
	if !(SortKey("van", "zoe", "1") < SortKey("van der", "anna", "2")) {
		t.Fatal("a shorter last name must sort first")
	}
	if !(SortKey("a#b@x.nl", "1") < SortKey("a@x.nl", "2")) == ("a#b@x.nl" < "a@x.nl") {
		t.Fatal("emails must order by the address")
	}
}

func TestSessionKeysAndLiveTokens(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := NewSession("abc", "P1", created)
	if s.PK != "SESSION#abc" || s.ID() != "abc" || s.GSI1PK != "SESSIONS#P1" || s.GSI1SK != SortKey("2026-01-02T03:04:05Z", "abc") {
		t.Fatalf("%+v", s)
	}
	s.Tokens = map[string]int64{"old": created.Unix(), "live": created.Unix() + 1}
	if live := s.Live(created); len(live) != 1 || live["live"] == 0 {
		t.Fatalf("live %v", live)
	}
}
