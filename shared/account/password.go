package account

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/directory"
	"backoffice/shared/idempotency"
	"backoffice/shared/ids"
	"backoffice/shared/outbox"
	"backoffice/shared/problem"
	"backoffice/shared/ratelimit"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// ForgotLimits bound requests for reset mails per source IP and for the
// whole realm, whatever the addresses asked for: a flood of them can not
// flood mailboxes or spend the shop's mail quota (each address also gets at
// most one mail per forgotGap). Every request counts, before the address is
// looked up, so the limit tells nothing about addresses either.
type ForgotLimits struct {
	PerIP  int
	Global int
}

// DefaultForgotLimits are per 15 minutes (ratelimit.DefaultWindow).
var DefaultForgotLimits = ForgotLimits{PerIP: 30, Global: 300}

// ForgotLimitsFromEnv reads FORGOT_LIMIT_PER_IP and FORGOT_LIMIT_GLOBAL over
// the defaults.
func ForgotLimitsFromEnv() ForgotLimits {
	l := DefaultForgotLimits
	if n, err := strconv.Atoi(os.Getenv("FORGOT_LIMIT_PER_IP")); err == nil && n > 0 {
		l.PerIP = n
	}
	if n, err := strconv.Atoi(os.Getenv("FORGOT_LIMIT_GLOBAL")); err == nil && n > 0 {
		l.Global = n
	}
	return l
}

// ForgotRules are the limits of a forgot-password request of realm from ip.
func (r Realm) ForgotRules(l ForgotLimits, ip string) []ratelimit.Rule {
	return []ratelimit.Rule{
		{Scope: "forgot-" + r.Name + "-ip", Key: ip, Limit: cmp.Or(l.PerIP, DefaultForgotLimits.PerIP)},
		{Scope: "forgot-" + r.Name, Key: "all", Limit: cmp.Or(l.Global, DefaultForgotLimits.Global)},
	}
}

// Forgot takes a request for a reset mail: after the realm's ForgotLimits
// (429 past them) it writes one ForgotRequest item and returns, whatever
// the address, so the caller answers 202 after the very same calls for an
// unknown, invited, inactive or active address: neither the answer nor
// its timing tells whether an address exists (issue 15, finding 6). The
// table's stream hands the request to ResolveForgot, which queues the mail
// for an active person.
func (s *Service) Forgot(ctx context.Context, actor audit.Actor, email, linkBase string) error {
	email, err := text.Email(email)
	if err != nil {
		return problem.Invalid(problem.InvalidEmail("email"))
	}
	limiter := ratelimit.Limiter{Store: s.Store}
	if _, err := limiter.Reserve(ctx, s.Now(), s.Realm.ForgotRules(s.ForgotLimits, actor.SourceIP)...); err != nil {
		return err
	}
	now := s.Now().UTC()
	id := ids.New()
	k := store.ForgotRequestKey(id)
	tx := s.Store.Tx()
	tx.PutNew(ForgotRequest{
		PK: k.PK, SK: k.SK, Type: ForgotRequestType, ID: id, Realm: s.Realm.Name, Email: email, LinkBase: linkBase,
		RequestID: actor.RequestID, SourceIP: actor.SourceIP, CreatedAt: now.Format(time.RFC3339),
		TTL: now.Add(forgotRequestTTL).Unix(),
	}, nil)
	return s.Store.Write(ctx, tx)
}

// ForgotRequestType is the type of a forgot-password request item, which
// the resolver's stream filter selects.
const ForgotRequestType = "ForgotRequest"

// forgotRequestTTL bounds how long a request the resolver could not handle
// stays (the resolver deletes it once handled).
const forgotRequestTTL = 24 * time.Hour

// ForgotRequest is a forgot-password request (pk FORGOTREQ#<id>, sk
// FORGOTREQ): the address as typed (normalised), the realm, where the
// link points and the requester's trace for the audit event.
type ForgotRequest struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	Realm     string `dynamodbav:"realm"`
	Email     string `dynamodbav:"email"`
	LinkBase  string `dynamodbav:"linkBase"`
	RequestID string `dynamodbav:"requestId,omitempty"`
	SourceIP  string `dynamodbav:"sourceIp,omitempty"`
	CreatedAt string `dynamodbav:"createdAt"`
	TTL       int64  `dynamodbav:"ttl"`
}

// ResolveForgot handles a request Forgot wrote: a reset mail when its
// address belongs to an active person of the realm (at most one per
// forgotGap), nothing otherwise; then the request is deleted. Run again
// after a failure it sends no second mail (the gap), so the stream may
// retry it.
func (s *Service) ResolveForgot(ctx context.Context, r ForgotRequest) error {
	if err := s.resolveForgot(ctx, r); err != nil {
		return err
	}
	tx := s.Store.Tx()
	tx.Delete(store.ForgotRequestKey(r.ID), nil, nil)
	return s.Store.Write(ctx, tx)
}

