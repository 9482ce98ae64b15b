package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/api"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// itemsDB answers BatchGetItem from a fixed set of items; the checker needs
// nothing else.
type itemsDB struct {
	store.DB
	items map[store.Key]any
	calls int
}

func (d *itemsDB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	d.calls++
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	for table, ka := range in.RequestItems {
		if ka.ConsistentRead == nil || !*ka.ConsistentRead {
			return nil, errors.New("caller check must read consistently")
		}
		for _, key := range ka.Keys {
			k := store.Key{PK: key["pk"].(*types.AttributeValueMemberS).Value, SK: key["sk"].(*types.AttributeValueMemberS).Value}
			if item, ok := d.items[k]; ok {
				av, _ := attributevalue.MarshalMap(item)
				out.Responses[table] = append(out.Responses[table], av)
			}
		}
	}
	return out, nil
}

func request(claims map[string]string, route string) api.Request {
	return api.Request{RouteKey: route, RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		},
	}}
}

func role(id string, perms ...string) store.Role {
	k := store.RoleKey(id)
	return store.Role{PK: k.PK, SK: k.SK, ID: id, Name: "Role " + id, Permissions: perms}
}

func TestCheck(t *testing.T) {
	active := store.NewAuth("sub-1", "user-sub-1", store.RealmStaff, "P1", "a@x.nl", store.StatusActive, []string{"R1", "R2", "GONE"})
	active.TokensNotBefore = 1000
	inactive := store.NewAuth("sub-2", "user-sub-2", store.RealmStaff, "P2", "b@x.nl", store.StatusInactive, nil)
	customer := store.NewAuth("sub-3", "user-sub-3", store.RealmCustomer, "C1", "c@x.nl", store.StatusActive, nil)
	owner := store.NewAuth("sub-4", "user-sub-4", store.RealmStaff, "P4", "o@x.nl", store.StatusActive, []string{OwnerRoleID})
	db := &itemsDB{items: map[store.Key]any{
		store.AuthKey("sub-1"): active, store.AuthKey("sub-2"): inactive,
		store.AuthKey("sub-3"): customer, store.AuthKey("sub-4"): owner,
		store.RevokedKey("jti-revoked"): store.NewRevoked("jti-revoked", 2000, "session-1"),
		store.RoleKey("R1"):             role("R1", StaffRead), store.RoleKey("R2"): role("R2", StaffInvite, StaffRead),
	}}
	c := &Checker{Store: store.New(db, "t"), Realm: store.RealmStaff}
	claims := func(sub, jti, authTime string) map[string]string {
		return map[string]string{"sub": sub, "jti": jti, "auth_time": authTime, "exp": "3000", "token_use": "access"}
	}

	refused := map[string]map[string]string{
		"no claims":               {},
		"unknown sub":             claims("sub-x", "j", "1001"),
		"inactive":                claims("sub-2", "j", "1001"),
		"other realm":             claims("sub-3", "j", "1001"),
		"revoked jti":             claims("sub-1", "jti-revoked", "1001"),
		"issued in revoke second": claims("sub-1", "j", "1000"),
		"issued before":           claims("sub-1", "j", "999"),
		"id token":                {"sub": "sub-1", "jti": "j", "auth_time": "1001", "token_use": "id"},
	}
	for name, cl := range refused {
		if _, err := c.Check(context.Background(), request(cl, "GET /auth/me")); !errors.Is(err, problem.Unauthenticated) {
			t.Errorf("%s: got %v, want unauthenticated", name, err)
		}
	}

	db.calls = 0
	caller, err := c.Check(context.Background(), request(claims("sub-1", "j", "1001"), "GET /auth/me"))
	if err != nil {
		t.Fatal(err)
	}
	if db.calls != 2 {
		t.Errorf("caller check took %d round trips, want 2", db.calls)
	}
	if !caller.Can(StaffRead) || !caller.Can(StaffInvite) || caller.Can(StaffDelete) || caller.IsOwner() {
		t.Errorf("permissions %v", caller.Permissions())
	}
	if len(caller.Roles) != 2 || caller.TokenExpires != 3000 || caller.Email != "a@x.nl" {
		t.Errorf("caller %+v", caller)
	}

	ownerCaller, err := c.Check(context.Background(), request(claims("sub-4", "j", "5"), "GET /auth/me"))
	if err != nil || !ownerCaller.IsOwner() || len(ownerCaller.Permissions()) != len(Catalogue) || ownerCaller.Roles[0].Name != OwnerRoleName {
		t.Fatalf("owner %+v %v", ownerCaller, err)
	}

	// Only the logout's checker lets a token of an ended session through,
	// naming the session, and only when the denial names one.
	ending := &Checker{Store: c.Store, Realm: store.RealmStaff, AcceptEnded: true}
	repeat, err := ending.Check(context.Background(), request(claims("sub-1", "jti-revoked", "1001"), "POST /auth/logout"))
	if err != nil || repeat.EndedSession != "session-1" {
		t.Fatalf("a repeated logout: %+v %v", repeat, err)
	}
	if live, err := ending.Check(context.Background(), request(claims("sub-1", "j", "1001"), "POST /auth/logout")); err != nil || live.EndedSession != "" {
		t.Fatalf("a live token at logout: %+v %v", live, err)
	}
	db.items[store.RevokedKey("jti-bare")] = store.NewRevoked("jti-bare", 2000, "")
	if _, err := ending.Check(context.Background(), request(claims("sub-1", "jti-bare", "1001"), "POST /auth/logout")); !errors.Is(err, problem.Unauthenticated) {
		t.Fatalf("a denial naming no session: %v", err)
	}

	// iat stands in for auth_time where the emulator lacks it.
	if _, err := c.Check(context.Background(), request(map[string]string{"sub": "sub-1", "jti": "j", "iat": "1001"}, "GET /auth/me")); err != nil {
		t.Errorf("iat fallback: %v", err)
	}
}

