package account

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/directory"
	"backoffice/shared/ids"
	"backoffice/shared/outbox"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// Inspection is what the accept page shows before the password is set.
type Inspection struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	ExpiresAt string `json:"expiresAt"`
	Kind      string `json:"kind"`
}

// claimTimeout frees a claim whose accept died half-way (a crashed function
// can not release it), so the link works again after that long.
const claimTimeout = 2 * time.Minute

// Inspect tells who an invitation is for; it consumes nothing, so mail
// scanners that open links do no harm.
func (s *Service) Inspect(ctx context.Context, raw string) (*Inspection, error) {
	_, a, _, err := s.liveToken(ctx, raw, store.TokenInvitation)
	if err != nil {
		return nil, err
	}
	p := a.Base()
	return &Inspection{Email: p.Email, FirstName: p.FirstName, LastName: p.LastName, ExpiresAt: p.InvitationExpires, Kind: store.TokenInvitation}, nil
}

// liveToken finds a mail token of kind and its person, or answers
// invalid_token for unknown, used, expired and replaced tokens alike (and
// for another realm's tokens: a staff link posted to the customer API).
// The person comes with the shop's audit retention, read in the same call.
func (s *Service) liveToken(ctx context.Context, raw, kind string) (*store.Token, store.Account, time.Duration, error) {
	if !tokens.WellFormed(raw) {
		return nil, nil, 0, problem.InvalidToken
	}
	hash := tokens.Hash(raw)
	var tok store.Token
	err := s.Store.Get(ctx, store.TokenKey(hash), &tok, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, 0, problem.InvalidToken
	}
	if err != nil {
		return nil, nil, 0, err
	}
	exp, _ := time.Parse(time.RFC3339, tok.ExpiresAt)
	if tok.Kind != kind || tok.Realm != s.Realm.Name || tok.UsedAt != "" || !s.Now().Before(exp) {
		return nil, nil, 0, problem.InvalidToken
	}
	profileKey := store.ProfileKey(s.Realm.Name, tok.SubjectID)
	items, err := s.Store.BatchGet(ctx, []store.Key{profileKey, store.SettingsKey()}, true)
	if err != nil {
		return nil, nil, 0, err
	}
	a := s.Realm.newProfile()
	if err := DecodeFound(items, profileKey, a); err != nil {
		return nil, nil, 0, problem.InvalidToken
	}
	var settings store.Settings
	_ = DecodeFound(items, store.SettingsKey(), &settings)
	p := a.Base()
	live := p.Status == store.StatusInvited && p.InvitationHash == hash
	if kind == store.TokenReset {
		live = p.Status == store.StatusActive && p.ResetHash == hash
	}
	if !live {
		return nil, nil, 0, problem.InvalidToken
	}
	return &tok, a, settings.AuditRetention(), nil
}

// AcceptInput is what the accept page posts.
type AcceptInput struct {
	Token     string  `json:"token"`
	Password  string  `json:"password"`
	FirstName *string `json:"firstName,omitempty"`
	LastName  *string `json:"lastName,omitempty"`
}

// Accept turns an invitation into an active account. The token is claimed
// first with a conditional write, so of two parallel accepts only one goes
// on; then the Cognito user is made, stamped with the person's id (or one
// an earlier attempt made for this same person is reused; a user of the
// address made for anyone else is never bound), and given the password;
// then one transaction activates the person, writes the auth record (only
// over nothing or this person's own), consumes the token and audits. Any
// failure after the claim releases it, so the same link can be retried.
func (s *Service) Accept(ctx context.Context, in AcceptInput, client audit.Actor) error {
	if err := directory.CheckPassword("password", in.Password); err != nil {
		return err // checked first: a weak password leaves the token untouched
	}
	var f problem.Fields
	first, last := "", ""
	if in.FirstName != nil {
		first = Name(&f, "firstName", *in.FirstName, true)
	}
	if in.LastName != nil {
		last = Name(&f, "lastName", *in.LastName, true)
	}
	if err := f.Err(); err != nil {
		return err
	}
	tok, a, retention, err := s.liveToken(ctx, in.Token, store.TokenInvitation)
	if err != nil {
		return err
	}
	client.Retention = retention
	claimID := ids.New()
	if err := s.claim(ctx, tok, claimID); err != nil {
		return err
	}
	if err := s.activate(ctx, tok, a, claimID, in.Password, first, last, client); err != nil {
		s.release(ctx, tok, claimID)
		return err
	}
	return nil
}

