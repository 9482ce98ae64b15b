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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"backoffice/shared/api"
	"backoffice/shared/audit"
	"backoffice/shared/auth"
	"backoffice/shared/directory"
	"backoffice/shared/problem"
	"backoffice/shared/ratelimit"
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
		return nil, problem.Invalid(problem.InvalidEmail("email"))
	}
	if password == "" || len(password) > directory.MaxPasswordLength*4 {
		return nil, problem.Invalid(problem.Required("password"))
	}
	now := s.Now()
	// Each attempt is counted before Cognito is asked (a conditional ADD):
	// of any number of parallel attempts at most the limit reach Cognito.
	limiter := ratelimit.Limiter{Store: s.Store, Window: s.Limits.Window}
	rules := s.Limits.rules(email, c.IP)
	var reserved *ratelimit.Reservation
	if limited {
		if reserved, err = limiter.Reserve(ctx, now, rules...); err != nil {
			return nil, err
		}
	}

	in, err := s.authenticate(ctx, email, password)
	if err != nil {
		if !errors.Is(err, problem.InvalidCredentials) {
			limiter.GiveBack(ctx, reserved, now) // an outage is not a wrong password
		}
		return nil, err
	}

	rec := in.rec
	tx := s.Store.Tx()
	s.putSession(tx, in.tokens.RefreshToken, in.claims, rec, c)
	tx.Update(store.ProfileKey(s.Realm, rec.PersonID),
		expression.Set(expression.Name("lastLoginAt"), expression.Value(now.Format(time.RFC3339))),
		existsCond(), problem.InvalidCredentials)
	// A sign-in wipes its address's failures, and is not held against its IP.
	limiter.Clear(tx, now, rules[0])
	if reserved != nil {
		limiter.Release(tx, reserved, now, rules[1])
	}
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

// MaxLiveTokens bounds the access tokens one session holds at a time: a
// refresh beyond it answers 429 until the oldest expires. Ending a session
// denies each of them in one transaction, which this keeps small; a client
// refreshes about once per token lifetime and needs one or two.
const MaxLiveTokens = 20

// errSessionChanged is the condition failure of a write that read the
// session's token list before another request changed it.
var errSessionChanged = errors.New("the session changed meanwhile")

func (s *Service) putSession(tx *store.Tx, refresh string, claims accessClaims, rec *store.Auth, c Client) {
	now := s.Now()
	sess := store.NewSession(tokens.Hash(refresh), rec.PersonID, now)
	sess.Sub, sess.Username, sess.Realm, sess.AuthTime = rec.Sub, cmp.Or(claims.Username, rec.Username, rec.Sub), s.Realm, claims.issued()
	sess.SourceIP, sess.UserAgent, sess.TTL = c.IP, truncate(c.UserAgent, 200), now.Add(s.RefreshLifetime).Unix()
	sess.Tokens[claims.JTI], sess.Mints = claims.Expires, 1
	tx.PutNew(sess, nil)
}

