//go:build integration

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/shared/audit"
	"backoffice/shared/staff"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

// answer is an HTTP response with its body decoded when it is JSON.
type answer struct {
	Status int
	Header http.Header
	Raw    string
	JSON   map[string]any
}

func (a answer) str(key string) string { s, _ := a.JSON[key].(string); return s }

// call sends a request. body may be a string (sent as is) or any value
// (sent as JSON); token, when set, goes in Authorization.
func call(t *testing.T, method, path, token string, body any, headers ...string) answer {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, st.URL+path, reader)
	if err != nil {
		t.Fatal(err)
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
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	validateResponse(t, method, path, resp.StatusCode, resp.Header, raw)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &a.JSON)
	return a
}

// expect fails the test unless the answer has the status (and, for
// problems, the code).
func expect(t *testing.T, a answer, status int, code ...string) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("status %d, want %d: %s", a.Status, status, a.Raw)
	}
	if len(code) > 0 {
		if ct := a.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("content type %q, want problem+json: %s", ct, a.Raw)
		}
		if got := a.str("code"); got != code[0] {
			t.Fatalf("code %q, want %q: %s", got, code[0], a.Raw)
		}
	}
}

var linkToken = regexp.MustCompile(`#token=([A-Za-z0-9_-]{43})`)

var seq atomic.Int64

// uniqueEmail gives every test its own people.
func uniqueEmail(prefix string) string {
	return prefix + "-" + strconv.FormatInt(seq.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 36) + "@example.com"
}

const password = "correct horse battery staple"

// person is an active staff member made for a test.
type person struct {
	ID, Email string
}

// newActive invites email directly through the domain package (the invite
// route belongs to the staff issue), takes the link from the mail and
// accepts it through the API.
func newActive(t *testing.T, email string, roleIDs ...string) person {
	t.Helper()
	db := testStore()
	svc := &staff.Service{Store: db, Now: db.Now}
	inv, err := svc.Invite(context.Background(), audit.System, "Test",
		staff.InviteInput{Email: email, FirstName: "Test", LastName: "Person", RoleIDs: roleIDs}, st.URL)
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	tok := st.MailLink(t, email, "").Token
	expect(t, call(t, "POST", "/auth/invitations/accept", "", map[string]any{"token": tok, "password": password}), 204)
	return person{ID: inv.Staff.ID, Email: email}
}

// login signs in and returns the access and refresh tokens.
func login(t *testing.T, email string) (access, refresh string) {
	t.Helper()
	a := call(t, "POST", "/auth/login", "", map[string]any{"email": email, "password": password})
	expect(t, a, 200)
	return a.str("accessToken"), a.str("refreshToken")
}
