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

// A person's sign-in address is theirs: it is how a password reset reaches
// them, so whoever sets it can take the account. A new address therefore
// takes effect only when that address confirms it, through a single-use
// link (the confirm-email page), and the current address hears of it when
// it is asked for and when it happens. Meanwhile the new address is claimed,
// so nobody else can take it, until the change is confirmed, cancelled,
// replaced or expires. People who never signed in (invited: there is no
// sign-in to take over yet) get the address at once, with a new invitation
// to it that kills the old link.

// EmailChangeLifetime is how long a confirmation link works.
const EmailChangeLifetime = 24 * time.Hour

// EmailChange is a new address decided by SetEmail, to be written with the
// profile by Write.
type EmailChange struct {
	now       time.Time
	immediate bool
	prev      store.Person // the address fields before
	link      outbox.Link  // the confirmation link's (its token is never stored)
}

// SetEmail gives p the (valid, lowercase) address email in memory: at once
// for someone who never signed in, else as the pending change. nil means
// nothing changes: the address is p's already, or the change to it is
// pending (a new link, also after expiry, is ResendEmailChange's). An error
// means the link's key could not be read.
func (s *Service) SetEmail(p *store.Person, email string, now time.Time) (*EmailChange, error) {
	if email == p.Email || email == p.PendingEmail {
		return nil, nil
	}
	c := &EmailChange{now: now, prev: *p, immediate: p.Sub == ""}
	if c.immediate {
		p.Email = email
		return c, nil
	}
	var err error
	if c.link, err = outbox.NewLink(); err != nil {
		return nil, err
	}
	p.PendingEmail, p.PendingEmailHash = email, c.link.Hash
	p.PendingEmailSentAt = now.Format(time.RFC3339)
	p.PendingEmailExpires = now.Add(EmailChangeLifetime).Truncate(time.Second).Format(time.RFC3339)
	return c, nil
}

// Mailing is what the mails of a change need beyond the person.
type Mailing struct {
	LinkBase string
	Settings *store.Settings // shop name, invitation lifetime
	// InviterName is named in a new invitation ("" leaves it out).
	InviterName string
}

// Write adds to tx the items of the change; call it before putting p's
// profile into tx, since it may give p a new invitation:
//   - at once: the claims move and a live invitation is replaced by one to
//     the new address (the old link dies);
//   - pending: the new address is claimed until the link expires, a
//     replaced pending change gives up its claim and link, the link goes
//     to the new address and a notice to the current one.
//
// An error means the new invitation's key could not be read.
func (s *Service) Write(tx *store.Tx, p *store.Person, c *EmailChange, m Mailing) error {
	realm := s.Realm.Name
	if c.immediate {
		tx.Delete(store.EmailKey(realm, c.prev.Email), nil, nil)
		free := store.EmailFree(c.now)
		tx.Put(store.NewEmailClaim(realm, p.Email, p.ID), &free, problem.EmailTaken)
		if c.prev.InvitationHash != "" {
			inv, err := NewInvitation(p, m.Settings, c.now)
			if err != nil {
				return err
			}
			tx.Delete(store.TokenKey(c.prev.InvitationHash), nil, nil)
			s.Realm.QueueInvitation(tx, p, inv, m.InviterName, m.Settings.ShopName, m.LinkBase)
		}
		return nil
	}
	s.dropPending(tx, &c.prev, p.PendingEmail, c.now)
	expires, _ := time.Parse(time.RFC3339, p.PendingEmailExpires)
	mine := store.EmailFreeOrHeldBy(c.now, p.ID)
	tx.Put(store.NewPendingEmailClaim(realm, p.PendingEmail, p.ID, expires), &mine, problem.EmailTaken)
	s.queueConfirmation(tx, p, c.link, expires, c.now, m)
	tx.PutNew(outbox.NewItem(ids.New(), "email-change-requested", p.Locale, p.Email, s.Realm.mailData(map[string]string{
		"firstName": p.FirstName,
		"shopName":  m.Settings.ShopName,
		"email":     p.Email,
		"newEmail":  p.PendingEmail,
		"changedAt": c.now.Format(time.RFC3339),
		"expiresAt": p.PendingEmailExpires,
	}), c.now), nil)
	return nil
}

