package session

import (
	"os"
	"strconv"
	"time"

	"backoffice/shared/ratelimit"
	"backoffice/shared/tokens"
)

// Limits bound sign-in attempts per email and per source IP. The IP limit is
// generous: a whole office may sit behind one address.
type Limits struct {
	PerEmail int
	PerIP    int
	Window   time.Duration
}

// DefaultLimits follow the contract (infra/openapi.yaml): 5 failures per email in 15 minutes.
var DefaultLimits = Limits{PerEmail: 5, PerIP: 100, Window: ratelimit.DefaultWindow}

// rules are the limits of a sign-in: the email's first, the IP's second.
// Emails are hashed: counters for addresses nobody owns should not store them.
func (l Limits) rules(email, ip string) []ratelimit.Rule {
	return []ratelimit.Rule{
		{Scope: "login-email", Key: tokens.Hash(email)[:32], Limit: l.PerEmail},
		{Scope: "login-ip", Key: ip, Limit: l.PerIP},
	}
}

// LimitsFromEnv reads LOGIN_LIMIT_PER_EMAIL and LOGIN_LIMIT_PER_IP over the
// defaults; the IP limit must suit the biggest office behind one address.
func LimitsFromEnv() Limits {
	l := DefaultLimits
	if n, err := strconv.Atoi(os.Getenv("LOGIN_LIMIT_PER_EMAIL")); err == nil && n > 0 {
		l.PerEmail = n
	}
	if n, err := strconv.Atoi(os.Getenv("LOGIN_LIMIT_PER_IP")); err == nil && n > 0 {
		l.PerIP = n
	}
	return l
}
