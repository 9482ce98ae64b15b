//go:build integration

package api_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/getkin/kin-openapi/openapi3"

	"backoffice/shared/audit"
)

// Mutating routes that leave no audit event, with the reason. The test
// proves they leave none.
var unaudited = map[string]string{
	"POST /auth/refresh":             "a new access token for a live session changes nothing stored",
	"POST /auth/invitations/inspect": "reads the invitation only (mail scanners open links)",

	"POST /customer-auth/refresh":             "a new access token for a live session changes nothing stored",
	"POST /customer-auth/invitations/inspect": "reads the invitation only (mail scanners open links)",
}

// auditCall is one successful request and the event it must leave.
type auditCall struct {
	method, path, token string
	body                any
	headers             []string
	actor               string // the caller's person id; "" for anonymous public requests
	targetType          string
	targetID            string // "" = the id in the answer's Location
	cleanup             func() // undoes a change other tests could notice
	// async: the event is written after the answer, by a stream consumer
	// (forgot-password requests: issue 15, finding 6).
	async bool
}

// auditSetups prepare the routes whose success needs more than the
// document's sample body and a fresh item per path parameter (a signed-in
// person of their own, an item in a given state, a mail link). Every other
// mutating route gets the generic call (see genericAuditCall), so a new
// route is covered without an entry here.
var auditSetups = map[string]func(t *testing.T, owner person, ownerToken string) auditCall{
	"POST /auth/login": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-login"))
		return auditCall{path: "/auth/login", body: map[string]any{"email": p.Email, "password": password}, actor: p.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /auth/refresh": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-refresh"))
		_, refresh := login(t, p.Email)
		return auditCall{path: "/auth/refresh", body: map[string]any{"refreshToken": refresh}}
	},
	"POST /auth/logout": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-logout"))
		access, refresh := login(t, p.Email)
		return auditCall{path: "/auth/logout", token: access, body: map[string]any{"refreshToken": refresh}, actor: p.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /auth/logout-all": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-logout-all"))
		access, _ := login(t, p.Email)
		return auditCall{path: "/auth/logout-all", token: access, actor: p.ID, targetType: "staff", targetID: p.ID}
	},
	"PATCH /auth/me": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-me"))
		access, _ := login(t, p.Email)
		return auditCall{path: "/auth/me", token: access, body: map[string]any{"firstName": "Changed"}, actor: p.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /auth/password/change": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-change"))
		access, _ := login(t, p.Email)
		return auditCall{path: "/auth/password/change", token: access,
			body:  map[string]any{"currentPassword": password, "newPassword": "another correct horse"},
			actor: p.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /auth/password/forgot": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-forgot"))
		return auditCall{path: "/auth/password/forgot", body: map[string]any{"email": p.Email}, actor: "", targetType: "staff", targetID: p.ID, async: true}
	},
	"POST /auth/password/reset": func(t *testing.T, _ person, _ string) auditCall {
		p := newActive(t, uniqueEmail("audit-reset"))
		expect(t, call(t, "POST", "/auth/password/forgot", "", map[string]any{"email": p.Email}), 202)
		tok := st.MailLink(t, p.Email, "").Token
		return auditCall{path: "/auth/password/reset", body: map[string]any{"token": tok, "newPassword": "another correct horse"},
			actor: p.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /auth/invitations/inspect": func(t *testing.T, _ person, ownerToken string) auditCall {
		email := uniqueEmail("audit-inspect")
		expect(t, invite(t, ownerToken, email), 201)
		return auditCall{path: "/auth/invitations/inspect", body: map[string]any{"token": st.MailLink(t, email, "").Token}}
	},
	"POST /auth/invitations/accept": func(t *testing.T, _ person, ownerToken string) auditCall {
		email := uniqueEmail("audit-accept")
		a := invite(t, ownerToken, email)
		expect(t, a, 201)
		id := a.JSON["staff"].(map[string]any)["id"].(string)
		return auditCall{path: "/auth/invitations/accept", body: map[string]any{"token": st.MailLink(t, email, "").Token, "password": password},
			actor: id, targetType: "staff", targetID: id}
	},
	"POST /staff/{id}/deactivate": func(t *testing.T, owner person, ownerToken string) auditCall {
		p := newActive(t, uniqueEmail("audit-deactivate"))
		return auditCall{path: "/staff/" + p.ID + "/deactivate", token: ownerToken, actor: owner.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /staff/{id}/activate": func(t *testing.T, owner person, ownerToken string) auditCall {
		p := newActive(t, uniqueEmail("audit-activate"))
		expect(t, call(t, "POST", "/staff/"+p.ID+"/deactivate", ownerToken, nil), 200)
		return auditCall{path: "/staff/" + p.ID + "/activate", token: ownerToken, actor: owner.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /staff/password-resets": func(t *testing.T, owner person, ownerToken string) auditCall {
		p := newActive(t, uniqueEmail("audit-resets"))
		return auditCall{path: "/staff/password-resets", body: map[string]any{"ids": []string{p.ID}}, token: ownerToken, actor: owner.ID, targetType: "staff", targetID: p.ID}
	},
	"DELETE /roles/{id}/members/{staffId}": func(t *testing.T, owner person, ownerToken string) auditCall {
		role := newRole(t, "Audit members")
		p := newActive(t, uniqueEmail("audit-member"), role)
		return auditCall{path: "/roles/" + role + "/members/" + p.ID, token: ownerToken, actor: owner.ID, targetType: "staff", targetID: p.ID}
	},
	"PUT /roles/{id}/members/{staffId}": func(t *testing.T, owner person, ownerToken string) auditCall {
		role := newRole(t, "Audit members")
		p := newActive(t, uniqueEmail("audit-member"))
		return auditCall{path: "/roles/" + role + "/members/" + p.ID, token: ownerToken, actor: owner.ID, targetType: "staff", targetID: p.ID}
	},
	// Customers: their own routes need a customer of their own, and the
	// status routes a customer in the right state.
	"POST /customer-auth/login": func(t *testing.T, _ person, ownerToken string) auditCall {
		email := uniqueEmail("audit-cust-login")
		id, _, _ := activeCustomer(t, ownerToken, email)
		return auditCall{path: "/customer-auth/login", body: map[string]any{"email": email, "password": password}, actor: id, targetType: "customer", targetID: id}
	},
	"POST /customer-auth/refresh": func(t *testing.T, _ person, ownerToken string) auditCall {
		_, _, refresh := activeCustomer(t, ownerToken, uniqueEmail("audit-cust-refresh"))
		return auditCall{path: "/customer-auth/refresh", body: map[string]any{"refreshToken": refresh}}
	},
	"POST /customer-auth/logout": func(t *testing.T, _ person, ownerToken string) auditCall {
		id, access, refresh := activeCustomer(t, ownerToken, uniqueEmail("audit-cust-logout"))
		return auditCall{path: "/customer-auth/logout", token: access, body: map[string]any{"refreshToken": refresh}, actor: id, targetType: "customer", targetID: id}
	},
	"PATCH /customer-auth/me": func(t *testing.T, _ person, ownerToken string) auditCall {
		id, access, _ := activeCustomer(t, ownerToken, uniqueEmail("audit-cust-me"))
		return auditCall{path: "/customer-auth/me", token: access, body: map[string]any{"phone": "+31 20 555 0101"}, actor: id, targetType: "customer", targetID: id}
	},
	"POST /customer-auth/password/forgot": func(t *testing.T, _ person, ownerToken string) auditCall {
		email := uniqueEmail("audit-cust-forgot")
		id, _, _ := activeCustomer(t, ownerToken, email)
		return auditCall{path: "/customer-auth/password/forgot", body: map[string]any{"email": email}, targetType: "customer", targetID: id, async: true}
	},
	"POST /customer-auth/password/reset": func(t *testing.T, _ person, ownerToken string) auditCall {
		email := uniqueEmail("audit-cust-reset")
		id, _, _ := activeCustomer(t, ownerToken, email)
		expect(t, call(t, "POST", "/customer-auth/password/forgot", "", map[string]any{"email": email}), 202)
		return auditCall{path: "/customer-auth/password/reset", body: map[string]any{"token": customerLink(t, email, "Reset"), "newPassword": "another correct horse"},
			actor: id, targetType: "customer", targetID: id}
	},
	"POST /customer-auth/invitations/inspect": func(t *testing.T, _ person, ownerToken string) auditCall {
		email := uniqueEmail("audit-cust-inspect")
		expect(t, createCustomer(t, ownerToken, email, nil), 201)
		return auditCall{path: "/customer-auth/invitations/inspect", body: map[string]any{"token": customerLink(t, email)}}
	},
	"POST /customer-auth/invitations/accept": func(t *testing.T, _ person, ownerToken string) auditCall {
		email := uniqueEmail("audit-cust-accept")
		a := createCustomer(t, ownerToken, email, nil)
		expect(t, a, 201)
		id := a.JSON["customer"].(map[string]any)["id"].(string)
		return auditCall{path: "/customer-auth/invitations/accept", body: map[string]any{"token": customerLink(t, email), "password": password},
			actor: id, targetType: "customer", targetID: id}
	},
	"POST /customers/{id}/deactivate": func(t *testing.T, owner person, ownerToken string) auditCall {
		id, _, _ := activeCustomer(t, ownerToken, uniqueEmail("audit-cust-deactivate"))
		return auditCall{path: "/customers/" + id + "/deactivate", token: ownerToken, actor: owner.ID, targetType: "customer", targetID: id}
	},
	"POST /customers/{id}/activate": func(t *testing.T, owner person, ownerToken string) auditCall {
		id, _, _ := activeCustomer(t, ownerToken, uniqueEmail("audit-cust-activate"))
		expect(t, call(t, "POST", "/customers/"+id+"/deactivate", ownerToken, nil), 200)
		return auditCall{path: "/customers/" + id + "/activate", token: ownerToken, actor: owner.ID, targetType: "customer", targetID: id}
	},
	"POST /customers/password-resets": func(t *testing.T, owner person, ownerToken string) auditCall {
		id, _, _ := activeCustomer(t, ownerToken, uniqueEmail("audit-cust-resets"))
		return auditCall{path: "/customers/password-resets", body: map[string]any{"ids": []string{id}}, token: ownerToken, actor: owner.ID, targetType: "customer", targetID: id}
	},
	// Changes of address: a pending change of a person who has signed in.
	"POST /auth/email-change/confirm": func(t *testing.T, _ person, ownerToken string) auditCall {
		p, next := pendingStaffChange(t, ownerToken)
		return auditCall{path: "/auth/email-change/confirm", body: map[string]any{"token": st.MailLink(t, next, confirmSubject).Token},
			actor: p.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /staff/{id}/email-change/resend": func(t *testing.T, owner person, ownerToken string) auditCall {
		p, _ := pendingStaffChange(t, ownerToken)
		return auditCall{path: "/staff/" + p.ID + "/email-change/resend", token: ownerToken, actor: owner.ID, targetType: "staff", targetID: p.ID}
	},
	"DELETE /staff/{id}/email-change": func(t *testing.T, owner person, ownerToken string) auditCall {
		p, _ := pendingStaffChange(t, ownerToken)
		return auditCall{path: "/staff/" + p.ID + "/email-change", token: ownerToken, actor: owner.ID, targetType: "staff", targetID: p.ID}
	},
	"POST /customer-auth/email-change/confirm": func(t *testing.T, _ person, ownerToken string) auditCall {
		id, next := pendingCustomerChange(t, ownerToken)
		return auditCall{path: "/customer-auth/email-change/confirm", body: map[string]any{"token": customerLink(t, next, confirmSubject)},
			actor: id, targetType: "customer", targetID: id}
	},
	"POST /customers/{id}/email-change/resend": func(t *testing.T, owner person, ownerToken string) auditCall {
		id, _ := pendingCustomerChange(t, ownerToken)
		return auditCall{path: "/customers/" + id + "/email-change/resend", token: ownerToken, actor: owner.ID, targetType: "customer", targetID: id}
	},
	"DELETE /customers/{id}/email-change": func(t *testing.T, owner person, ownerToken string) auditCall {
		id, _ := pendingCustomerChange(t, ownerToken)
		return auditCall{path: "/customers/" + id + "/email-change", token: ownerToken, actor: owner.ID, targetType: "customer", targetID: id}
	},
	"PATCH /settings": func(t *testing.T, owner person, ownerToken string) auditCall {
		was := call(t, "GET", "/settings", ownerToken, nil)
		expect(t, was, 200)
		name := was.str("shopName")
		return auditCall{path: "/settings", body: map[string]any{"shopName": name + " (audit test)"}, token: ownerToken, actor: owner.ID,
			targetType: "settings", targetID: "shop", cleanup: func() {
				expect(t, call(t, "PATCH", "/settings", ownerToken, map[string]any{"shopName": name}), 200)
			}}
	},
}

// pendingStaffChange makes an active colleague whose new address waits
// for its confirmation, and answers them and the new address.
func pendingStaffChange(t *testing.T, ownerToken string) (person, string) {
	t.Helper()
	p := newActive(t, uniqueEmail("audit-mover"))
	next := uniqueEmail("audit-moved")
	expect(t, call(t, "PATCH", "/staff/"+p.ID, ownerToken, map[string]any{"email": next}), 200)
	return p, next
}

// pendingCustomerChange is pendingStaffChange for an active customer.
func pendingCustomerChange(t *testing.T, ownerToken string) (string, string) {
	t.Helper()
	id, _, _ := activeCustomer(t, ownerToken, uniqueEmail("audit-cust-mover"))
	next := uniqueEmail("audit-cust-moved")
	expect(t, call(t, "PATCH", "/customers/"+id, ownerToken, map[string]any{"email": next}), 200)
	return id, next
}

// Every mutating route of the document, called successfully, leaves
// exactly one new audit event naming the caller and the changed item (or,
// for the routes in unaudited, none).
func TestEveryChangeLeavesOneAuditEvent(t *testing.T) {
	owner, ownerToken := newOwner(t)
	routes := 0
	for _, o := range specOps(t) {
		if o.Method == http.MethodGet {
			continue
		}
		routes++
		t.Run(o.Route(), func(t *testing.T) {
			var c auditCall
			if setup, ok := auditSetups[o.Route()]; ok {
				c = setup(t, owner, ownerToken)
			} else {
				c = genericAuditCall(t, o, owner, ownerToken)
			}
			c.method = o.Method
			st.WaitStreams(t)
			since := time.Now().UTC()
			a := call(t, c.method, c.path, c.token, c.body, c.headers...)
			if a.Status < 200 || a.Status > 299 {
				t.Fatalf("the call did not succeed (add a setup to auditSetups?): %d %s", a.Status, a.Raw)
			}
			if c.async {
				st.WaitStreams(t)
			}
			events := auditEventsSince(t, since)
			if c.cleanup != nil {
				c.cleanup()
			}
			if _, ok := unaudited[o.Route()]; ok {
				if len(events) != 0 {
					t.Fatalf("listed as writing no audit event, wrote %d: %+v", len(events), summaries(events))
				}
				return
			}
			if len(events) != 1 {
				t.Fatalf("%d audit events, want 1: %v", len(events), summaries(events))
			}
			e := events[0]
			wantID := c.targetID
			if wantID == "" {
				loc := a.Header.Get("Location")
				wantID = loc[strings.LastIndex(loc, "/")+1:]
			}
			if e.ActorID != c.actor || e.TargetType != c.targetType || e.TargetID != wantID {
				t.Fatalf("event %s by %q on %s/%s, want by %q on %s/%s", e.Action, e.ActorID, e.TargetType, e.TargetID, c.actor, c.targetType, wantID)
			}
			if e.RequestID != a.Header.Get("X-Request-Id") {
				t.Errorf("event request id %q, answer's %q", e.RequestID, a.Header.Get("X-Request-Id"))
			}
		})
	}
	t.Logf("%d mutating routes checked", routes)
}

// genericAuditCall calls a route as the owner with fresh items behind its
// path parameters and the document's sample body (for PATCH: one text
// property changed). The event's target is the created item (Location) or
// the item of the last path parameter.
func genericAuditCall(t *testing.T, o specOp, owner person, ownerToken string) auditCall {
	t.Helper()
	path := fillPath(t, o, ownerToken)
	c := auditCall{path: path, token: ownerToken, actor: owner.ID}
	if schema := o.Body(); schema != nil {
		if o.Method == http.MethodPatch {
			c.body = patchSample(t, schema)
		} else {
			c.body = sampleValue(schema)
		}
	}
	params := o.ParamsIn("path")
	if o.Method == http.MethodPost && len(params) == 0 {
		c.targetType = singular(strings.Split(strings.Trim(o.Path, "/"), "/")[0])
		return c // targetID from Location
	}
	if len(params) == 0 {
		t.Fatalf("%s: no path parameter names the changed item: add a setup to auditSetups", o.Route())
	}
	last := params[len(params)-1].Name
	c.targetType = singular(collectionOf(o.Path, last))
	segs, filled := strings.Split(o.Path, "/"), strings.Split(path, "/")
	for i, s := range segs {
		if s == "{"+last+"}" {
			c.targetID = filled[i]
		}
	}
	return c
}

// patchSample changes the first free-text property of an update schema.
func patchSample(t *testing.T, s *openapi3.Schema) map[string]any {
	t.Helper()
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := flatten(s.Properties[n].Value)
		if schemaType(p) == "string" && len(p.Enum) == 0 && p.Format == "" && p.Pattern == "" {
			return map[string]any{n: sampleValue(p)}
		}
	}
	t.Fatalf("no free-text property to change: add a setup to auditSetups")
	return nil
}

// singular is the audit target type of a collection: staff, roles → role.
func singular(collection string) string {
	switch {
	case strings.HasSuffix(collection, "ies"):
		return strings.TrimSuffix(collection, "ies") + "y"
	case strings.HasSuffix(collection, "s"):
		return strings.TrimSuffix(collection, "s")
	}
	return collection
}

// auditEventsSince reads the events written at or after since from the
// month partitions (tests run one at a time, so these are the request's).
func auditEventsSince(t *testing.T, since time.Time) []audit.Event {
	t.Helper()
	c := dynamodb.NewFromConfig(st.AWS)
	var out []audit.Event
	months := []string{since.Format("2006-01")}
	if now := time.Now().UTC().Format("2006-01"); now != months[0] {
		months = append(months, now)
	}
	for _, month := range months {
		p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{
			TableName:              aws.String(st.TableName),
			KeyConditionExpression: aws.String("pk = :pk AND sk >= :from"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk":   &types.AttributeValueMemberS{Value: "AUDIT#" + month},
				":from": &types.AttributeValueMemberS{Value: since.Format(audit.TimeFormat)},
			},
			ConsistentRead: aws.Bool(true),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var evs []audit.Event
			if err := attributevalue.UnmarshalListOfMaps(page.Items, &evs); err != nil {
				t.Fatal(err)
			}
			out = append(out, evs...)
		}
	}
	return out
}

func summaries(events []audit.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Action+" by "+e.ActorID+" on "+e.TargetType+"/"+e.TargetID)
	}
	return out
}
