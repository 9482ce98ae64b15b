//go:build integration

package api_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/auth"
)

// num reads a JSON number as an int.
func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// checkBilling asserts the billing figures of a settings answer.
func checkBilling(t *testing.T, a answer) {
	t.Helper()
	b, _ := a.JSON["billing"].(map[string]any)
	used, included, price := num(a.JSON["seatsUsed"]), num(b["includedSeats"]), num(b["pricePerExtraSeatCents"])
	if want := max(0, used-included) * price; num(b["monthlyCostCents"]) != want || b["currency"] == "" {
		t.Fatalf("monthlyCostCents %v, want max(0, %d − %d) × %d = %d: %s", b["monthlyCostCents"], used, included, price, want, a.Raw)
	}
}

// restoreSettings puts back, straight in the table, what a test changes;
// the other tests rely on seatLimit 1000 (main_test.go).
func restoreSettings(t *testing.T) {
	t.Helper()
	before := readSettings(t)
	t.Cleanup(func() {
		updateSettings(t, expression.
			Set(expression.Name("seatLimit"), expression.Value(1000)).
			Set(expression.Name("shopName"), expression.Value(before.ShopName)).
			Set(expression.Name("defaultLocale"), expression.Value(before.DefaultLocale)).
			Set(expression.Name("includedSeats"), expression.Value(before.IncludedSeats)).
			Set(expression.Name("pricePerExtraSeatCents"), expression.Value(before.PricePerExtraSeatCents)).
			Set(expression.Name("auditRetentionDays"), expression.Value(before.AuditRetentionDays)))
	})
}

