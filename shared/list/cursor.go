// Package list pages through sorted, filtered and searched lists of items
// kept in per-status partitions of a GSI, with Queries only: the read cost
// of a page depends on the page size, never on the table size.
package list

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"backoffice/shared/problem"
)

// Signer makes cursors opaque and tamper-proof: a cursor is JSON signed with
// HMAC-SHA256, so a changed byte answers 400 invalid_cursor instead of
// reaching DynamoDB as an arbitrary start key.
//
// A Signer holds one or more keys: the first signs, every one verifies, so
// a key can be rotated without breaking the cursors of lists being walked
// (shared/secret loads them; README "Rotating secrets").
type Signer struct{ ring *keyring }

type keyring struct {
	load func() ([]string, error) // nil once keys are known

	mu   sync.Mutex
	keys [][]byte
}

// NewSigner signs with the first key and accepts cursors signed by any.
func NewSigner(keys ...string) Signer {
	r := &keyring{}
	for _, k := range keys {
		r.keys = append(r.keys, []byte(k))
	}
	return Signer{ring: r}
}

// NewLazySigner loads its keys on first use, so only a request that pages
// pays for fetching them. A failed load is not remembered: the next
// request tries again.
func NewLazySigner(load func() ([]string, error)) Signer {
	return Signer{ring: &keyring{load: load}}
}

func (r *keyring) get() ([][]byte, error) {
	if r == nil {
		return nil, errors.New("cursor signer without keys")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.load != nil {
		keys, err := r.load()
		if err != nil {
			return nil, fmt.Errorf("cursor keys: %w", err)
		}
		for _, k := range keys {
			if k != "" {
				r.keys = append(r.keys, []byte(k))
			}
		}
		if len(r.keys) == 0 {
			return nil, errors.New("cursor keys: none configured")
		}
		r.load = nil
	}
	if len(r.keys) == 0 {
		return nil, errors.New("cursor signer without keys")
	}
	return r.keys, nil
}

func mac(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// Encode signs v into a cursor string.
func (s Signer) Encode(v any) (string, error) {
	keys, err := s.ring.get()
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(mac(keys[0], payload)), nil
}

// Decode verifies a cursor and decodes it into v. A cursor that fails the
// check is problem.InvalidCursor; keys that can not be loaded are an
// internal error (500), not the client's fault.
func (s Signer) Decode(cursor string, v any) error {
	keys, err := s.ring.get()
	if err != nil {
		return err
	}
	p, m, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 4096 {
		return problem.InvalidCursor
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	sum, err2 := base64.RawURLEncoding.DecodeString(m)
	if err1 != nil || err2 != nil || !signedByOneOf(keys, payload, sum) {
		return problem.InvalidCursor
	}
	if err := json.Unmarshal(payload, v); err != nil {
		return problem.InvalidCursor
	}
	return nil
}

func signedByOneOf(keys [][]byte, payload, sum []byte) bool {
	for _, k := range keys {
		if hmac.Equal(sum, mac(k, payload)) {
			return true
		}
	}
	return false
}