func (s *Service) resolveForgot(ctx context.Context, r ForgotRequest) error {
	a, err := s.ByEmail(ctx, r.Email)
	if errors.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.Base().Status != store.StatusActive {
		return nil
	}
	settings, err := Settings(ctx, s.Store)
	if err != nil {
		return err
	}
	// The actor stays anonymous: anyone can type an address, so the event
	// must not claim the person asked. It keeps the shop's retention and
	// the request's trace.
	actor := audit.Actor{RequestID: r.RequestID, SourceIP: r.SourceIP, Retention: settings.AuditRetention()}
	_, err = s.queueReset(ctx, actor, a.Base(), settings, r.LinkBase, "Asked for a password reset", forgotGap, "")
	if errors.Is(err, problem.Conflict) {
		return nil // deactivated meanwhile, or a mail just went out: no mail
	}
	return err
}

// forgotGap is the least time between two reset mails asked for through
// "forgot password": more requests for the same address in that time send
// nothing (and still answer 202), so nobody can flood a mailbox.
const forgotGap = 2 * time.Minute

// queueReset makes a reset token for p and queues its mail, in one
// transaction that also replaces any older reset token of p. With a gap,
// nothing is sent when the previous reset mail is younger than that. A
// request tag (bulk resets with an Idempotency-Key) is kept on the profile,
// and a profile that already holds it gets nothing (problem.Conflict).
func (s *Service) queueReset(ctx context.Context, actor audit.Actor, p *store.Person, settings *store.Settings, linkBase, summary string, gap time.Duration, request string) (time.Time, error) {
	now := s.Now().UTC()
	expires := now.Add(time.Duration(settings.ResetTTLMinutes) * time.Minute).Truncate(time.Second)
	link, err := outbox.NewLink()
	if err != nil {
		return time.Time{}, err
	}
	hash := link.Hash
	tx := s.Store.Tx()
	cond := expression.Name("status").Equal(expression.Value(store.StatusActive))
	if gap > 0 {
		cutoff := now.Add(-gap).Format(time.RFC3339)
		cond = cond.And(expression.AttributeNotExists(expression.Name("resetSentAt")).
			Or(expression.Name("resetSentAt").LessThan(expression.Value(cutoff))))
	}
	// The version moves on: an edit that read the profile before this
	// reset writes the whole item back, and must fail its condition rather
	// than put the old resetHash back and kill the link just mailed.
	update := expression.
		Set(expression.Name("resetHash"), expression.Value(hash)).
		Set(expression.Name("resetSentAt"), expression.Value(now.Format(time.RFC3339))).
		Add(expression.Name("version"), expression.Value(1))
	if request != "" {
		update = update.Set(expression.Name("resetRequest"), expression.Value(request))
		cond = cond.And(expression.AttributeNotExists(expression.Name("resetRequest")).
			Or(expression.Name("resetRequest").NotEqual(expression.Value(request))))
	} else {
		update = update.Remove(expression.Name("resetRequest"))
	}
	tx.Update(store.ProfileKey(s.Realm.Name, p.ID), update, &cond,
		problem.Conflict.With("Only active people can reset their password."))
	if p.ResetHash != "" {
		tx.Delete(store.TokenKey(p.ResetHash), nil, nil)
	}
	tx.PutNew(s.Realm.NewToken(store.TokenReset, hash, p.ID, now, expires), nil)
	tx.PutNew(link.Item("password-reset", p.Locale, p.Email, s.Realm.mailData(map[string]string{
		"firstName": p.FirstName,
		"shopName":  settings.ShopName,
		"email":     p.Email,
		"expiresAt": expires.Format(time.RFC3339),
	}), s.Realm.Page(linkBase, "reset-password"), now), nil)
	audit.New(actor, s.Realm.Action("password_reset_requested"), s.Realm.Name, p.ID, summary, now).Add(tx)
	return expires, s.Store.Write(ctx, tx)
}

// ResetResult is one line of a bulk reset answer.
type ResetResult struct {
	ID     string `json:"id"`
	Status string `json:"status"` // "queued" or "skipped"
	Reason string `json:"reason,omitempty"`
}

