//go:build integration

package faults_test

import (
	"context"
	"errors"
	"testing"

	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory/directorytest"
	"backoffice/shared/problem"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

// An edit writes back the whole profile it read. A reset mailed between
// that read and the write changes the profile (the live link's hash, when
// it was sent): were the version left alone, the edit would pass its
// condition and write the old hash back, and the link in the mail would
// be dead. The reset moves the version on, so the edit answers 412 (the
// person changed meanwhile) and the link lives.
func TestAnEditDoesNotUndoAResetInBetween(t *testing.T) {
	ctx := context.Background()
	dir := directorytest.New()
	svc := service(dir)
	owner := active(t, svc, uniqueEmail("reset-race-owner"), auth.OwnerRoleID)
	caller := callerOf(t, owner)
	actor := audit.Actor{ID: owner.ID, Email: owner.Email}
	target := active(t, svc, uniqueEmail("reset-race-target"))

	racing := &staff.Service{Store: store.New(&editingDB{DB: db.DB, edit: func() {
		got, err := svc.BulkReset(ctx, caller, actor, []string{target.ID}, st.URL, "")
		if err != nil || len(got) != 1 || got[0].Status != "queued" {
			t.Errorf("reset in between: %+v %v", got, err)
		}
	}}, db.Table), Dir: dir, Now: db.Now}
	name := "Changed"
	_, err := racing.UpdateAs(ctx, caller, actor, target.ID, staff.Update{FirstName: &name}, 0, st.URL)
	if !errors.Is(err, problem.PreconditionFailed) {
		t.Errorf("an edit across a reset: %v, want 412 precondition_failed", err)
	}
	p := profile(t, target.ID)
	if p.ResetHash == "" || !exists(t, store.TokenKey(p.ResetHash)) {
		t.Fatalf("the reset's link died: the profile's resetHash %q, its token item gone", p.ResetHash)
	}
	if p.FirstName == name {
		t.Error("the edit was written")
	}
}