// claim takes the token for one attempt (claimTimeout), in one transaction
// with whatever also adds.
func (s *Service) claim(ctx context.Context, tok *store.Token, claimID string, also ...func(*store.Tx)) error {
	now := s.Now()
	stale := now.Add(-claimTimeout).Format(time.RFC3339)
	free := expression.AttributeNotExists(expression.Name("claimId")).
		Or(expression.Name("claimedAt").LessThan(expression.Value(stale)))
	cond := expression.AttributeExists(expression.Name("pk")).
		And(expression.AttributeNotExists(expression.Name("usedAt"))).
		And(free)
	tx := s.Store.Tx()
	tx.Update(store.Key{PK: tok.PK, SK: tok.SK},
		expression.Set(expression.Name("claimId"), expression.Value(claimID)).
			Set(expression.Name("claimedAt"), expression.Value(now.Format(time.RFC3339))),
		&cond, problem.InvalidToken)
	for _, f := range also {
		f(tx)
	}
	return s.Store.Write(ctx, tx)
}

// release frees the claim after a failure. Failing to release is logged by
// nothing here on purpose: the claim also expires after claimTimeout.
func (s *Service) release(ctx context.Context, tok *store.Token, claimID string) {
	cond := expression.Name("claimId").Equal(expression.Value(claimID))
	tx := s.Store.Tx()
	tx.Update(store.Key{PK: tok.PK, SK: tok.SK},
		expression.Remove(expression.Name("claimId")).Remove(expression.Name("claimedAt")), &cond, nil)
	_ = s.Store.Write(context.WithoutCancel(ctx), tx)
}

// useToken marks the claimed token used, inside tx.
func useToken(tx *store.Tx, tok *store.Token, claimID string, now time.Time) {
	mine := expression.Name("claimId").Equal(expression.Value(claimID))
	tx.Update(store.Key{PK: tok.PK, SK: tok.SK},
		expression.Set(expression.Name("usedAt"), expression.Value(now.Format(time.RFC3339))), &mine, problem.InvalidToken)
}

// foreignUser is the answer when the user pool holds a user at the invited
// address that was not made for this person: nothing is bound, and the link
// stays usable once an operator has removed that user.
var foreignUser = problem.EmailTaken.With("This address already has a sign-in that was not made for this invitation. " +
	"Ask whoever invited you to contact support; the link keeps working once that is sorted out.")

func (s *Service) activate(ctx context.Context, tok *store.Token, a store.Account, claimID, password, first, last string, client audit.Actor) error {
	p := a.Base()
	user, err := s.Dir.EnsureUser(ctx, p.Email, p.ID)
	if errors.Is(err, directory.ErrForeignUser) {
		slog.WarnContext(ctx, "accept refused: the user pool holds a user at the invited address that was not made for this person; "+
			"remove it (after checking whose it is) for the invitation to work", "realm", s.Realm.Name, "personId", p.ID)
		return foreignUser
	}
	if err != nil {
		return err
	}
	if err := s.Dir.SetPassword(ctx, user.Username, password); err != nil {
		return err
	}

	now := s.Now().UTC()
	before := map[string]any{"status": p.Status, "firstName": p.FirstName, "lastName": p.LastName}
	prevVersion := p.Version
	p.Status, p.Sub, p.Username, p.UpdatedAt, p.Version = store.StatusActive, user.Sub, string(user.Username), now.Format(time.RFC3339), p.Version+1
	p.InvitationHash, p.InvitationSentAt, p.InvitationExpires = "", "", ""
	if first != "" {
		p.FirstName = first
	}
	if last != "" {
		p.LastName = last
	}
	after := map[string]any{"status": p.Status, "firstName": p.FirstName, "lastName": p.LastName}

	tx := s.Store.Tx()
	unchanged := expression.Name("version").Equal(expression.Value(prevVersion)).
		And(expression.Name("status").Equal(expression.Value(store.StatusInvited)))
	a.Put(tx, &unchanged, problem.InvalidToken)
	// The auth record binds the user's sub to this person: only a sub no one
	// holds, or one already this person's (a retried accept), and no token
	// the user got before this second passes the caller check.
	rec := store.NewAuth(user.Sub, string(user.Username), s.Realm.Name, p.ID, p.Email, store.StatusActive, a.Roles())
	rec.TokensNotBefore = now.Unix()
	free := expression.AttributeNotExists(expression.Name("pk")).
		Or(expression.Name("personId").Equal(expression.Value(p.ID)))
	tx.Put(rec, &free, foreignUser)
	useToken(tx, tok, claimID, now)
	s.Realm.activated(tx, a)
	actor := client
	actor.ID, actor.Email = p.ID, p.Email
	ev := audit.New(actor, s.Realm.Action("accept_invitation"), s.Realm.Name, p.ID, "Accepted the invitation", now)
	ev.Changes = audit.Diff(before, after)
	ev.Add(tx)
	return s.Store.Write(ctx, tx)
}