// BulkReset queues reset mails for up to 100 people. Each person is one
// transaction of their own (a shared one would exceed DynamoDB's 100 items),
// run a few at a time; people who are not active, or whom skip names a
// reason for, are skipped with that reason. An error of skip fails the
// whole request before any mail is queued.
//
// request tags the request (idempotency.Tag of its Idempotency-Key; ""
// without one): each person's reset carries it, so a retry of a request
// that stopped part-way (its answer never stored) mails nobody the first
// attempt mailed and reports them "queued" as the first answer would have.
func (s *Service) BulkReset(ctx context.Context, actor audit.Actor, personIDs []string, linkBase, request string, skip func(store.Account) (string, error)) ([]ResetResult, error) {
	if len(personIDs) == 0 {
		return nil, problem.Invalid(problem.Required("ids"))
	}
	if len(personIDs) > 100 {
		return nil, problem.Invalid(problem.TooMany("ids", 100))
	}
	seen := map[string]bool{}
	keys := []store.Key{store.SettingsKey()}
	for _, id := range personIDs {
		if !ids.Valid(id) {
			return nil, problem.Invalid(problem.InvalidFormat("ids", problem.FormatID))
		}
		if seen[id] {
			return nil, problem.Invalid(problem.Duplicate("ids"))
		}
		seen[id] = true
		keys = append(keys, store.ProfileKey(s.Realm.Name, id))
	}
	items, err := s.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return nil, err
	}
	var settings store.Settings
	if err := DecodeFound(items, store.SettingsKey(), &settings); err != nil {
		return nil, err
	}

	results := make([]ResetResult, len(personIDs))
	queue := make([]*store.Person, len(personIDs))
	for i, id := range personIDs {
		a := s.Realm.newProfile()
		if err := DecodeFound(items, store.ProfileKey(s.Realm.Name, id), a); err != nil {
			results[i] = ResetResult{ID: id, Status: "skipped", Reason: "not_found"}
			continue
		}
		if a.Base().Status != store.StatusActive {
			results[i] = ResetResult{ID: id, Status: "skipped", Reason: "not_active"}
			continue
		}
		if doneBy(a.Base(), request, s.Now()) {
			results[i] = ResetResult{ID: id, Status: "queued"}
			continue
		}
		reason, err := skip(a)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			results[i] = ResetResult{ID: id, Status: "skipped", Reason: reason}
			continue
		}
		queue[i] = a.Base()
	}

	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	for i, p := range queue {
		if p == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, p *store.Person) {
			defer func() { <-sem; wg.Done() }()
			_, err := s.queueReset(ctx, actor, p, &settings, linkBase, "Password reset mail sent by "+actor.Email, 0, request)
			if errors.Is(err, problem.Conflict) && request != "" {
				// Not active any more, or this request's retry got there first.
				if a, rerr := s.Profile(ctx, p.ID); rerr == nil && doneBy(a.Base(), request, s.Now()) {
					err = nil
				}
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				results[i] = ResetResult{ID: p.ID, Status: "queued"}
			case errors.Is(err, problem.Conflict):
				results[i] = ResetResult{ID: p.ID, Status: "skipped", Reason: "not_active"}
			default:
				failed = err
			}
		}(i, p)
	}
	wg.Wait()
	if failed != nil {
		return nil, fmt.Errorf("bulk reset: %w", failed)
	}
	return results, nil
}

// doneBy reports whether p's reset mail was queued by the tagged request,
// within the time its Idempotency-Key is remembered (after that the same key
// is a new request).
func doneBy(p *store.Person, request string, now time.Time) bool {
	if request == "" || p.ResetRequest != request {
		return false
	}
	at, err := time.Parse(time.RFC3339, p.ResetSentAt)
	return err == nil && now.Sub(at) < idempotency.Lifetime
}

// ResetInput is what the reset page posts.
type ResetInput struct {
	Token       string `json:"token"`
	NewPassword string `json:"newPassword"`
}

// Reset sets a new password with a reset token: single use, checked against
// the person's current reset token, and it ends every session of the person.
// The order makes every stop safe: the token is claimed in one transaction
// that also ends every session (tokensNotBefore), then Cognito gets the
// password, then one transaction uses the token, queues the notice and
// audits. Any failure after the claim releases it, so the link works again
// (a function that died there: after claimTimeout), and a password Cognito
// holds never leaves an older session alive. A password Cognito refuses
// (or a Cognito failure) has ended the sessions all the same.
func (s *Service) Reset(ctx context.Context, in ResetInput, client audit.Actor) error {
	if err := directory.CheckPassword("newPassword", in.NewPassword); err != nil {
		return err
	}
	tok, a, retention, err := s.liveToken(ctx, in.Token, store.TokenReset)
	if err != nil {
		return err
	}
	client.Retention = retention
	p := a.Base()
	claimID := ids.New()
	if err := s.claim(ctx, tok, claimID, func(tx *store.Tx) { endSessions(tx, p, s.Now().UTC()) }); err != nil {
		return err
	}
	if err := s.applyReset(ctx, tok, p, claimID, in.NewPassword, client); err != nil {
		s.release(ctx, tok, claimID)
		return err
	}
	return nil
}

// endSessions refuses every token and session of p issued until now, from
// the next request on (the caller check compares tokensNotBefore).
func endSessions(tx *store.Tx, p *store.Person, now time.Time) {
	tx.Update(store.AuthKey(p.Sub), expression.Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix())), existsCond(), problem.InvalidToken)
}

