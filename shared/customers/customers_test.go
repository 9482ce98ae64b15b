package customers

import (
	"errors"
	"strings"
	"testing"
	"time"

	"backoffice/shared/problem"
	"backoffice/shared/store"
)

func str(s string) *string { return &s }

func TestFieldsAreCleanedOrRefused(t *testing.T) {
	in := Fields{Email: str(" Emilie@Pâtisserie.Example "), FirstName: str("  Émilie "), LastName: str("Dubois"),
		VATNumber: str("nl 8512.34.567-b01"), Notes: str("  line one\r\nline two  "),
		Address: &store.Address{Street: " Markt 1 ", PostalCode: "9000", City: "Gent", Country: " be "}}
	var f problem.Fields
	in.clean(&f, true)
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	if *in.Email != "emilie@xn--ptisserie-b2a.example" {
		t.Errorf("email %q", *in.Email)
	}
	if *in.FirstName != "Émilie" || *in.VATNumber != "NL851234567B01" || *in.Notes != "line one\nline two" ||
		in.Address.Country != "BE" || in.Address.Street != "Markt 1" {
		t.Errorf("cleaned %+v %+v", in, *in.Address)
	}

	bad := []Fields{
		{Email: str("nope"), FirstName: str("A"), LastName: str("B")},
		{Email: str("a@b.nl"), FirstName: str(""), LastName: str("B")},
		{Email: str("émilie@b.nl"), FirstName: str("A"), LastName: str("B")}, // SES can not deliver to it
		{Email: str("a@b.nl"), FirstName: str("A"), LastName: str("B"), Phone: str("ring me")},
		{Email: str("a@b.nl"), FirstName: str("A"), LastName: str("B"), VATNumber: str("123")},
		{Email: str("a@b.nl"), FirstName: str("A"), LastName: str("B"), Notes: str("bell\a")},
		{Email: str("a@b.nl"), FirstName: str("A"), LastName: str("B"), Notes: str(strings.Repeat("n", 2001))},
		{Email: str("a@b.nl"), FirstName: str("A"), LastName: str("B"), Locale: str("fr")},
		{Email: str("a@b.nl"), FirstName: str("A"), LastName: str("B"), Address: &store.Address{Street: "x", PostalCode: "1", City: "y", Country: "Belgium"}},
		{Email: str("a@b.nl"), FirstName: str("A"), LastName: str("B"), Address: &store.Address{Country: "BE"}},
	}
	for i, in := range bad {
		var f problem.Fields
		in.clean(&f, true)
		if err := f.Err(); !errors.Is(err, problem.ValidationFailed) {
			t.Errorf("case %d passed: %+v", i, in)
		}
	}
	// A PATCH validates only what it sends.
	var f2 problem.Fields
	patch := Fields{Phone: str("+49 (221) 555-01")}
	patch.clean(&f2, false)
	if f2.Err() != nil || patch.Email != nil {
		t.Errorf("patch: %v %+v", f2.Err(), patch)
	}
}

func TestApplyClearsWithEmptyValues(t *testing.T) {
	c := &store.Customer{Company: "Café de Kroon", Address: &store.Address{Street: "a", PostalCode: "b", City: "c", Country: "NL"}}
	(&Fields{Company: str(""), Address: &store.Address{}}).apply(c)
	if c.Company != "" || c.Address != nil {
		t.Fatalf("not cleared: %+v", c)
	}
}

func TestCustomersDoNotSeeTheShopsNotes(t *testing.T) {
	c := &store.Customer{Person: store.Person{ID: "C", Status: store.StatusInvited,
		InvitationSentAt: "2026-11-01T00:00:00Z", InvitationExpires: "2026-11-08T00:00:00Z"}, Notes: "slow payer"}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if v := ViewOf(c, now); v.Notes != "slow payer" || v.Invitation == nil || !v.Invitation.Expired {
		t.Fatalf("staff view %+v", v)
	}
	if v := Me(c, now); v.Notes != "" || v.Invitation != nil {
		t.Fatalf("customer's own view shows %+v", v)
	}
}

func TestListSpecs(t *testing.T) {
	q, err := ParseListQuery(map[string]string{"sort": "company", "status": "active", "order": "desc"})
	if err != nil {
		t.Fatal(err)
	}
	s := q.Spec()
	if len(s.Sources) != 1 || s.Sources[0].Index != store.IndexByOther || len(s.Sources[0].Partitions) != 1 ||
		s.Sources[0].Partitions[0] != "CUSTOMER#active" || !s.Descending {
		t.Fatalf("sorted spec %+v", s)
	}
	q, _ = ParseListQuery(map[string]string{"q": "Bäck"})
	s = q.Spec()
	if len(s.Sources) != 4 || s.Sources[3].Index != store.IndexByOther || s.Sources[3].Prefix != "back" ||
		s.Sources[2].Prefix != "bäck" || len(s.Sources[0].Partitions) != 3 || s.Sources[0].Skip != nil || s.Sources[3].Skip == nil {
		t.Fatalf("search spec %+v", s)
	}
	for _, bad := range []map[string]string{{"sort": "status"}, {"status": "deleting"}, {"limit": "0"}, {"order": "up"}} {
		if _, err := ParseListQuery(bad); !errors.Is(err, problem.ValidationFailed) {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestCustomersWithoutCompanySortLast(t *testing.T) {
	with := (&store.Customer{Person: store.Person{ID: "A", LastName: "Zed", Status: store.StatusActive}, Company: "Zzz"}).Index()
	without := (&store.Customer{Person: store.Person{ID: "B", LastName: "Aa", Status: store.StatusActive}}).Index()
	if !(with.GSI5SK < without.GSI5SK) || with.GSI5PK != "CUSTOMER#active" || with.PK != "CUSTOMER#A" {
		t.Fatalf("company keys %q %q", with.GSI5SK, without.GSI5SK)
	}
}

func TestShapes(t *testing.T) {
	for s, want := range map[string]bool{"+31 20 123 4567": true, "(030) 555-01/2": true, "12": false, "+": false,
		"1234x": false, "++123": false, strings.Repeat("1", 31): false} {
		if isPhone(s) != want {
			t.Errorf("isPhone(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"NL851234567B01": true, "DE12": true, "D123": false, "NL1": false,
		"NL12345678901234": false, "nl1234": false, "NL12-4": false} {
		if isVAT(s) != want {
			t.Errorf("isVAT(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"NL": true, "N": false, "NLD": false, "n1": false} {
		if isCountry(s) != want {
			t.Errorf("isCountry(%q) = %v", s, !want)
		}
	}
}
