// Package ids makes resource ids: ULIDs, sortable by creation time and URL-safe.
package ids

import (
	"crypto/rand"
	"time"
)

// alphabet is Crockford's base32, as ULIDs use it.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// New returns a fresh ULID: 48 bits of milliseconds, 80 random bits, in 26
// base32 characters. Written out here rather than imported: the library
// sets up a random source at init, which every function paid at cold start
// for ids it makes with crypto/rand anyway.
func New() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic("ids: no randomness: " + err.Error())
	}
	return encode(b)
}

// encode writes 128 bits as 26 characters of 5 bits, the first holding the
// top 3 bits (two leading zero bits pad the number to 130).
func encode(b [16]byte) string {
	var out [26]byte
	for i := range out {
		var v byte
		for k := 0; k < 5; k++ {
			v <<= 1
			if bit := i*5 + k - 2; bit >= 0 && b[bit/8]>>(7-bit%8)&1 == 1 {
				v |= 1
			}
		}
		out[i] = alphabet[v]
	}
	return string(out[:])
}

// Valid reports whether s looks like an id this API made; anything else is
// answered 404 without a database read.
func Valid(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBase32(s[i]) {
			return false
		}
	}
	return true
}

func isBase32(c byte) bool {
	for i := 0; i < len(alphabet); i++ {
		if alphabet[i] == c {
			return true
		}
	}
	return false
}