// dropPending adds to tx the end of the pending change of prev, if any:
// its link dies and its claim goes, unless keep names the same address (it
// stays claimed) or the change expired (the claim is free for anyone
// already, maybe taken: TTL removes it if not).
func (s *Service) dropPending(tx *store.Tx, prev *store.Person, keep string, now time.Time) {
	if prev.PendingEmailHash != "" {
		tx.Delete(store.TokenKey(prev.PendingEmailHash), nil, nil)
	}
	if prev.PendingEmail != "" && prev.PendingEmail != keep && !pendingExpired(prev, now) {
		mine := store.HeldBy(prev.ID)
		tx.Delete(store.EmailKey(s.Realm.Name, prev.PendingEmail), &mine, problem.Conflict.With("The address changed meanwhile; try again."))
	}
}

// queueConfirmation adds the confirmation token (stored as its hash) and
// the mail to the new address whose link carries it.
func (s *Service) queueConfirmation(tx *store.Tx, p *store.Person, link outbox.Link, expires, now time.Time, m Mailing) {
	tx.PutNew(s.Realm.NewToken(store.TokenEmailChange, p.PendingEmailHash, p.ID, now, expires), nil)
	tx.PutNew(link.Item("email-confirm", p.Locale, p.PendingEmail, s.Realm.mailData(map[string]string{
		"firstName": p.FirstName,
		"shopName":  m.Settings.ShopName,
		"email":     p.PendingEmail,
		"expiresAt": p.PendingEmailExpires,
	}), s.Realm.Page(m.LinkBase, "confirm-email"), now), nil)
}

// pendingExpired reports whether p's pending change can no longer be
// confirmed at now.
func pendingExpired(p *store.Person, now time.Time) bool {
	exp, err := time.Parse(time.RFC3339, p.PendingEmailExpires)
	return err != nil || !now.Before(exp)
}

// PendingEmailView is a pending change as the API shows it.
type PendingEmailView struct {
	Email     string `json:"email"`
	SentAt    string `json:"sentAt"`
	ExpiresAt string `json:"expiresAt"`
	Expired   bool   `json:"expired"`
}

// PendingView is p's pending change (nil: none).
func PendingView(p *store.Person, now time.Time) *PendingEmailView {
	if p.PendingEmail == "" {
		return nil
	}
	return &PendingEmailView{Email: p.PendingEmail, SentAt: p.PendingEmailSentAt, ExpiresAt: p.PendingEmailExpires, Expired: pendingExpired(p, now)}
}

// ResendEmailChange mails a new confirmation link for a's pending change
// (also an expired one, whose address it claims again: 409 email_taken when
// someone took it meanwhile); the old link dies. It answers the new expiry.
func (s *Service) ResendEmailChange(ctx context.Context, actor audit.Actor, a store.Account, linkBase string) (time.Time, error) {
	p := a.Base()
	if p.PendingEmail == "" {
		return time.Time{}, problem.Conflict.With("No change of the sign-in address is waiting.")
	}
	settings, err := Settings(ctx, s.Store)
	if err != nil {
		return time.Time{}, err
	}
	now := s.Now().UTC()
	prevHash, prevVersion := p.PendingEmailHash, p.Version
	link, err := outbox.NewLink()
	if err != nil {
		return time.Time{}, err
	}
	expires := now.Add(EmailChangeLifetime).Truncate(time.Second)
	p.PendingEmailHash, p.PendingEmailSentAt, p.PendingEmailExpires = link.Hash, now.Format(time.RFC3339), expires.Format(time.RFC3339)
	p.UpdatedAt, p.Version = now.Format(time.RFC3339), p.Version+1

	tx := s.Store.Tx()
	unchanged := expression.Name("version").Equal(expression.Value(prevVersion))
	a.Put(tx, &unchanged, problem.PreconditionFailed)
	if prevHash != "" {
		tx.Delete(store.TokenKey(prevHash), nil, nil)
	}
	mine := store.EmailFreeOrHeldBy(now, p.ID)
	tx.Put(store.NewPendingEmailClaim(s.Realm.Name, p.PendingEmail, p.ID, expires), &mine, problem.EmailTaken)
	s.queueConfirmation(tx, p, link, expires, now, Mailing{LinkBase: linkBase, Settings: settings})
	audit.New(actor, s.Realm.Action("resend_email_change"), s.Realm.Name, p.ID, "Sent a new confirmation link to "+p.PendingEmail, now).Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return time.Time{}, err
	}
	return expires, nil
}

