// Package session signs people in and out: login with rate limits, refresh
// gated by a session record, logout of one token and of every token. It
// serves staff and customers alike, configured per realm.
package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
	"backoffice/shared/tokens"
)

// Service signs in the people of one realm.
type Service struct {
	Store  *store.Store
	Dir    directory.Directory
	Realm  string
	Limits Limits
	// RefreshLifetime bounds a session record (the app client's refresh
	// token validity); the record expires with the token.
	RefreshLifetime time.Duration
	Now             func() time.Time
	Sleep           func(context.Context, time.Duration) error
}

// Client describes where a request came from, for audit and rate limits.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

// Login is the outcome of a successful sign-in.
type Login struct {
	Tokens   directory.Tokens
	PersonID string
	RoleIDs  []string
}

// Login checks the password with Cognito and the person's status with
// DynamoDB. Unknown email, wrong password, an inactive or invited person and
// any Cognito challenge all answer the same invalid_credentials.
func (s *Service) Login(ctx context.Context, email, password string, c Client) (*Login, error) {
	return s.login(ctx, email, password, c, true)
}

// Relogin signs in a person who just proved their password another way
// (a password change): earlier failed attempts must not lock them out of
// the fresh tokens, so the rate limit is not consulted, and the sign-in is
// not a second audit event: the change's own event covers the request.
func (s *Service) Relogin(ctx context.Context, email, password string, c Client) (*Login, error) {
	return s.login(ctx, email, password, c, false)
}

