package tokens

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	raw, hash := New()
	if !WellFormed(raw) || Hash(raw) != hash || len(hash) != 64 {
		t.Fatalf("raw %q hash %q", raw, hash)
	}
	other, _ := New()
	if other == raw {
		t.Fatal("tokens repeat")
	}
	for _, bad := range []string{"", "abc", raw + "x", raw[:42] + "!"} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q)", bad)
		}
	}
}

// The derivation is HMAC-SHA256(key, "mail-link:" + outbox id), base64url:
// a token the pages accept (WellFormed), the same for the same key and id,
// different for another id or key, and matching an independent computation.
func TestLinkKeyDerive(t *testing.T) {
	keys, err := ParseLinkKeys(" k1-0123456789abcdef0123456789abcdef \n k2-0123456789abcdef0123456789abcdef ")
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %v, err %v", keys, err)
	}
	k1, k2 := keys[0], keys[1]
	raw, hash := k1.Derive("01JABCDEF")
	if !WellFormed(raw) || hash != Hash(raw) {
		t.Fatalf("raw %q hash %q", raw, hash)
	}
	m := hmac.New(sha256.New, []byte("k1-0123456789abcdef0123456789abcdef"))
	m.Write([]byte("mail-link:01JABCDEF"))
	if want := base64.RawURLEncoding.EncodeToString(m.Sum(nil)); raw != want {
		t.Fatalf("derived %q, want %q", raw, want)
	}
	if again, _ := k1.Derive("01JABCDEF"); again != raw {
		t.Fatal("derivation is not stable")
	}
	if other, _ := k1.Derive("01JABCDEG"); other == raw {
		t.Fatal("another mail gets the same token")
	}
	if other, _ := k2.Derive("01JABCDEF"); other == raw {
		t.Fatal("another key gives the same token")
	}
	if k1.ID == k2.ID || len(k1.ID) != 16 || NewLinkKey([]byte("k1-0123456789abcdef0123456789abcdef")).ID != k1.ID {
		t.Fatalf("key ids %q %q", k1.ID, k2.ID)
	}
	if strings.Contains(k1.ID, "k1-") {
		t.Fatal("the key id shows the key")
	}
}

func TestParseLinkKeysRefusesWeakOrNone(t *testing.T) {
	for _, v := range []string{"", "  \n", "short", "k1-0123456789abcdef0123456789abcdef short"} {
		if _, err := ParseLinkKeys(v); err == nil {
			t.Errorf("ParseLinkKeys(%q) took it", v)
		}
	}
}