// CancelEmailChange ends a's pending change: the link dies and the address
// is free again.
func (s *Service) CancelEmailChange(ctx context.Context, actor audit.Actor, a store.Account) error {
	p := a.Base()
	if p.PendingEmail == "" {
		return problem.Conflict.With("No change of the sign-in address is waiting.")
	}
	now := s.Now().UTC()
	prev := *p
	p.PendingEmail, p.PendingEmailHash, p.PendingEmailSentAt, p.PendingEmailExpires = "", "", "", ""
	p.UpdatedAt, p.Version = now.Format(time.RFC3339), p.Version+1

	tx := s.Store.Tx()
	unchanged := expression.Name("version").Equal(expression.Value(prev.Version))
	a.Put(tx, &unchanged, problem.PreconditionFailed)
	s.dropPending(tx, &prev, "", now)
	ev := audit.New(actor, s.Realm.Action("cancel_email_change"), s.Realm.Name, p.ID, "Cancelled the change of the sign-in address to "+prev.PendingEmail, now)
	ev.Changes = audit.Diff(map[string]any{"pendingEmail": prev.PendingEmail}, nil)
	ev.Add(tx)
	return s.Store.Write(ctx, tx)
}

// DropEmailChange adds to tx what deleting p leaves of a pending change:
// its link and its claim.
func (s *Service) DropEmailChange(tx *store.Tx, p *store.Person) {
	s.dropPending(tx, p, "", s.Now())
}

// Confirmed is the answer of a confirmation.
type Confirmed struct {
	Email string `json:"email"`
}

// ConfirmEmail makes a pending change happen with its link's token: the
// token is claimed first (of two parallel confirmations one goes on), the
// Cognito address moves (a taken address is refused there too), then one
// transaction moves the profile, the claims and the auth record's copy,
// ends every session of the person (tokensNotBefore), uses the token,
// tells the old address and audits. A failed transaction moves the Cognito
// address back and releases the token, so the link can be used again.
func (s *Service) ConfirmEmail(ctx context.Context, raw string, client audit.Actor) (*Confirmed, error) {
	tok, a, settings, err := s.liveEmailToken(ctx, raw)
	if err != nil {
		return nil, err
	}
	client.Retention = settings.AuditRetention()
	claimID := ids.New()
	if err := s.claim(ctx, tok, claimID); err != nil {
		return nil, err
	}
	if err := s.confirm(ctx, tok, a, settings, claimID, client); err != nil {
		s.release(ctx, tok, claimID)
		return nil, err
	}
	return &Confirmed{Email: a.Base().Email}, nil
}