func (s *Service) applyReset(ctx context.Context, tok *store.Token, p *store.Person, claimID, password string, client audit.Actor) error {
	if err := s.Dir.SetPassword(ctx, UserOf(p), password); err != nil {
		return asNewPassword(err)
	}
	now := s.Now().UTC()
	tx := s.Store.Tx()
	useToken(tx, tok, claimID, now)
	s.passwordChanged(tx, p, now, client, "password_reset", "Reset the password with a mail link")
	tx.Update(store.ProfileKey(s.Realm.Name, p.ID), expression.Remove(expression.Name("resetHash")), existsCond(), nil)
	return s.Store.Write(ctx, tx)
}

// asNewPassword reports Cognito's password policy refusal on newPassword.
func asNewPassword(err error) error {
	if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
		e := pe.Fields[0]
		e.Field = "newPassword"
		return problem.Invalid(e)
	}
	return err
}

// passwordChanged adds what every password change writes: all earlier
// tokens and sessions end (tokensNotBefore), the person gets a notice mail,
// and the audit event.
func (s *Service) passwordChanged(tx *store.Tx, p *store.Person, now time.Time, actor audit.Actor, verb, summary string) {
	// Again: a session begun with the old password after the first end.
	endSessions(tx, p, now)
	tx.PutNew(outbox.NewItem(ids.New(), "password-changed", p.Locale, p.Email, s.Realm.mailData(map[string]string{
		"firstName": p.FirstName,
		"email":     p.Email,
		"changedAt": now.Format(time.RFC3339),
	}), now), nil)
	actor.ID, actor.Email = p.ID, p.Email
	audit.New(actor, s.Realm.Action(verb), s.Realm.Name, p.ID, summary, now).Add(tx)
}

// ChangePassword sets a new password after checking the current one. Every
// earlier session and token of the caller ends; the caller signs in again
// (session.Relogin) to get fresh tokens. The sessions end before Cognito
// gets the new password (and again with the notice and the audit event
// after it), so a stop in between never leaves a session that predates the
// new password; a new password Cognito refuses has ended them too (the
// local check, directory.CheckPassword, mirrors the pools' policy, so that
// takes a Cognito failure).
func (s *Service) ChangePassword(ctx context.Context, personID string, actor audit.Actor, current, next string) error {
	if current == "" {
		return problem.Invalid(problem.Required("currentPassword"))
	}
	if err := directory.CheckPassword("newPassword", next); err != nil {
		return err
	}
	if current == next {
		return problem.Invalid(problem.Unchanged("newPassword", "password"))
	}
	a, err := s.Profile(ctx, personID)
	if err != nil {
		return err
	}
	p := a.Base()
	// Each check of the current password is counted before Cognito is
	// asked: a stolen access token can not be used to guess it.
	limiter := ratelimit.Limiter{Store: s.Store}
	rule := PasswordCheckRule(personID)
	reserved, err := limiter.Reserve(ctx, s.Now(), rule)
	if err != nil {
		return err
	}
	err = s.Dir.VerifyPassword(ctx, UserOf(p), current)
	if errors.Is(err, directory.ErrInvalidCredentials) {
		return problem.Invalid(problem.WrongPassword("currentPassword"))
	}
	if err != nil {
		limiter.GiveBack(ctx, reserved, s.Now())
		return err
	}
	now := s.Now().UTC()
	tx := s.Store.Tx()
	endSessions(tx, p, now)
	limiter.Clear(tx, now, rule) // the current password was right
	if err := s.Store.Write(ctx, tx); err != nil {
		return err
	}
	if err := s.Dir.SetPassword(ctx, UserOf(p), next); err != nil {
		return asNewPassword(err)
	}
	now = s.Now().UTC()
	tx = s.Store.Tx()
	s.passwordChanged(tx, p, now, actor, "password_change", "Changed the password")
	return s.Store.Write(ctx, tx)
}

// PasswordCheckLimit bounds wrong current passwords in password changes per
// person and window (ratelimit.DefaultWindow), as DefaultLimits bounds
// failed sign-ins per address.
const PasswordCheckLimit = 5

// PasswordCheckRule is the limit of the current-password check of personID.
func PasswordCheckRule(personID string) ratelimit.Rule {
	return ratelimit.Rule{Scope: "password-check", Key: personID, Limit: PasswordCheckLimit}
}

// DecodeFound decodes the item at k of a BatchGet answer, or answers
// store.ErrNotFound.
func DecodeFound(items map[store.Key]map[string]store.AttributeValue, k store.Key, out any) error {
	raw, ok := items[k]
	if !ok {
		return fmt.Errorf("%s: %w", k.PK, store.ErrNotFound)
	}
	return store.Unmarshal(raw, out)
}
