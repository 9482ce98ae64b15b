//go:build integration

package console_test

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backoffice/shared/auth"
)

// events are the audit list's events (li elements).
const events = `[...document.querySelectorAll("#audit-events li.event")]`

// Top banner "Audit log": newest first; filter by action, by target (from
// an event), by person (a search among staff) and by time; each event's
// before and after; pages with the API's cursors; every filter in the
// address (reload, back).
func TestConsoleAudit(t *testing.T) {
	ownerEmail := uniqueEmail("console-audit-owner")
	active(t, ownerEmail, "Aude", "Auditor", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	tag := "Au" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36)

	// Someone else makes a role; the owner changes another one 26 times.
	otherEmail := uniqueEmail("console-audit-other")
	active(t, otherEmail, "Otto", tag+"other", auth.OwnerRoleID)
	other := apiLogin(t, otherEmail)
	apiCall(t, "POST", "/roles", other, map[string]any{"name": "Made by Otto " + tag}, 201)
	r := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Audited " + tag, "description": "v0"}, 201)
	roleID := r["id"].(string)
	for i := 1; i <= 26; i++ {
		apiCall(t, "PATCH", "/roles/"+roleID, owner, map[string]any{"description": "v" + strconv.Itoa(i)}, 200)
	}

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("")))
	tb.signIn(ownerEmail)
	tb.clickText("Audit log")
	tb.waitFor(`location.pathname === "/console/audit" && document.querySelector("#audit-events[aria-busy=false] li.event")`)
	times := strings.Split(tb.eval(events+`.map((e) => e.querySelector("time").getAttribute("datetime")).join("\n")`), "\n")
	if len(times) != 25 || !sort.SliceIsSorted(times, func(i, j int) bool { return times[i] > times[j] }) {
		t.Errorf("not 25 events newest first: %v", times)
	}
	tb.check("audit")

	// By action: only role changes.
	tb.choose(`select[name=action]`, "role.update")
	tb.waitFor(`location.search === "?action=role.update" && document.querySelector("#audit-events[aria-busy=false]")`)
	if acts := tb.eval(`[...new Set(` + events + `.map((e) => e.dataset.action))].join()`); acts != "role.update" {
		t.Errorf("action filter shows %s", acts)
	}
	if first := tb.eval(events + `[0].innerText`); !strings.Contains(first, "Role: changed") || !strings.Contains(first, "Updated role Audited "+tag) {
		t.Errorf("newest role change %q", first)
	}

	// By target, from the newest event: 26 changes of one role, two pages.
	tb.eval(events + `[0].querySelector("[data-filter=target]").click(), ""`)
	tb.waitFor(`location.search === "?targetType=role&target=` + roleID + `&action=role.update" && document.querySelector("#audit-events[aria-busy=false]")`)
	tb.waitFor(events + `.length === 25 && ` + events + `.every((e) => e.querySelector("code").textContent === "` + roleID + `")`)
	if tb.eval(`document.querySelector("select[name=targetType]").value + " " + document.querySelector("input[name=targetId]").value`) != "role "+roleID {
		t.Error("the target filter's controls do not show the choice")
	}
	tb.click("#audit-next")
	tb.waitFor(`location.search.includes("cursor=") && document.querySelector("#audit-events[aria-busy=false]") && ` + events + `.length === 1`)
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelector("#audit-events[aria-busy=false]") && ` + events + `.length === 1`)
	// The oldest change: its before and after.
	if sum := tb.eval(events + `[0].querySelector("details summary").textContent`); sum != "Before and after (one field)" {
		t.Errorf("changes summary %q", sum)
	}
	tb.eval(events + `[0].querySelector("details").open = true, ""`)
	row := tb.eval(events + `[0].querySelector("details tbody tr").innerText`)
	if f := strings.Fields(row); len(f) != 3 || f[0] != "description" || f[1] != "v0" || f[2] != "v1" {
		t.Errorf("before and after %q", row)
	}
	tb.check("audit-changes")
	tb.do(chromedp.NavigateBack())
	tb.waitFor(`!location.search.includes("cursor=") && document.querySelector("#audit-events[aria-busy=false]") && ` + events + `.length === 25`)

	// By person: found by name among staff.
	tb.click("#audit-clear")
	tb.waitFor(`location.search === "" && document.querySelector("#audit-events[aria-busy=false]")`)
	tb.typeInto(`input[type=search]`, tag+"other")
	choose := `[...document.querySelectorAll(".matches button")].find((b) => b.textContent.includes(` + jsString(otherEmail) + `))`
	tb.waitFor(choose)
	tb.check("audit-person-search")
	tb.eval(`(` + choose + `).click(), ""`)
	tb.waitFor(`location.search.startsWith("?actor=") && document.querySelector("#audit-events[aria-busy=false]")`)
	tb.waitFor(events + `.some((e) => e.dataset.action === "role.create")`)
	if whos := tb.eval(`[...new Set(` + events + `.map((e) => e.querySelector(".hint").textContent.split(" · ")[0]))].join()`); whos != "Who: "+otherEmail {
		t.Errorf("person filter shows events of %s", whos)
	}
	tb.do(chromedp.Reload())
	tb.waitFor(`document.querySelector("#audit-person") && document.querySelector("#audit-person").textContent.includes("Only changes by Otto ` + tag + `other")`)

	// By time: nothing after tomorrow, nor in a window of the past before
	// the stack started; "from" after "until" is refused in words.
	at := func(d time.Duration) string { return time.Now().Add(d).Format("2006-01-02T15:04") }
	busy := `document.querySelector("#audit-events[aria-busy=false]")`
	tb.choose(`input[name=from]`, at(24*time.Hour))
	tb.waitFor(`location.search.includes("&from=") && ` + busy)
	tb.waitText("No events match.")
	if tb.eval(`document.querySelector(".alert[role=alert]").textContent`) != "" {
		t.Error("a time in the future is an error")
	}
	tb.choose(`input[name=from]`, at(-72*time.Hour))
	tb.waitFor(busy + ` && ` + events + `.length > 0`)
	tb.choose(`input[name=to]`, at(-48*time.Hour))
	tb.waitFor(`location.search.includes("&to=") && ` + busy)
	tb.waitText("No events match.")
	before := tb.path()
	tb.choose(`input[name=from]`, at(-24*time.Hour))
	tb.waitText("“From” must come before “until”.")
	if after := tb.path(); after != before {
		t.Errorf("an impossible range went into the address: %s", after)
	}
	tb.check("audit-empty")
}

// With audit.read alone: the log, but no person search (that needs
// staff.read), said so; a person can still be chosen from an event.
func TestConsoleAuditWithoutStaff(t *testing.T) {
	ownerEmail := uniqueEmail("console-audit-boss")
	active(t, ownerEmail, "Bo", "Boss", auth.OwnerRoleID)
	owner := apiLogin(t, ownerEmail)
	role := apiCall(t, "POST", "/roles", owner, map[string]any{"name": "Auditor " + strconv.FormatInt(seq.Add(1), 10), "permissions": []string{"audit.read"}}, 201)
	email := uniqueEmail("console-audit-reader")
	active(t, email, "Ada", "Reader", role["id"].(string))

	tb := newTab(t)
	tb.do(chromedp.Navigate(consoleURL("/audit")))
	tb.signIn(email)
	tb.waitFor(`document.querySelector("#audit-events[aria-busy=false] li.event")`)
	if nav := tb.eval(`document.querySelector("header nav").innerText.trim()`); nav != "Audit log" {
		t.Errorf("banner of an auditor: %q", nav)
	}
	if tb.eval(`String(!!document.querySelector("input[type=search]:not([hidden])"))`) != "false" {
		t.Error("a person search without staff.read")
	}
	if !strings.Contains(tb.eval(`document.body.innerText`), "To pick a person by name you need the permission “See staff”") {
		t.Error("not said why there is no person search")
	}
	// The newest event is the reader's own sign-in: filter by them from it.
	tb.eval(`[...document.querySelectorAll("#audit-events [data-filter=actor]")].find((b) => b.textContent.includes(` + jsString(email) + `)).click(), ""`)
	tb.waitFor(`location.search.startsWith("?actor=") && document.querySelector("#audit-events[aria-busy=false]")`)
	if whos := tb.eval(`[...new Set(` + events + `.map((e) => e.querySelector(".hint").textContent.split(" · ")[0]))].join()`); whos != "Who: "+email {
		t.Errorf("events of %s", whos)
	}
	tb.check("audit-reader")
}
