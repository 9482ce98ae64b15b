// Package mail renders the transactional mails (invitation, password reset,
// password changed, sign-in address changes) from embedded templates per locale, and names what
// sends them (Sender; package mail/ses is the SES one). Every mail has a
// plain-text and an HTML part with the same content, so it reads well in
// any client and its link works in both.
package mail

// Templates that Render knows.
const (
	Invitation      = "invitation"
	PasswordReset   = "password-reset"
	PasswordChanged = "password-changed"
	// EmailChanged goes to the old address when a person's sign-in
	// address changes, so a takeover does not pass unnoticed.
	EmailChanged = "email-changed"
	// EmailConfirm goes to a requested new sign-in address: its link
	// (the confirm-email page) is what makes the change happen.
	EmailConfirm = "email-confirm"
	// EmailChangeRequested tells the current address that a change to
	// another one was asked for and waits for that address's confirmation.
	EmailChangeRequested = "email-change-requested"
)

// Locales that have templates; anything else is rendered in DefaultLocale.
var Locales = []string{"nl", "en", "de"}

// DefaultLocale is used for an unknown or empty locale.
const DefaultLocale = "en"

// Message is what to render: a template, a locale and its data. Data keys:
// firstName, inviterName, shopName, email, link, expiresAt (RFC 3339) and,
// for password-changed, email-changed and email-change-requested,
// changedAt (RFC 3339); for email-changed and email-change-requested,
// newEmail; audience "customer" words the
// mail for a customer (their portal) instead of staff (the backoffice). Empty values leave out the
// sentence that needs them; link is required for invitation, reset and
// email-confirm.
type Message struct {
	Template, Locale string
	Data             map[string]string
}

// Rendered is a mail ready to send.
type Rendered struct {
	Subject, Text, HTML string
}