// liveEmailToken finds a confirmation token and its person, or answers
// invalid_token for unknown, used, expired and replaced tokens alike, for a
// person who is not (or no longer) waiting for that change, and for
// another realm's tokens.
func (s *Service) liveEmailToken(ctx context.Context, raw string) (*store.Token, store.Account, *store.Settings, error) {
	if !tokens.WellFormed(raw) {
		return nil, nil, nil, problem.InvalidToken
	}
	hash := tokens.Hash(raw)
	var tok store.Token
	err := s.Store.Get(ctx, store.TokenKey(hash), &tok, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, problem.InvalidToken
	}
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.Now()
	exp, _ := time.Parse(time.RFC3339, tok.ExpiresAt)
	if tok.Kind != store.TokenEmailChange || tok.Realm != s.Realm.Name || tok.UsedAt != "" || !now.Before(exp) {
		return nil, nil, nil, problem.InvalidToken
	}
	profileKey := store.ProfileKey(s.Realm.Name, tok.SubjectID)
	items, err := s.Store.BatchGet(ctx, []store.Key{profileKey, store.SettingsKey()}, true)
	if err != nil {
		return nil, nil, nil, err
	}
	a := s.Realm.newProfile()
	if err := DecodeFound(items, profileKey, a); err != nil {
		return nil, nil, nil, problem.InvalidToken
	}
	var settings store.Settings
	_ = DecodeFound(items, store.SettingsKey(), &settings)
	p := a.Base()
	signedIn := p.Status == store.StatusActive || p.Status == store.StatusInactive
	if !signedIn || p.Sub == "" || p.PendingEmail == "" || p.PendingEmailHash != hash || pendingExpired(p, now) {
		return nil, nil, nil, problem.InvalidToken
	}
	return &tok, a, &settings, nil
}

func (s *Service) confirm(ctx context.Context, tok *store.Token, a store.Account, settings *store.Settings, claimID string, client audit.Actor) error {
	p := a.Base()
	prev, next := p.Email, p.PendingEmail
	if err := s.Dir.ChangeEmail(ctx, UserOf(p), next); err != nil {
		if errors.Is(err, directory.ErrEmailTaken) {
			return problem.EmailTaken
		}
		return err
	}

	now := s.Now().UTC()
	prevVersion, hash := p.Version, p.PendingEmailHash
	p.Email = next
	p.PendingEmail, p.PendingEmailHash, p.PendingEmailSentAt, p.PendingEmailExpires = "", "", "", ""
	p.UpdatedAt, p.Version = now.Format(time.RFC3339), p.Version+1

	tx := s.Store.Tx()
	unchanged := expression.Name("version").Equal(expression.Value(prevVersion)).
		And(expression.Name("pendingEmailHash").Equal(expression.Value(hash)))
	a.Put(tx, &unchanged, problem.Conflict.With("The account changed meanwhile; try again."))
	oldClaim := expression.AttributeNotExists(expression.Name("pk")).Or(store.HeldBy(p.ID))
	tx.Delete(store.EmailKey(s.Realm.Name, prev), &oldClaim, problem.Conflict.With("The account changed meanwhile; try again."))
	newClaim := store.HeldBy(p.ID) // the pending claim, made permanent
	tx.Put(store.NewEmailClaim(s.Realm.Name, next, p.ID), &newClaim, problem.EmailTaken)
	tx.Update(store.AuthKey(p.Sub), expression.
		Set(expression.Name("email"), expression.Value(next)).
		Set(expression.Name("tokensNotBefore"), expression.Value(now.Unix())), existsCond(), problem.InvalidToken)
	useToken(tx, tok, claimID, now)
	tx.PutNew(outbox.NewItem(ids.New(), "email-changed", p.Locale, prev, s.Realm.mailData(map[string]string{
		"firstName": p.FirstName,
		"shopName":  settings.ShopName,
		"email":     prev,
		"newEmail":  next,
		"changedAt": now.Format(time.RFC3339),
	}), now), nil)
	actor := client
	actor.ID, actor.Email = p.ID, next
	ev := audit.New(actor, s.Realm.Action("confirm_email_change"), s.Realm.Name, p.ID, "Confirmed the new sign-in address "+next, now)
	ev.Changes = audit.Diff(map[string]any{"email": prev, "pendingEmail": next}, map[string]any{"email": next})
	ev.Add(tx)
	err := s.Store.Write(ctx, tx)
	if err != nil {
		if rerr := s.Dir.ChangeEmail(context.WithoutCancel(ctx), UserOf(p), prev); rerr != nil {
			slog.ErrorContext(ctx, "moving the Cognito email back failed; the link still works and a retry mends it", "personId", p.ID, "error", rerr.Error())
		}
	}
	return err
}
