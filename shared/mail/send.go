package mail

import (
	"context"
	"errors"
	"net/mail"
)

// Email is one mail to one recipient.
type Email struct {
	From, To, Subject, Text, HTML string
}

// Sender delivers an email and returns the provider's message id.
type Sender interface {
	Send(ctx context.Context, e Email) (messageID string, err error)
}

// ErrUndeliverable marks a send error that no retry can change: the mail
// service refused this message or address for good (SES: MessageRejected,
// an unverified MAIL FROM domain, a bad request). The outbox parks such a
// mail as failed instead of retrying it, so it does not hold up the stream.
var ErrUndeliverable = errors.New("mail refused for good")

// FromAddress builds a From header value showing name, e.g. the shop's name,
// in front of address. A non-ASCII name is RFC 2047-encoded, which SES
// requires ("Bäckerei Müller" would otherwise be rejected or garbled).
// address may itself be "Name <addr>": its name is used when name is empty.
func FromAddress(name, address string) string {
	a := &mail.Address{Address: address}
	if parsed, err := mail.ParseAddress(address); err == nil {
		a = parsed
	}
	if name != "" {
		a.Name = name
	}
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}
