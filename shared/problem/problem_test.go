package problem

import (
	"errors"
	"fmt"
	"testing"
)

func TestIsMatchesByCode(t *testing.T) {
	err := fmt.Errorf("invite: %w", EmailTaken.With("a@b.nl"))
	if !errors.Is(err, EmailTaken) {
		t.Fatal("wrapped copy does not match its catalogue entry")
	}
	if errors.Is(err, NameTaken) {
		t.Fatal("matched another code")
	}
	p, ok := As(err)
	if !ok || p.Status != 409 || p.Detail != "a@b.nl" {
		t.Fatalf("As = %+v %v", p, ok)
	}
	if EmailTaken.Detail != "" {
		t.Fatal("With changed the catalogue entry")
	}
}

func TestFields(t *testing.T) {
	var f Fields
	if f.Err() != nil {
		t.Fatal("empty fields must be nil")
	}
	f.Add("email", "is required")
	f.Add("password", "is too short")
	p, _ := As(f.Err())
	if p.Status != 422 || p.Code != "validation_failed" || len(p.Fields) != 2 || p.Fields[1].Field != "password" {
		t.Fatalf("got %+v", p)
	}
	if ValidationFailed.Fields != nil {
		t.Fatal("catalogue entry mutated")
	}
}

func TestRateLimitedFor(t *testing.T) {
	if got := RateLimitedFor(0).RetryAfter; got != 1 {
		t.Fatalf("retry after = %d", got)
	}
	if RateLimited.RetryAfter != 0 {
		t.Fatal("catalogue entry mutated")
	}
}
