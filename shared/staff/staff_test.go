package staff

import (
	"errors"
	"strings"
	"testing"
	"time"

	"backoffice/shared/problem"
	"backoffice/shared/store"
)

func TestInviteInputValidation(t *testing.T) {
	ok := InviteInput{Email: " Jan@Shop.NL ", FirstName: "  Jan ", LastName: "de  Vries", RoleIDs: []string{"admin"}, Locale: "nl"}
	if err := ok.validate(); err != nil {
		t.Fatal(err)
	}
	if ok.Email != "jan@shop.nl" || ok.FirstName != "Jan" || ok.LastName != "de Vries" {
		t.Fatalf("not normalised: %+v", ok)
	}
	bad := []InviteInput{
		{Email: "nope", FirstName: "a", LastName: "b"},
		{Email: "a@b.nl", FirstName: "", LastName: "b"},
		{Email: "a@b.nl", FirstName: "a\tb", LastName: "b"},
		{Email: "a@b.nl", FirstName: strings.Repeat("x", 101), LastName: "b"},
		{Email: "a@b.nl", FirstName: "a", LastName: "b", Locale: "fr"},
		{Email: "a@b.nl", FirstName: "a", LastName: "b", RoleIDs: []string{"../x"}},
		{Email: "a@b.nl", FirstName: "a", LastName: "b", RoleIDs: []string{"admin", "admin"}},
	}
	for _, in := range bad {
		if err := in.validate(); !errors.Is(err, problem.ValidationFailed) {
			t.Errorf("%+v: %v", in, err)
		}
	}
}

func TestViewShowsInvitationState(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	p := &store.Staff{Person: store.Person{ID: "P", Status: store.StatusInvited, InvitationSentAt: "2026-11-01T00:00:00Z", InvitationExpires: "2026-11-08T00:00:00Z"}}
	v := viewOf(p, nil, now)
	if v.Invitation == nil || !v.Invitation.Expired {
		t.Fatalf("expired invitation not shown: %+v", v.Invitation)
	}
	p.InvitationExpires = "2026-11-30T00:00:00Z"
	if v := viewOf(p, nil, now); v.Invitation.Expired {
		t.Fatal("live invitation shown as expired")
	}
	p.Status = store.StatusActive
	if v := viewOf(p, nil, now); v.Invitation != nil {
		t.Fatal("active person shows an invitation")
	}
	if me := MeOf(p, nil, nil); me.Roles == nil {
		t.Fatal("roles must be [] not null")
	}
}