// NewToken is a mail token of the realm, stored by its hash.
func (r Realm) NewToken(kind, hash, subjectID string, now, expires time.Time) store.Token {
	k := store.TokenKey(hash)
	return store.Token{
		PK: k.PK, SK: k.SK, Type: "Token", Kind: kind, Realm: r.Name, SubjectID: subjectID,
		CreatedAt: now.Format(time.RFC3339), ExpiresAt: expires.Format(time.RFC3339),
		// Kept a day past expiry so a late click still finds it and says "expired".
		TTL: expires.Add(24 * time.Hour).Unix(),
	}
}

// Invitation is a new invitation link: its token is derived from the
// mail's id and never stored (outbox.Link); its hash goes into the profile
// and the token item.
type Invitation struct {
	Link      outbox.Link
	SentAt    time.Time
	ExpiresAt time.Time
}

// NewInvitation makes a link valid for the shop's invitation lifetime and
// points p at it (which is what kills an older link).
func NewInvitation(p *store.Person, settings *store.Settings, now time.Time) (Invitation, error) {
	link, err := outbox.NewLink()
	if err != nil {
		return Invitation{}, err
	}
	inv := Invitation{Link: link, SentAt: now,
		ExpiresAt: now.Add(time.Duration(settings.InvitationTTLHours) * time.Hour).Truncate(time.Second)}
	p.InvitationHash, p.InvitationSentAt, p.InvitationExpires = link.Hash, now.Format(time.RFC3339), inv.ExpiresAt.Format(time.RFC3339)
	return inv, nil
}

// QueueInvitation adds the invitation token (stored as its hash) and the
// mail whose link carries it to tx.
func (r Realm) QueueInvitation(tx *store.Tx, p *store.Person, inv Invitation, inviterName, shopName, linkBase string) {
	tx.PutNew(r.NewToken(store.TokenInvitation, inv.Link.Hash, p.ID, inv.SentAt, inv.ExpiresAt), nil)
	tx.PutNew(inv.Link.Item("invitation", p.Locale, p.Email, r.mailData(map[string]string{
		"firstName":   p.FirstName,
		"inviterName": inviterName,
		"shopName":    shopName,
		"email":       p.Email,
		"expiresAt":   p.InvitationExpires,
	}), r.Page(linkBase, "accept-invitation"), inv.SentAt), nil)
}

// mailData marks customers' mails, whose copy speaks of their account
// rather than of the backoffice.
func (r Realm) mailData(d map[string]string) map[string]string {
	if r.Name == store.RealmCustomer {
		d["audience"] = "customer"
	}
	return d
}

// Resend issues a new invitation link to an invited person, after guard
// (the realm's rules about who may) accepts them; what guard answers it
// adds to the transaction (conditions that what it checked still holds).
// The profile points at the new token's hash and the old token is deleted
// in the same transaction, so the old link stops working at once.
func (s *Service) Resend(ctx context.Context, actor audit.Actor, inviterName, id, linkBase string, guard func(store.Account) (func(*store.Tx), error)) (*Invitation, error) {
	a, err := s.Profile(ctx, id)
	if err != nil {
		return nil, err
	}
	held, err := guard(a)
	if err != nil {
		return nil, err
	}
	p := a.Base()
	if p.Status != store.StatusInvited {
		return nil, problem.Conflict.With("Only invited people can get a new invitation.")
	}
	settings, err := Settings(ctx, s.Store)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	oldHash, prev := p.InvitationHash, p.Version
	inv, err := NewInvitation(p, settings, now)
	if err != nil {
		return nil, err
	}
	p.UpdatedAt, p.Version = now.Format(time.RFC3339), p.Version+1

	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prev)).
		And(expression.Name("status").Equal(expression.Value(store.StatusInvited)))
	a.Put(tx, &cond, problem.Conflict.With("The person changed meanwhile; try again."))
	if oldHash != "" {
		tx.Delete(store.TokenKey(oldHash), nil, nil)
	}
	s.Realm.QueueInvitation(tx, p, inv, inviterName, settings.ShopName, linkBase)
	if held != nil {
		held(tx)
	}
	audit.New(actor, s.Realm.Action("resend_invitation"), s.Realm.Name, p.ID, "Sent a new invitation to "+p.Email, now).Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	return &inv, nil
}