// liveSession reads the session of a refresh token by its hash (consistently),
// or answers 401 when there is none of this realm that is still live.
func (s *Service) liveSession(ctx context.Context, hash string) (*store.Session, error) {
	var sess store.Session
	err := s.Store.Get(ctx, store.SessionKey(hash), &sess, true)
	if errors.Is(err, store.ErrNotFound) || err == nil && (sess.TTL <= s.Now().Unix() || sess.Realm != s.Realm) {
		return nil, problem.Unauthenticated
	}
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// Refresh mints a new access token only for a live session of an active
// person, so a logged-out session can not, whatever Cognito remembers. The
// new token is recorded on the session before it is answered: a session
// ended meanwhile never hands it out.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (directory.Tokens, error) {
	if refreshToken == "" || len(refreshToken) > 8192 {
		return directory.Tokens{}, problem.Invalid(problem.Required("refreshToken"))
	}
	hash := tokens.Hash(refreshToken)
	sess, err := s.liveSession(ctx, hash)
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
	if err := s.roomForAToken(sess); err != nil {
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
	for attempt := 0; ; attempt++ {
		err := s.recordToken(ctx, sess, claims)
		if !errors.Is(err, errSessionChanged) {
			if err != nil {
				return directory.Tokens{}, err
			}
			return withExpiresIn(t, claims, s.Now()), nil
		}
		if attempt == 3 {
			return directory.Tokens{}, problem.RateLimitedFor(1) // refreshed by many requests at once
		}
		// Another refresh of the session, or its end, came in between.
		if sess, err = s.liveSession(ctx, hash); err != nil {
			return directory.Tokens{}, err
		}
		if err := s.roomForAToken(sess); err != nil {
			return directory.Tokens{}, err
		}
	}
}

// roomForAToken answers 429 when the session holds MaxLiveTokens live
// access tokens, with the time until the oldest expires.
func (s *Service) roomForAToken(sess *store.Session) error {
	now := s.Now()
	live := sess.Live(now)
	if len(live) < MaxLiveTokens {
		return nil
	}
	first := int64(0)
	for _, exp := range live {
		if first == 0 || exp < first {
			first = exp
		}
	}
	return problem.RateLimitedFor(int(first - now.Unix()))
}

// recordToken adds an access token minted from sess to its list (dropping
// the expired ones) if the list is still as read.
func (s *Service) recordToken(ctx context.Context, sess *store.Session, claims accessClaims) error {
	live := sess.Live(s.Now())
	live[claims.JTI] = claims.Expires
	tx := s.Store.Tx()
	asRead := expression.Name("mints").Equal(expression.Value(sess.Mints))
	tx.Update(store.Key{PK: sess.PK, SK: sess.SK},
		expression.Set(expression.Name("jtis"), expression.Value(live)).
			Set(expression.Name("mints"), expression.Value(sess.Mints+1)),
		&asRead, errSessionChanged)
	return s.Store.Write(ctx, tx)
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
	// EndedSession is set when the caller's token was refused by the
	// ending of that session (auth.Caller.EndedSession).
	EndedSession string
}

// Logout ends one session of the caller: the session of the refresh token
// is deleted, and every access token minted from it, and the one used for
// the request, is refused from the next request on. DynamoDB is changed
// first, Cognito's revocation of the refresh token follows; a repeat of the
// same request (its answer lost, or Cognito failed) finds its own token
// refused by this very session's end and only repeats the revocation.
func (s *Service) Logout(ctx context.Context, caller Caller, refreshToken string, c Client) error {
	wellFormed := refreshToken != "" && len(refreshToken) <= 8192
	switch {
	case caller.EndedSession != "":
		// A token of a session that is over only repeats that session's
		// logout; for anything else it is refused like everywhere.
		if !wellFormed || caller.EndedSession != tokens.Hash(refreshToken) {
			return problem.Unauthenticated
		}
	case !wellFormed:
		return problem.Invalid(problem.Required("refreshToken"))
	default:
		if err := s.endSession(ctx, caller, tokens.Hash(refreshToken), c); err != nil {
			return err
		}
	}
	if err := s.Dir.Revoke(ctx, refreshToken); err != nil {
		return fmt.Errorf("the session ended, but Cognito did not revoke its refresh token (repeat the logout): %w", err)
	}
	return nil
}

// endSession deletes the session hash of the caller and denies every live
// access token of it, and the caller's own, in one transaction with the
// audit event. A session that is gone already (expired, or ended by
// logout-all) leaves only the caller's token to deny.
func (s *Service) endSession(ctx context.Context, caller Caller, hash string, c Client) error {
	for attempt := 0; ; attempt++ {
		now := s.Now()
		var sess store.Session
		err := s.Store.Get(ctx, store.SessionKey(hash), &sess, true)
		found := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if found && sess.PersonID != caller.PersonID {
			return problem.Invalid(problem.NoSuch("refreshToken", "session of yours"))
		}
		deny := map[string]int64{caller.JTI: max(caller.TokenExpires, now.Unix()+1)}
		tx := s.Store.Tx()
		if found {
			for jti, exp := range sess.Live(now) {
				deny[jti] = exp
			}
			asRead := expression.Name("mints").Equal(expression.Value(sess.Mints)).
				And(expression.Name("personId").Equal(expression.Value(caller.PersonID)))
			tx.Delete(store.SessionKey(hash), &asRead, errSessionChanged)
		}
		for jti, exp := range deny {
			tx.Put(store.NewRevoked(jti, exp, hash), nil, nil)
		}
		actor := audit.Actor{ID: caller.PersonID, Email: caller.Email, RequestID: c.RequestID, SourceIP: c.IP, Retention: caller.Retention}
		audit.New(actor, s.Realm+".logout", s.Realm, caller.PersonID, "Signed out", now).Add(tx)
		err = s.Store.Write(ctx, tx)
		if !errors.Is(err, errSessionChanged) || attempt == 3 {
			return err
		}
		// A refresh added a token meanwhile: deny that one too.
	}
}

// DeleteAll deletes every session of a person (whose tokens are refused
// already: it is part of deleting the person), in transactions of 25.
func DeleteAll(ctx context.Context, db *store.Store, personID string) error {
	keyCond := expression.Key("gsi1pk").Equal(expression.Value(store.SessionsPartition(personID)))
	ex, err := expression.NewBuilder().WithKeyCondition(keyCond).
		WithProjection(expression.NamesList(expression.Name("pk"), expression.Name("sk"))).Build()
	if err != nil {
		return err
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(db.Table), IndexName: aws.String(store.IndexByLastName),
		KeyConditionExpression: ex.KeyCondition(), ProjectionExpression: ex.Projection(),
		ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
	}
	for {
		out, err := db.DB.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("list sessions: %w", err)
		}
		for start := 0; start < len(out.Items); start += 25 {
			tx := db.Tx()
			for _, item := range out.Items[start:min(start+25, len(out.Items))] {
				var k struct {
					PK string `dynamodbav:"pk"`
					SK string `dynamodbav:"sk"`
				}
				if err := store.Unmarshal(item, &k); err != nil {
					return err
				}
				tx.Delete(store.Key{PK: k.PK, SK: k.SK}, nil, nil)
			}
			if err := db.Write(ctx, tx); err != nil {
				return fmt.Errorf("delete sessions: %w", err)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
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
	return Caller{PersonID: c.PersonID, Email: c.Email, Sub: c.Sub, Username: c.Username, JTI: c.JTI,
		TokenExpires: c.TokenExpires, Retention: c.AuditRetention, EndedSession: c.EndedSession}
}

// ClientOf describes where req came from.
func ClientOf(ctx context.Context, req api.Request) Client {
	return Client{IP: api.SourceIP(req), UserAgent: api.Header(req, "user-agent"), RequestID: api.RequestID(ctx)}
}
