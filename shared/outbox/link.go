package outbox

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"backoffice/shared/awsenv"
	"backoffice/shared/ids"
	"backoffice/shared/secret"
	"backoffice/shared/tokens"
)

// Links in mails carry a single-use token (invitation, reset, a new
// address's confirmation). No item holds that token (issue 15, finding 7):
// it is derived from a secret key and the mail's outbox id
// (tokens.LinkKey), the issuing function stores only its hash, and the
// outbox item holds the link's page without the token plus the id of the
// key (linkKey). The sender derives the token again when it renders the
// mail. Whoever reads the table, its stream or a backup learns the outbox
// id, never the key, which lives in SSM Parameter Store
// (secret.MailTokenKeyParameterEnv) and only in the memory of the
// functions that issue or send such mails.

// Link is the token of a mail link to be queued: the id of its outbox
// mail, the id of the key it was derived with, and its hash, which is all
// the issuer stores.
type Link struct {
	OutboxID, KeyID, Hash string
}

// NewLink makes the link token of a new mail with the current key (the
// first of the parameter's keys), read at first use.
func NewLink() (Link, error) {
	keys, err := linkKeys.get()
	if err != nil {
		return Link{}, err
	}
	id := ids.New()
	_, hash := keys[0].Derive(id)
	return Link{OutboxID: id, KeyID: keys[0].ID, Hash: hash}, nil
}

// Item is the pending mail carrying the link: page is the link's address
// without the token (the sender appends "#token=<raw>").
func (l Link) Item(template, locale, to string, data map[string]string, page string, now time.Time) Item {
	data["link"] = page
	it := NewItem(l.OutboxID, template, locale, to, data, now)
	it.LinkKey = l.KeyID
	return it
}

// errKeyRetired marks a mail whose key is no longer in the parameter: no
// retry can send it (README "Rotating secrets").
var errKeyRetired = errors.New("the key of the mail's link is no longer configured")

// tokenLink is the link of it with its token, derived again.
func tokenLink(it *Item) (string, error) { return linkKeys.link(it) }

func (s *keySource) link(it *Item) (string, error) {
	keys, err := s.get()
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if k.ID == it.LinkKey {
			raw, _ := k.Derive(it.ID)
			return it.Data["link"] + "#token=" + raw, nil
		}
	}
	return "", fmt.Errorf("%w (key %s)", errKeyRetired, it.LinkKey)
}

// keySource holds the link keys of the process, loaded on first use. A
// failed load is not remembered: the next mail tries again.
type keySource struct {
	mu   sync.Mutex
	load func() (string, error)
	keys []tokens.LinkKey
}

var linkKeys = &keySource{load: parameterKeys}

// parameterKeys reads the parameter secret.MailTokenKeyParameterEnv names.
func parameterKeys() (string, error) {
	name := os.Getenv(secret.MailTokenKeyParameterEnv)
	if name == "" {
		return "", errors.New("missing environment variable " + secret.MailTokenKeyParameterEnv)
	}
	return secret.Parameter(awsenv.Config(), name)
}

// UseLinkKeys makes load the source of this process's link keys (the
// value of the parameter: keys separated by white space), read at first
// use. Functions need not call it: they read the parameter the
// environment names. Operator tools (infra/cmd/owner-invite) and tests
// that queue or send mails themselves do.
func UseLinkKeys(load func() (string, error)) {
	linkKeys.mu.Lock()
	defer linkKeys.mu.Unlock()
	linkKeys.load, linkKeys.keys = load, nil
}

func (s *keySource) get() ([]tokens.LinkKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys != nil {
		return s.keys, nil
	}
	v, err := s.load()
	if err != nil {
		return nil, fmt.Errorf("mail token key: %w", err)
	}
	keys, err := tokens.ParseLinkKeys(v)
	if err != nil {
		return nil, err
	}
	s.keys = keys
	return keys, nil
}
