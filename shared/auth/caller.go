package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// Caller is the authenticated person of a request.
type Caller struct {
	Sub string
	// Username names the caller's Cognito user in directory calls (the
	// auth record's username; the sub for records from before it was kept).
	Username string
	PersonID string
	Email    string
	Realm    string
	JTI      string
	// TokenExpires is the access token's exp, for denylisting it on logout.
	TokenExpires int64
	RoleIDs      []string
	Roles        []RoleRef // the caller's roles that still exist, with names
	permissions  map[string]bool
	// AuditRetention is the shop's audit retention, read with the auth
	// record so every event the caller causes gets it without a read of its own.
	AuditRetention time.Duration
	// EndedSession is set only by a Checker with AcceptEnded, for a token
	// that was refused because session EndedSession ended (a logout whose
	// answer got lost, now repeated).
	EndedSession string
}

// RoleRef names a role in answers.
type RoleRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Can reports whether the caller holds permission key.
func (c *Caller) Can(key string) bool { return c.permissions[key] }

// IsOwner reports whether the caller holds the owner role.
func (c *Caller) IsOwner() bool {
	for _, r := range c.RoleIDs {
		if r == OwnerRoleID {
			return true
		}
	}
	return false
}

// Permissions lists the caller's permissions in catalogue order.
func (c *Caller) Permissions() []string {
	keys := []string{}
	for _, p := range Catalogue {
		if c.permissions[p.Key] {
			keys = append(keys, p.Key)
		}
	}
	return keys
}

// Checker loads and checks the caller of requests of one realm.
type Checker struct {
	Store *store.Store
	Realm string // "staff" or "customer"
	// AcceptEnded lets a token through that is refused only because the
	// ending of a session denied it, with Caller.EndedSession naming that
	// session: the logout function sets it so that a repeated logout
	// completes. Its handler must do nothing else for such a caller.
	AcceptEnded bool
}

// Check identifies the caller from the JWT claims API Gateway verified, and
// refuses (401) a person who is not active, a token issued before the
// person's tokensNotBefore, and a token of an ended session (logged out). Two round trips: the auth
// record with the denylist entry and the shop settings (for the audit
// retention), then the roles.
func (c *Checker) Check(ctx context.Context, req api.Request) (*Caller, error) {
	claims := map[string]string{}
	if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil {
		claims = a.JWT.Claims
	}
	sub, jti := claims["sub"], claims["jti"]
	issued := claimInt(claims, "auth_time")
	if issued == 0 {
		issued = claimInt(claims, "iat") // the emulator may lack auth_time
	}
	if sub == "" || jti == "" || issued == 0 || claims["token_use"] == "id" {
		return nil, problem.Unauthenticated
	}

	items, err := c.Store.BatchGet(ctx, []store.Key{store.AuthKey(sub), store.RevokedKey(jti), store.SettingsKey()}, true)
	if err != nil {
		return nil, fmt.Errorf("load caller: %w", err)
	}
	var ended string
	if raw, revoked := items[store.RevokedKey(jti)]; revoked {
		var r store.Revoked
		if err := store.Unmarshal(raw, &r); err != nil || !c.AcceptEnded || r.Session == "" {
			return nil, problem.Unauthenticated
		}
		ended = r.Session
	}
	raw, ok := items[store.AuthKey(sub)]
	if !ok {
		return nil, problem.Unauthenticated
	}
	var rec store.Auth
	if err := store.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("decode auth record: %w", err)
	}
	// Claims have whole seconds, so a token issued in the same second as a
	// revocation is refused too; login waits out that second.
	if rec.Realm != c.Realm || rec.Status != store.StatusActive || issued <= rec.TokensNotBefore {
		return nil, problem.Unauthenticated
	}

	caller := &Caller{
		Sub: sub, Username: cmp.Or(rec.Username, sub), PersonID: rec.PersonID, Email: rec.Email, Realm: rec.Realm, JTI: jti,
		TokenExpires: claimInt(claims, "exp"), RoleIDs: rec.RoleIDs,
		AuditRetention: settingsRetention(items[store.SettingsKey()]),
		EndedSession:   ended,
	}
	caller.Roles, caller.permissions, err = c.rolesOf(ctx, rec.RoleIDs)
	if err != nil {
		return nil, err
	}
	api.SetCaller(ctx, caller.PersonID)
	return caller, nil
}

