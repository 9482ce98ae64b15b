package session

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"backoffice/shared/directory"
)

// accessClaims are the fields of a Cognito access token the API needs.
type accessClaims struct {
	Sub      string `json:"sub"`
	Username string `json:"username"`
	JTI      string `json:"jti"`
	AuthTime int64  `json:"auth_time"`
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
}

// issued is when the person authenticated; the emulator may lack auth_time.
func (c accessClaims) issued() int64 {
	if c.AuthTime != 0 {
		return c.AuthTime
	}
	return c.IssuedAt
}

// readClaims decodes a token that came straight from Cognito over TLS, so
// its signature needs no check here (API Gateway checks it on later calls).
func readClaims(token string) (accessClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return accessClaims{}, errors.New("access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return accessClaims{}, err
	}
	var c accessClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return accessClaims{}, err
	}
	if c.Sub == "" || c.issued() == 0 {
		return accessClaims{}, errors.New("access token lacks sub or auth_time")
	}
	return c, nil
}

// withExpiresIn fills in ExpiresIn from the token's exp when Cognito left it
// out (cognito-local always does), so clients can schedule the refresh.
func withExpiresIn(t directory.Tokens, c accessClaims, now time.Time) directory.Tokens {
	if t.ExpiresIn <= 0 && c.Expires > now.Unix() {
		t.ExpiresIn = int32(c.Expires - now.Unix())
	}
	return t
}