func TestSettingsReadAndChange(t *testing.T) {
	restoreSettings(t)
	_, owner := newOwner(t)
	g := call(t, "GET", "/settings", owner, nil)
	expect(t, g, 200)
	checkBilling(t, g)
	version := num(g.JSON["version"])
	if g.Header.Get("ETag") != fmt.Sprintf(`"%d"`, version) || num(g.JSON["seatLimit"]) != 1000 {
		t.Fatalf("settings: ETag %q: %s", g.Header.Get("ETag"), g.Raw)
	}
	used := num(g.JSON["seatsUsed"])
	if stored := readSettings(t); stored.SeatsUsed != used {
		t.Fatalf("seatsUsed %d, the table says %d", used, stored.SeatsUsed)
	}

	// Bad values change nothing.
	for _, body := range []map[string]any{
		{"seatLimit": used - 1},
		{"seatLimit": 0},
		{"defaultLocale": "fr"},
		{"shopName": ""},
		{"shopName": "two\nlines"},
		{"currency": "USD"},
		{"resetTtlMinutes": 1},
	} {
		expect(t, call(t, "PATCH", "/settings", owner, body), 422, "validation_failed")
	}
	below := call(t, "PATCH", "/settings", owner, map[string]any{"seatLimit": used - 1})
	if errs, _ := below.JSON["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "seatLimit" {
		t.Fatalf("seatLimit below seatsUsed: %s", below.Raw)
	}
	// The field's code and the bound a sentence needs, whatever the English says.
	if e := below.JSON["errors"].([]any)[0].(map[string]any); e["code"] != "out_of_range" || e["min"] != float64(used) || e["max"] != float64(10000) {
		t.Fatalf("seatLimit below seatsUsed: want code out_of_range, min %d, max 10000: %s", used, below.Raw)
	}

	// If-Match: the current version changes; a stale one is refused.
	etag := g.Header.Get("ETag")
	u := call(t, "PATCH", "/settings", owner, map[string]any{"shopName": "  Test Shop  ", "defaultLocale": "de"}, "If-Match", etag)
	expect(t, u, 200)
	if u.str("shopName") != "Test Shop" || u.str("defaultLocale") != "de" || num(u.JSON["version"]) != version+1 ||
		u.Header.Get("ETag") != fmt.Sprintf(`"%d"`, version+1) {
		t.Fatalf("update: ETag %q: %s", u.Header.Get("ETag"), u.Raw)
	}
	expect(t, call(t, "PATCH", "/settings", owner, map[string]any{"shopName": "Lost"}, "If-Match", etag), 412, "precondition_failed")
	expect(t, call(t, "PATCH", "/settings", owner, map[string]any{"shopName": "Lost"}, "If-Match", `"0"`), 422, "validation_failed")
	if again := call(t, "GET", "/settings", owner, nil); again.str("shopName") != "Test Shop" || again.str("defaultLocale") != "de" {
		t.Fatalf("after a stale PATCH: %s", again.Raw)
	}
	ev := call(t, "GET", "/audit?targetType=settings&targetId=shop&limit=1", owner, nil)
	expect(t, ev, 200)
	if items := itemsOf(t, ev); len(items) != 1 || items[0]["action"] != "settings.update" ||
		fmt.Sprint(items[0]["changes"].(map[string]any)["shopName"]) != fmt.Sprint(map[string]any{"before": g.str("shopName"), "after": "Test Shop"}) {
		t.Fatalf("audit of the change: %s", ev.Raw)
	}

	// The billing figures follow the plan.
	free := call(t, "PATCH", "/settings", owner, map[string]any{"includedSeats": used + 5})
	expect(t, free, 200)
	checkBilling(t, free)
	if num(free.JSON["billing"].(map[string]any)["monthlyCostCents"]) != 0 {
		t.Fatalf("all seats included, yet: %s", free.Raw)
	}
	paid := call(t, "PATCH", "/settings", owner, map[string]any{"includedSeats": 1, "pricePerExtraSeatCents": 1234})
	expect(t, paid, 200)
	checkBilling(t, paid)
	if num(paid.JSON["billing"].(map[string]any)["monthlyCostCents"]) != (used-1)*1234 {
		t.Fatalf("billing: %s", paid.Raw)
	}

	// The admin role reads settings but does not change them.
	admin := newActive(t, uniqueEmail("admin"), auth.AdminRoleID)
	aTok, _ := login(t, admin.Email)
	ag := call(t, "GET", "/settings", aTok, nil)
	expect(t, ag, 200)
	checkBilling(t, ag)
	expect(t, call(t, "PATCH", "/settings", aTok, map[string]any{"shopName": "Admin's"}), 403, "forbidden")
	nobody := newActive(t, uniqueEmail("nosettings"))
	nTok, _ := login(t, nobody.Email)
	expect(t, call(t, "GET", "/settings", nTok, nil), 403, "forbidden")
}

// A seat limit set through the API holds for invitations. (Ten parallel
// invites against the limit: TestParallelInvitesPastTheSeatLimit.)
func TestSeatLimitSetThroughTheAPI(t *testing.T) {
	restoreSettings(t)
	_, owner := newOwner(t)
	used := readSettings(t).SeatsUsed
	full := call(t, "PATCH", "/settings", owner, map[string]any{"seatLimit": used})
	expect(t, full, 200)
	if num(full.JSON["seatLimit"]) != used || num(full.JSON["seatsUsed"]) != used {
		t.Fatalf("seat limit at seats used: %s", full.Raw)
	}
	expect(t, invite(t, owner, uniqueEmail("noseat")), 409, "seat_limit_reached")
	expect(t, call(t, "PATCH", "/settings", owner, map[string]any{"seatLimit": used + 1}), 200)
	expect(t, invite(t, owner, uniqueEmail("lastseat")), 201)
	expect(t, invite(t, owner, uniqueEmail("noseat")), 409, "seat_limit_reached")
	expect(t, call(t, "PATCH", "/settings", owner, map[string]any{"seatLimit": used}), 422, "validation_failed")
	expect(t, call(t, "PATCH", "/settings", owner, map[string]any{"seatLimit": 1000}), 200)
}
