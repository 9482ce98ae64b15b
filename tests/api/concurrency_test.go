//go:build integration

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/staff"
	"backoffice/shared/store"
)

// send is call for goroutines: it reports transport errors instead of
// failing the test from a goroutine that is not the test's.
func send(method, path, token string, body any, headers ...string) (answer, error) {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, st.URL+path, reader)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &a.JSON)
	return a, nil
}

// race runs n requests at the same moment (all wait on one start signal)
// and returns their answers in the order of i.
func race(t *testing.T, n int, req func(i int) (answer, error)) []answer {
	t.Helper()
	answers := make([]answer, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i], errs[i] = req(i)
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return answers
}

// tally counts answers by "status code" ("204", "400 invalid_token").
func tally(answers []answer) map[string]int {
	m := map[string]int{}
	for _, a := range answers {
		k := fmt.Sprint(a.Status)
		if c := a.str("code"); c != "" {
			k += " " + c
		}
		m[k]++
	}
	return m
}

func readSettings(t *testing.T) store.Settings {
	t.Helper()
	var s store.Settings
	if err := testStore().Get(context.Background(), store.SettingsKey(), &s, true); err != nil {
		t.Fatal(err)
	}
	return s
}

func updateSettings(t testing.TB, update expression.UpdateBuilder) {
	t.Helper()
	db := testStore()
	tx := db.Tx()
	tx.Update(store.SettingsKey(), update, nil, nil)
	if err := db.Write(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
}

// Ten accepts of one invitation at once: the token is claimed before
// Cognito is called, so exactly one goes through.
func TestParallelAcceptsOfOneInvitation(t *testing.T) {
	db := testStore()
	svc := &staff.Service{Store: db, Now: db.Now}
	email := uniqueEmail("accept-race")
	if _, err := svc.Invite(context.Background(), audit.System, "Test",
		staff.InviteInput{Email: email, FirstName: "Rita", LastName: "Race"}, st.URL); err != nil {
		t.Fatal(err)
	}
	tok := st.MailLink(t, email, "").Token
	got := tally(race(t, 10, func(int) (answer, error) {
		return send("POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password})
	}))
	if got["204"] != 1 || got["400 invalid_token"] != 9 {
		t.Fatalf("answers %v, want one 204 and nine 400 invalid_token", got)
	}
	access, _ := login(t, email)
	me := call(t, "GET", "/auth/me", access, nil)
	expect(t, me, 200)
	if me.str("status") != "active" {
		t.Fatalf("me: %s", me.Raw)
	}
}

// Two PATCH /auth/me with the same If-Match: one wins, the other is told
// the profile changed; the winner's change is the one kept.
func TestParallelMeUpdatesWithOneIfMatch(t *testing.T) {
	p := newActive(t, uniqueEmail("patch-race"))
	access, _ := login(t, p.Email)
	me := call(t, "GET", "/auth/me", access, nil)
	expect(t, me, 200)
	etag := me.Header.Get("ETag")
	first := []string{"Alpha", "Bravo"}
	answers := race(t, 2, func(i int) (answer, error) {
		return send("PATCH", "/auth/me", access, map[string]any{"firstName": first[i]}, "If-Match", etag)
	})
	got := tally(answers)
	if got["200"] != 1 || got["412 precondition_failed"] != 1 {
		t.Fatalf("answers %v, want one 200 and one 412", got)
	}
	winner := first[0]
	if answers[1].Status == 200 {
		winner = first[1]
	}
	after := call(t, "GET", "/auth/me", access, nil)
	expect(t, after, 200)
	if after.str("firstName") != winner {
		t.Fatalf("firstName %q, want the winner's %q", after.str("firstName"), winner)
	}
	var prof store.Staff
	if err := testStore().Get(context.Background(), store.StaffKey(p.ID), &prof, true); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%q", fmt.Sprint(prof.Version)); after.Header.Get("ETag") != want || etag == want {
		t.Fatalf("ETag %q before, %q after, version %d: one update means one version step", etag, after.Header.Get("ETag"), prof.Version)
	}
}

// Ten invites at once with three seats left: three get in, seven are told
// the plan is full, and the counter ends exactly at the limit.
func TestParallelInvitesPastTheSeatLimit(t *testing.T) {
	_, owner := newOwner(t)
	before := readSettings(t)
	limit := before.SeatsUsed + 3
	updateSettings(t, expression.Set(expression.Name("seatLimit"), expression.Value(limit)))
	t.Cleanup(func() {
		updateSettings(t, expression.Set(expression.Name("seatLimit"), expression.Value(1000)))
	})
	emails := make([]string, 10)
	for i := range emails {
		emails[i] = uniqueEmail("seat")
	}
	got := tally(race(t, 10, func(i int) (answer, error) {
		return send("POST", "/staff/invitations", owner, map[string]any{
			"email": emails[i], "firstName": "Sam", "lastName": "Seat", "roleIds": []string{},
		})
	}))
	if got["201"] != 3 || got["409 seat_limit_reached"] != 7 {
		t.Fatalf("answers %v, want three 201 and seven 409 seat_limit_reached", got)
	}
	if after := readSettings(t); after.SeatsUsed != limit || after.SeatLimit != limit {
		t.Fatalf("seatsUsed %d, seatLimit %d: want both %d", after.SeatsUsed, after.SeatLimit, limit)
	}
}

// Two owners deactivate each other at the same moment while they are the
// only two active owners: at most one succeeds, and an active owner stays.
//
// The activeOwners counter is set to 2 by hand because the other tests'
// owners share the table (making A and B the only real active owners would
// mean deactivating everyone else's); the condition under test is the
// counter's "> 1", which is what the hand-set value exercises. The counter
// is moved back by the same amount when the test ends, so whatever this
// test changed (one owner fewer) stays counted.
func TestOwnersDeactivatingEachOtherKeepOneOwner(t *testing.T) {
	a, tokenA := newOwner(t)
	b, tokenB := newOwner(t)
	original := readSettings(t).ActiveOwners
	updateSettings(t, expression.Set(expression.Name("activeOwners"), expression.Value(2)))
	t.Cleanup(func() {
		updateSettings(t, expression.Add(expression.Name("activeOwners"), expression.Value(original-2)))
	})

	// Two warm instances of the function, so neither request waits for a
	// process to start and both reach DynamoDB at about the same time.
	for _, a := range race(t, 2, func(int) (answer, error) {
		return send("POST", "/staff/01ARZ3NDEKTSV4RRFFQ69G5FAV/deactivate", tokenA, nil)
	}) {
		expect(t, a, 404, "not_found")
	}
	answers := race(t, 2, func(i int) (answer, error) {
		if i == 0 {
			return send("POST", "/staff/"+b.ID+"/deactivate", tokenA, nil)
		}
		return send("POST", "/staff/"+a.ID+"/deactivate", tokenB, nil)
	})
	got := tally(answers)
	t.Logf("answers: %v", got)
	if got["200"] != 1 || got["409 last_owner"]+got["401 unauthenticated"] != 1 {
		t.Fatalf("answers %v, want one 200 and the other 409 last_owner or 401", got)
	}

	active := 0
	for _, p := range []person{a, b} {
		var prof store.Staff
		if err := testStore().Get(context.Background(), store.StaffKey(p.ID), &prof, true); err != nil {
			t.Fatal(err)
		}
		if prof.Status == store.StatusActive {
			active++
		}
	}
	if after := readSettings(t).ActiveOwners; active != 1 || after != 1 {
		t.Fatalf("%d of the two owners active, counter %d: want 1 and 1", active, after)
	}
}
