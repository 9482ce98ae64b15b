package outbox

import (
	"context"
	"log/slog"
	"strings"
)

// logMail writes the one line per mail an operator searches for. It names
// the recipient's domain only and never the link: addresses are personal
// data and the link is a live credential.
func (b *batch) logMail(ctx context.Context, level slog.Level, it *Item, messageID, status, detail string) {
	attrs := []slog.Attr{
		slog.String("outboxId", it.ID),
		slog.String("template", it.Template),
		slog.String("locale", it.Locale),
		slog.String("recipientDomain", domain(it.To)),
		slog.String("status", status),
	}
	if messageID != "" {
		attrs = append(attrs, slog.String("messageId", messageID))
	}
	if detail != "" {
		attrs = append(attrs, slog.String("detail", detail))
	}
	b.log.LogAttrs(ctx, level, "mail", attrs...)
}

func domain(address string) string {
	if i := strings.LastIndexByte(address, '@'); i >= 0 {
		return strings.ToLower(address[i+1:])
	}
	return ""
}

// redact hides the recipient in an error message: SES names the addresses
// it rejects ("… identities failed the check …").
func redact(msg, address string) string {
	if address == "" {
		return msg
	}
	hidden := "***@" + domain(address)
	msg = strings.ReplaceAll(msg, address, hidden)
	return strings.ReplaceAll(msg, strings.ToLower(address), hidden)
}
