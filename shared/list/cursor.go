// Package list pages through sorted, filtered and searched lists of items
// kept in per-status partitions of a GSI, with Queries only: the read cost
// of a page depends on the page size, never on the table size.
package list

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"

	"backoffice/shared/problem"
)

// Signer makes cursors opaque and tamper-proof: a cursor is JSON signed with
// HMAC-SHA256, so a changed byte answers 400 invalid_cursor instead of
// reaching DynamoDB as an arbitrary start key.
type Signer struct{ key []byte }

// NewSigner signs with key.
func NewSigner(key string) Signer { return Signer{key: []byte(key)} }

func (s Signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// Encode signs v into a cursor string.
func (s Signer) Encode(v any) (string, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload)), nil
}

// Decode verifies a cursor and decodes it into v.
func (s Signer) Decode(cursor string, v any) error {
	p, m, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 4096 {
		return problem.InvalidCursor
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(payload)) {
		return problem.InvalidCursor
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return problem.InvalidCursor
	}
	return nil
}

// SignerFromEnv signs with CURSOR_SECRET. Until the secret comes from SSM
// (the operations issue), a deployment without it falls back to a key
// derived from its table name: cursors are then opaque and checked, but a
// determined client who guesses the scheme could forge one; forged cursors
// still only page within the partition the query names.
func SignerFromEnv() Signer {
	if key := os.Getenv("CURSOR_SECRET"); key != "" {
		return NewSigner(key)
	}
	return NewSigner("backoffice-cursor:" + os.Getenv("TABLE_NAME"))
}
