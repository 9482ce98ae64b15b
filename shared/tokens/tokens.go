// Package tokens makes the secrets sent in mail links and hashes them for
// storage: only the SHA-256 of a token is ever written anywhere. The tokens
// of mail links are derived from a secret key and the mail's outbox id
// (LinkKey), so not even the queued mail holds one.
package tokens

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// New returns a random 256-bit token (base64url, no padding) and its hash.
func New() (raw, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux (Go 1.24+ panics instead)
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, Hash(raw)
}

// Hash is the hex SHA-256 of a token, the form in which it is stored.
func Hash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// WellFormed reports whether raw can be a token made by New, so garbage is
// refused without a database read.
func WellFormed(raw string) bool {
	if len(raw) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(raw)
	return err == nil
}

// LinkKey derives the tokens of mail links: the raw token of the link in
// outbox mail <id> is base64url(HMAC-SHA256(key, "mail-link:" + id)), so
// no item ever holds it. The issuing function stores only its Hash (in the
// token item and the profile) and the mail sender derives it again when it
// renders the mail. ID names the key on the outbox item, so a mail queued
// before a rotation is still sent with the key that made its token.
type LinkKey struct {
	ID  string
	key []byte
}

// MinLinkKeyLen is the shortest key accepted (32 characters: 192 bits as
// base64url; scripts/deploy.sh makes 43).
const MinLinkKeyLen = 32

// ParseLinkKeys reads the value of the mail token key parameter: one or
// more keys separated by white space, the first deriving new links (as
// the cursor keys: README "Rotating secrets").
func ParseLinkKeys(value string) ([]LinkKey, error) {
	var keys []LinkKey
	for _, k := range strings.Fields(value) {
		if len(k) < MinLinkKeyLen {
			return nil, fmt.Errorf("mail token key: a key of %d characters, want at least %d", len(k), MinLinkKeyLen)
		}
		keys = append(keys, NewLinkKey([]byte(k)))
	}
	if len(keys) == 0 {
		return nil, errors.New("mail token key: no key")
	}
	return keys, nil
}

// NewLinkKey is a key with its id: the first 8 bytes, hex, of
// HMAC-SHA256(key, "mail-link-key-id"), which tells nothing of the key.
func NewLinkKey(key []byte) LinkKey {
	return LinkKey{ID: hex.EncodeToString(mac(key, "mail-link-key-id")[:8]), key: key}
}

// Derive returns the raw token of the link in outbox mail outboxID and its
// Hash.
func (k LinkKey) Derive(outboxID string) (raw, hash string) {
	raw = base64.RawURLEncoding.EncodeToString(mac(k.key, "mail-link:"+outboxID))
	return raw, Hash(raw)
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