// rolesOf loads roleIDs and unions their permissions. The owner role holds
// every permission by definition and can not change, so it is never read.
func (c *Checker) rolesOf(ctx context.Context, roleIDs []string) ([]RoleRef, map[string]bool, error) {
	perms := map[string]bool{}
	var keys []store.Key
	for _, id := range roleIDs {
		if id != OwnerRoleID {
			keys = append(keys, store.RoleKey(id))
		}
	}
	items, err := c.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return nil, nil, fmt.Errorf("load roles: %w", err)
	}
	refs := make([]RoleRef, 0, len(roleIDs))
	for _, id := range roleIDs {
		if id == OwnerRoleID {
			refs = append(refs, RoleRef{ID: OwnerRoleID, Name: OwnerRoleName})
			for _, p := range Catalogue {
				perms[p.Key] = true
			}
			continue
		}
		raw, ok := items[store.RoleKey(id)]
		if !ok {
			continue // deleted while the person still listed it
		}
		var role store.Role
		if err := store.Unmarshal(raw, &role); err != nil {
			return nil, nil, fmt.Errorf("decode role: %w", err)
		}
		if role.Deleting {
			continue // being removed from its members: it grants nothing
		}
		refs = append(refs, RoleRef{ID: role.ID, Name: role.Name})
		for _, p := range role.Permissions {
			perms[p] = true
		}
	}
	return refs, perms, nil
}

func claimInt(claims map[string]string, name string) int64 {
	n, err := strconv.ParseInt(claims[name], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// ProtectedFunc handles a request of a checked caller.
type ProtectedFunc func(ctx context.Context, req api.Request, caller *Caller) (api.Response, error)

// Protect checks the caller and the route's permission before h runs.
func Protect(c *Checker, h ProtectedFunc) api.HandlerFunc {
	return func(ctx context.Context, req api.Request) (api.Response, error) {
		need, ok := Routes[req.RouteKey]
		if !ok || need == Public {
			return api.Response{}, errors.New("route " + req.RouteKey + " has no permission in auth.Routes")
		}
		if (need == CustomerSelf) != (c.Realm == store.RealmCustomer) {
			return api.Response{}, errors.New("route " + req.RouteKey + " is served by a checker of the wrong realm")
		}
		caller, err := c.Check(ctx, req)
		if err != nil {
			return api.Response{}, err
		}
		if need != Self && need != CustomerSelf && !caller.Can(need) {
			return api.Response{}, problem.Forbidden
		}
		return h(ctx, req, caller)
	}
}

// Actor is the caller as the audit log records them.
func (c *Caller) Actor(ctx context.Context, req api.Request) audit.Actor {
	return audit.Actor{ID: c.PersonID, Email: c.Email, RequestID: api.RequestID(ctx), SourceIP: api.SourceIP(req), Retention: c.AuditRetention}
}

// Anonymous is the actor of a public request (login, accept, reset).
func Anonymous(ctx context.Context, req api.Request) audit.Actor {
	return audit.Actor{RequestID: api.RequestID(ctx), SourceIP: api.SourceIP(req)}
}

// Roles loads roleIDs as the caller check does, for answers that show a
// person's roles and permissions (login's Me).
func (c *Checker) Roles(ctx context.Context, roleIDs []string) ([]RoleRef, []string, error) {
	refs, perms, err := c.rolesOf(ctx, roleIDs)
	if err != nil {
		return nil, nil, err
	}
	caller := &Caller{permissions: perms}
	return refs, caller.Permissions(), nil
}

// settingsRetention reads auditRetentionDays from a settings item (zero
// when absent: the audit default applies).
func settingsRetention(raw map[string]store.AttributeValue) time.Duration {
	var st store.Settings
	if raw == nil || store.Unmarshal(raw, &st) != nil {
		return 0
	}
	return st.AuditRetention()
}
