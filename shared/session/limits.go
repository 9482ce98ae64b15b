package session

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/tokens"
)

// Limits bound failed logins per email and per source IP. The IP limit is
// generous: a whole office may sit behind one address.
type Limits struct {
	PerEmail int
	PerIP    int
	Window   time.Duration
}

// DefaultLimits follow API.md: 5 failures per email in 15 minutes.
var DefaultLimits = Limits{PerEmail: 5, PerIP: 100, Window: 15 * time.Minute}

// limiter counts failures in fixed windows and estimates a sliding window
// from the current and previous one, so a burst at a window edge does not
// double the allowance.
type limiter struct {
	store  *store.Store
	limits Limits
}

type subject struct {
	scope, key string
	limit      int
}

func (l limiter) subjects(email, ip string) []subject {
	// Emails are hashed: counters for addresses nobody owns should not store them.
	return []subject{
		{"login-email", tokens.Hash(email)[:32], l.limits.PerEmail},
		{"login-ip", ip, l.limits.PerIP},
	}
}

func (l limiter) window(now time.Time) (current int64, elapsed float64) {
	w := int64(cmp.Or(l.limits.Window, DefaultLimits.Window) / time.Second)
	sec := now.Unix()
	return sec / w, float64(sec%w) / float64(w)
}

// check answers 429 when either subject is over its limit.
func (l limiter) check(ctx context.Context, now time.Time, email, ip string) error {
	cur, elapsed := l.window(now)
	subjects := l.subjects(email, ip)
	var keys []store.Key
	for _, s := range subjects {
		keys = append(keys, store.RateKey(s.scope, s.key, cur), store.RateKey(s.scope, s.key, cur-1))
	}
	items, err := l.store.BatchGet(ctx, keys, true)
	if err != nil {
		return fmt.Errorf("read rate counters: %w", err)
	}
	for _, s := range subjects {
		c := count(items, store.RateKey(s.scope, s.key, cur))
		p := count(items, store.RateKey(s.scope, s.key, cur-1))
		if c+p*(1-elapsed) >= float64(s.limit) {
			wait := time.Duration((1 - elapsed) * float64(l.limits.Window))
			return problem.RateLimitedFor(int(math.Ceil(wait.Seconds())))
		}
	}
	return nil
}

func count(items map[store.Key]map[string]store.AttributeValue, k store.Key) float64 {
	var c struct {
		Count int `dynamodbav:"count"`
	}
	if raw, ok := items[k]; ok {
		_ = store.Unmarshal(raw, &c)
	}
	return float64(c.Count)
}

// fail counts one failed attempt for both subjects.
func (l limiter) fail(ctx context.Context, now time.Time, email, ip string) error {
	cur, _ := l.window(now)
	expires := now.Add(3 * l.limits.Window).Unix()
	tx := l.store.Tx()
	for _, s := range l.subjects(email, ip) {
		tx.Update(store.RateKey(s.scope, s.key, cur),
			expression.Add(expression.Name("count"), expression.Value(1)).
				Set(expression.Name("ttl"), expression.Value(expires)).
				Set(expression.Name("type"), expression.Value("RateCounter")),
			nil, nil)
	}
	return l.store.Write(ctx, tx)
}

// clear forgets an email's failures after a successful login.
func (l limiter) clear(tx *store.Tx, now time.Time, email string) {
	cur, _ := l.window(now)
	s := l.subjects(email, "")[0]
	tx.Delete(store.RateKey(s.scope, s.key, cur), nil, nil)
	tx.Delete(store.RateKey(s.scope, s.key, cur-1), nil, nil)
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
