//go:build integration

package api_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// forgotCalls is the operations (service and operation, in order) the
// staff forgot-password function recorded after the first `from` calls.
func forgotCalls(t *testing.T, from int) (ops []string, total int) {
	t.Helper()
	calls, err := st.Calls()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range calls[from:] {
		if strings.HasSuffix(c.Function, "-AuthPasswordForgotFunction") {
			ops = append(ops, c.Service+" "+c.Operation)
		}
	}
	return ops, len(calls)
}

// Issue 15, finding 6: asking for a reset mail costs the forgot-password
// function the same AWS calls, in count and operations, whether the
// address is unknown, invited, inactive or active, so its timing tells
// nothing about the address. The reset mail still reaches the active one.
func TestForgotCostsTheSameForEveryAddress(t *testing.T) {
	_, owner := newOwner(t)
	invitedEmail := uniqueEmail("forgot-invited")
	expect(t, invite(t, owner, invitedEmail), 201)
	inactive := newActive(t, uniqueEmail("forgot-inactive"))
	expect(t, call(t, "POST", "/staff/"+inactive.ID+"/deactivate", owner, nil), 200)
	active := newActive(t, uniqueEmail("forgot-active"))
	st.WaitStreams(t)

	kinds := []struct{ name, email string }{
		{"unknown", uniqueEmail("forgot-nobody")},
		{"invited", invitedEmail},
		{"inactive", inactive.Email},
		{"active", active.Email},
	}
	quiet := countMails(t, inactive.Email, "") + countMails(t, invitedEmail, "")
	_, from := forgotCalls(t, 0)
	seen := map[string][]string{}
	took := map[string][]time.Duration{}
	const rounds = 3
	for round := 0; round < rounds; round++ {
		for _, k := range kinds {
			start := time.Now()
			expect(t, call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": k.email}), 202)
			took[k.name] = append(took[k.name], time.Since(start))
			var ops []string
			ops, from = forgotCalls(t, from)
			if round == 0 {
				seen[k.name] = ops
			} else if fmt.Sprint(ops) != fmt.Sprint(seen[k.name]) {
				t.Errorf("%s, round %d: %v; round 0: %v", k.name, round, ops, seen[k.name])
			}
		}
	}
	for _, k := range kinds {
		d := took[k.name]
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		t.Logf("forgot-password, %s address: %d AWS calls %v; median %s of %d", k.name, len(seen[k.name]), seen[k.name], d[len(d)/2].Round(time.Millisecond), rounds)
		if fmt.Sprint(seen[k.name]) != fmt.Sprint(seen["unknown"]) {
			t.Errorf("%s address: calls %v, unknown address: %v", k.name, seen[k.name], seen["unknown"])
		}
	}
	st.MailLink(t, active.Email, "") // the active person still gets the mail
	st.WaitStreams(t)
	if n := countMails(t, inactive.Email, "") + countMails(t, invitedEmail, "") - quiet; n > 0 {
		t.Errorf("%d reset mails to the invited and inactive addresses", n)
	}
}
