// Package tokens makes the secrets sent in mail links and hashes them for
// storage: only the SHA-256 of a token is ever written anywhere.
package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