func TestProtect(t *testing.T) {
	a := store.NewAuth("sub-1", "user-sub-1", store.RealmStaff, "P1", "a@x.nl", store.StatusActive, []string{"R1"})
	db := &itemsDB{items: map[store.Key]any{store.AuthKey("sub-1"): a, store.RoleKey("R1"): role("R1", StaffRead)}}
	c := &Checker{Store: store.New(db, "t"), Realm: store.RealmStaff}
	ran := false
	h := Protect(c, func(context.Context, api.Request, *Caller) (api.Response, error) {
		ran = true
		return api.NoContent(), nil
	})
	claims := map[string]string{"sub": "sub-1", "jti": "j", "auth_time": "5"}

	Routes["GET /test/self"], Routes["GET /test/read"], Routes["GET /test/delete"] = Self, StaffRead, StaffDelete
	defer func() {
		delete(Routes, "GET /test/self")
		delete(Routes, "GET /test/read")
		delete(Routes, "GET /test/delete")
	}()
	for route, want := range map[string]error{
		"GET /test/self": nil, "GET /test/read": nil,
		"GET /test/delete": problem.Forbidden, "GET /health": errPublic, "GET /not/listed": errPublic,
	} {
		ran = false
		_, err := h(context.Background(), request(claims, route))
		switch {
		case want == nil && (err != nil || !ran):
			t.Errorf("%s: %v ran=%v", route, err, ran)
		case want == errPublic && (err == nil || ran):
			t.Errorf("%s: must fail closed, got %v", route, err)
		case want == problem.Forbidden && (!errors.Is(err, problem.Forbidden) || ran):
			t.Errorf("%s: got %v ran=%v", route, err, ran)
		}
	}
}

var errPublic = errors.New("fail closed")

func TestCheckGrant(t *testing.T) {
	admin := &Caller{RoleIDs: []string{"R"}, permissions: map[string]bool{RolesAssign: true, StaffRead: true, CustomersRead: true}}
	owner := &Caller{RoleIDs: []string{OwnerRoleID}, permissions: map[string]bool{}}
	for _, p := range Catalogue {
		owner.permissions[p.Key] = true
	}
	ownerRole := store.Role{ID: OwnerRoleID, Name: "Owner", Permissions: AllPermissions()}
	reader := store.Role{ID: "X", Name: "Reader", Permissions: []string{StaffRead}}
	bigger := store.Role{ID: "Y", Name: "Bigger", Permissions: []string{StaffRead, StaffDelete}}

	if err := admin.CheckGrant([]store.Role{reader}); err != nil {
		t.Errorf("admin granting a subset: %v", err)
	}
	for name, roles := range map[string][]store.Role{"owner role": {ownerRole}, "bigger role": {reader, bigger}} {
		if err := admin.CheckGrant(roles); !errors.Is(err, problem.Forbidden) {
			t.Errorf("admin granting %s: %v", name, err)
		}
	}
	if err := owner.CheckGrant([]store.Role{ownerRole, bigger}); err != nil {
		t.Errorf("owner: %v", err)
	}
	noAssign := &Caller{permissions: map[string]bool{StaffRead: true}}
	if err := noAssign.CheckGrant([]store.Role{reader}); !errors.Is(err, problem.Forbidden) {
		t.Errorf("without roles.assign: %v", err)
	}
	if err := noAssign.CheckGrant(nil); err != nil {
		t.Errorf("no roles needs nothing: %v", err)
	}
}

func TestCheckActOn(t *testing.T) {
	manager := &Caller{RoleIDs: []string{"M"}, permissions: map[string]bool{StaffRead: true, StaffUpdate: true}}
	owner := &Caller{RoleIDs: []string{OwnerRoleID}, permissions: map[string]bool{}}
	for _, p := range Catalogue {
		owner.permissions[p.Key] = true
	}
	ownerRole := store.Role{ID: OwnerRoleID, Name: "Owner", Permissions: AllPermissions()}
	reader := store.Role{ID: "X", Name: "Reader", Permissions: []string{StaffRead}}
	bigger := store.Role{ID: "Y", Name: "Bigger", Permissions: []string{StaffRead, SettingsManage}}

	for name, roles := range map[string][]store.Role{"no roles": nil, "a subset": {reader}, "an empty role": {{ID: "E", Name: "Empty"}}} {
		if err := manager.CheckActOn(roles); err != nil {
			t.Errorf("acting on %s: %v", name, err)
		}
	}
	for name, roles := range map[string][]store.Role{"an owner": {ownerRole}, "a bigger role": {reader, bigger}} {
		if err := manager.CheckActOn(roles); !errors.Is(err, problem.Forbidden) {
			t.Errorf("acting on %s: %v", name, err)
		}
	}
	if err := owner.CheckActOn([]store.Role{ownerRole, bigger}); err != nil {
		t.Errorf("owner: %v", err)
	}
	// Unlike a grant, acting on someone needs no roles.assign.
	if manager.Can(RolesAssign) {
		t.Fatal("test caller must lack roles.assign")
	}
}