func (s *Service) login(ctx context.Context, email, password string, c Client, limited bool) (*Login, error) {
	email, err := text.Email(email)
	if err != nil {
		return nil, problem.Invalid("email", "must be a valid email address")
	}
	if password == "" || len(password) > directory.MaxPasswordLength*4 {
		return nil, problem.Invalid("password", "is required")
	}
	now := s.Now()
	limits := limiter{s.Store, s.Limits}
	if limited {
		if err := limits.check(ctx, now, email, c.IP); err != nil {
			return nil, err
		}
	}

	in, err := s.authenticate(ctx, email, password)
	if errors.Is(err, problem.InvalidCredentials) && limited {
		if ferr := limits.fail(ctx, now, email, c.IP); ferr != nil {
			return nil, ferr
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}

	rec := in.rec
	tx := s.Store.Tx()
	s.putSession(tx, in.tokens.RefreshToken, in.claims, rec, c)
	tx.Update(store.ProfileKey(s.Realm, rec.PersonID),
		expression.Set(expression.Name("lastLoginAt"), expression.Value(now.Format(time.RFC3339))),
		existsCond(), problem.InvalidCredentials)
	limits.clear(tx, now, email)
	if limited {
		actor := audit.Actor{ID: rec.PersonID, Email: email, RequestID: c.RequestID, SourceIP: c.IP, Retention: in.retention}
		audit.New(actor, s.Realm+".login", s.Realm, rec.PersonID, "Signed in", now).Add(tx)
	}
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return &Login{Tokens: in.tokens, PersonID: rec.PersonID, RoleIDs: rec.RoleIDs}, nil
}

// signIn is a successful authentication: Cognito's tokens, their claims,
// the person's auth record and the shop's audit retention.
type signIn struct {
	tokens    directory.Tokens
	claims    accessClaims
	rec       *store.Auth
	retention time.Duration
}

// authenticate asks Cognito, then DynamoDB. A token issued in the very second
// of a revocation would be refused on first use, so that second is waited
// out and the login repeated once.
func (s *Service) authenticate(ctx context.Context, email, password string) (*signIn, error) {
	for attempt := 0; ; attempt++ {
		t, err := s.Dir.Login(ctx, email, password)
		if errors.Is(err, directory.ErrInvalidCredentials) {
			return nil, problem.InvalidCredentials
		}
		if err != nil {
			return nil, err
		}
		claims, err := readClaims(t.AccessToken)
		if err != nil {
			return nil, fmt.Errorf("login: %w", err)
		}
		// The auth record, with the settings for the audit retention.
		items, err := s.Store.BatchGet(ctx, []store.Key{store.AuthKey(claims.Sub), store.SettingsKey()}, true)
		if err != nil {
			return nil, err
		}
		var rec store.Auth
		raw, found := items[store.AuthKey(claims.Sub)]
		if found {
			err = store.Unmarshal(raw, &rec)
		}
		if !found || err == nil && (rec.Status != store.StatusActive || rec.Realm != s.Realm) {
			// A Cognito user whose record is missing, invited or inactive:
			// the tokens must not be usable, and the answer must not differ.
			_ = s.Dir.Revoke(ctx, t.RefreshToken)
			return nil, problem.InvalidCredentials
		}
		if err != nil {
			return nil, err
		}
		if claims.issued() > rec.TokensNotBefore || attempt > 0 {
			var st store.Settings
			_ = store.Unmarshal(items[store.SettingsKey()], &st)
			return &signIn{tokens: withExpiresIn(t, claims, s.Now()), claims: claims, rec: &rec, retention: st.AuditRetention()}, nil
		}
		_ = s.Dir.Revoke(ctx, t.RefreshToken)
		wait := time.Unix(rec.TokensNotBefore+1, 0).Sub(s.Now())
		if err := s.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (s *Service) putSession(tx *store.Tx, refresh string, claims accessClaims, rec *store.Auth, c Client) {
	k := store.SessionKey(tokens.Hash(refresh))
	now := s.Now()
	tx.PutNew(store.Session{
		PK: k.PK, SK: k.SK, Type: "Session",
		PersonID: rec.PersonID, Sub: rec.Sub, Username: cmp.Or(claims.Username, rec.Username, rec.Sub), Realm: s.Realm, AuthTime: claims.issued(),
		CreatedAt: now.Format(time.RFC3339), SourceIP: c.IP, UserAgent: truncate(c.UserAgent, 200),
		TTL: now.Add(s.RefreshLifetime).Unix(),
	}, nil)
}

// Refresh mints a new access token only for a live session of an active
// person, so a logged-out session can not, whatever Cognito remembers.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (directory.Tokens, error) {
	if refreshToken == "" || len(refreshToken) > 8192 {
		return directory.Tokens{}, problem.Invalid("refreshToken", "is required")
	}
	var sess store.Session
	err := s.Store.Get(ctx, store.SessionKey(tokens.Hash(refreshToken)), &sess, true)
	if errors.Is(err, store.ErrNotFound) || err == nil && (sess.TTL <= s.Now().Unix() || sess.Realm != s.Realm) {
		return directory.Tokens{}, problem.Unauthenticated
	}
	if err != nil {
		return directory.Tokens{}, err
	}
	var rec store.Auth
	err = s.Store.Get(ctx, store.AuthKey(sess.Sub), &rec, true)
	if errors.Is(err, store.ErrNotFound) || err == nil && (rec.Status != store.StatusActive || sess.AuthTime <= rec.TokensNotBefore) {
		return directory.Tokens{}, problem.Unauthenticated
	}
	if err != nil {
		return directory.Tokens{}, err
	}
	t, err := s.Dir.Refresh(ctx, directory.Username(cmp.Or(sess.Username, sess.Sub)), refreshToken)
	if errors.Is(err, directory.ErrInvalidCredentials) {
		return directory.Tokens{}, problem.Unauthenticated
	}
	if err != nil {
		return directory.Tokens{}, err
	}
	claims, err := readClaims(t.AccessToken)
	if err != nil {
		return directory.Tokens{}, fmt.Errorf("refresh: %w", err)
	}
	return withExpiresIn(t, claims, s.Now()), nil
}

// Caller is the signed-in person asking to log out.
type Caller struct {
	PersonID     string
	Email        string
	Sub          string
	Username     string
	JTI          string
	TokenExpires int64
	Retention    time.Duration // the shop's audit retention
}

// Logout ends one session: the access token used for the request is denied
// until it expires and the refresh token's session is deleted.
func (s *Service) Logout(ctx context.Context, caller Caller, refreshToken string, c Client) error {
	if refreshToken == "" || len(refreshToken) > 8192 {
		return problem.Invalid("refreshToken", "is required")
	}
	now := s.Now()
	tx := s.Store.Tx()
	tx.PutNew(store.NewRevoked(caller.JTI, max(caller.TokenExpires, now.Unix()+1)), nil)
	// Only the caller's own session may be ended this way.
	own := expression.AttributeNotExists(expression.Name("pk")).
		Or(expression.Name("personId").Equal(expression.Value(caller.PersonID)))
	tx.Delete(store.SessionKey(tokens.Hash(refreshToken)), &own, problem.Invalid("refreshToken", "is not a session of yours"))
	actor := audit.Actor{ID: caller.PersonID, Email: caller.Email, RequestID: c.RequestID, SourceIP: c.IP, Retention: caller.Retention}
	audit.New(actor, s.Realm+".logout", s.Realm, caller.PersonID, "Signed out", now).Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return err
	}
	// DynamoDB already refuses both tokens; Cognito's revocation is a second
	// line, so its failure is logged but does not fail the logout.
	if err := s.Dir.Revoke(ctx, refreshToken); err != nil {
		slog.WarnContext(ctx, "cognito revoke failed", "error", err.Error())
	}
	return nil
}

// LogoutAll ends every session and token of the caller at once by moving
// tokensNotBefore to now: every token and session issued until this second
// is refused from the next request on.
func (s *Service) LogoutAll(ctx context.Context, caller Caller, c Client) error {
	now := s.Now()
	tx := s.Store.Tx()
	tx.Update(store.AuthKey(caller.Sub),
		expression.Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix())),
		existsCond(), problem.Unauthenticated)
	actor := audit.Actor{ID: caller.PersonID, Email: caller.Email, RequestID: c.RequestID, SourceIP: c.IP, Retention: caller.Retention}
	audit.New(actor, s.Realm+".logout_all", s.Realm, caller.PersonID, "Signed out everywhere", now).Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return err
	}
	if err := s.Dir.SignOutEverywhere(ctx, directory.Username(caller.Username)); err != nil {
		slog.WarnContext(ctx, "cognito global sign-out failed", "error", err.Error())
	}
	return nil
}

func existsCond() *expression.ConditionBuilder {
	c := expression.AttributeExists(expression.Name("pk"))
	return &c
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// SleepContext waits d or until ctx ends.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CallerOf adapts a checked caller.
func CallerOf(c *auth.Caller) Caller {
	return Caller{PersonID: c.PersonID, Email: c.Email, Sub: c.Sub, Username: c.Username, JTI: c.JTI, TokenExpires: c.TokenExpires, Retention: c.AuditRetention}
}

// ClientOf describes where req came from.
func ClientOf(ctx context.Context, req api.Request) Client {
	return Client{IP: api.SourceIP(req), UserAgent: api.Header(req, "user-agent"), RequestID: api.RequestID(ctx)}
}
