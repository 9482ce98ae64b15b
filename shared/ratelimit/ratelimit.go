// Package ratelimit bounds attempts (sign-ins, password checks, reset mails)
// with counters in the table. An attempt is reserved before the work it
// guards, with a conditional ADD: of any number of parallel attempts at most
// the limit get through, and a refused one counts nothing.
package ratelimit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// DefaultWindow is the window of every limit unless a Limiter says otherwise.
const DefaultWindow = 15 * time.Minute

// Rule is one limit: at most Limit attempts per window for Key in Scope
// (e.g. scope "login-ip", key the address). Scope becomes part of the
// counter's partition key (RATE#<scope>#<key>), which IAM policies name.
type Rule struct {
	Scope, Key string
	Limit      int
}

// Limiter counts attempts in fixed windows and estimates a sliding window
// from the current and the previous one, so a burst at a window's edge does
// not double the allowance.
type Limiter struct {
	Store  *store.Store
	Window time.Duration // DefaultWindow when zero
}

func (l Limiter) window() time.Duration { return cmp.Or(l.Window, DefaultWindow) }

// WindowAt is the number of the fixed window now falls in and how far into
// it now is (0 to 1).
func (l Limiter) WindowAt(now time.Time) (current int64, elapsed float64) {
	w := int64(l.window() / time.Second)
	sec := now.Unix()
	return sec / w, float64(sec%w) / float64(w)
}

// Reservation is one attempt counted under some rules.
type Reservation struct {
	window int64
	rules  []Rule
}

// Allowed is how many attempts the current window may still hold for a rule
// whose previous window counted prev, elapsed into the current one: the
// sliding estimate current + prev·(1-elapsed) must stay below the limit.
func Allowed(limit int, prev, elapsed float64) int64 {
	return int64(math.Ceil(float64(limit) - prev*(1-elapsed)))
}

// Reserve counts one attempt under every rule, or none: when any rule is at
// its limit it answers 429 rate_limited with the seconds until the window
// moves on. One read (the previous windows), then per rule one UpdateItem
// whose condition is the room left: single-item writes, so parallel
// attempts queue on the counter instead of failing as conflicting
// transactions. A rule refused after an earlier one counted gives that
// count back (if even that fails, the attempt stays counted: the safe side).
func (l Limiter) Reserve(ctx context.Context, now time.Time, rules ...Rule) (*Reservation, error) {
	cur, elapsed := l.WindowAt(now)
	keys := make([]store.Key, 0, len(rules))
	for _, r := range rules {
		keys = append(keys, store.RateKey(r.Scope, r.Key, cur-1))
	}
	items, err := l.Store.BatchGet(ctx, keys, true)
	if err != nil {
		return nil, fmt.Errorf("read rate counters: %w", err)
	}
	wait := time.Duration((1 - elapsed) * float64(l.window()))
	limited := problem.RateLimitedFor(int(math.Ceil(wait.Seconds())))
	res := &Reservation{window: cur}
	for _, r := range rules {
		allowed := Allowed(r.Limit, Count(items, store.RateKey(r.Scope, r.Key, cur-1)), elapsed)
		if allowed > 0 {
			room := expression.AttributeNotExists(expression.Name("count")).
				Or(expression.Name("count").LessThan(expression.Value(allowed)))
			err = l.update(ctx, store.RateKey(r.Scope, r.Key, cur), 1, now, &room)
		}
		var failed *types.ConditionalCheckFailedException
		switch {
		case allowed <= 0 || errors.As(err, &failed):
			err = limited
		case err != nil:
			err = fmt.Errorf("count an attempt: %w", err)
		default:
			res.rules = append(res.rules, r)
			continue
		}
		l.giveBack(ctx, res, now)
		return nil, err
	}
	return res, nil
}

// GiveBack undoes a reservation whose attempt never happened (the work it
// guarded failed for reasons of its own, e.g. Cognito being down).
func (l Limiter) GiveBack(ctx context.Context, res *Reservation, now time.Time) {
	if res != nil {
		l.giveBack(ctx, res, now)
	}
}

// giveBack undoes the counts of a reservation that did not get through.
func (l Limiter) giveBack(ctx context.Context, res *Reservation, now time.Time) {
	for _, r := range res.rules {
		if err := l.update(context.WithoutCancel(ctx), store.RateKey(r.Scope, r.Key, res.window), -1, now, nil); err != nil {
			slog.WarnContext(ctx, "giving back a rate limit count failed; it stays counted", "scope", r.Scope, "error", err.Error())
		}
	}
}

// update adds delta to a counter (creating it), under cond.
func (l Limiter) update(ctx context.Context, k store.Key, delta int, now time.Time, cond *expression.ConditionBuilder) error {
	b := expression.NewBuilder().WithUpdate(l.counting(delta, now))
	if cond != nil {
		b = b.WithCondition(*cond)
	}
	ex, err := b.Build()
	if err != nil {
		return err
	}
	_, err = l.Store.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(l.Store.Table), Key: k.AV(),
		UpdateExpression: ex.Update(), ConditionExpression: ex.Condition(),
		ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
	})
	return err
}

// counting adds delta to a counter and keeps it three windows.
func (l Limiter) counting(delta int, now time.Time) expression.UpdateBuilder {
	return expression.Add(expression.Name("count"), expression.Value(delta)).
		Set(expression.Name("ttl"), expression.Value(now.Add(3*l.window()).Unix())).
		Set(expression.Name("type"), expression.Value("RateCounter"))
}

// Release gives the attempt back under rule (one of the reserved ones), in
// tx: an attempt that succeeded does not count against, say, its address.
func (l Limiter) Release(tx *store.Tx, r *Reservation, now time.Time, rule Rule) {
	tx.Update(store.RateKey(rule.Scope, rule.Key, r.window), l.counting(-1, now), nil, nil)
}

// Clear forgets every attempt under rule (this window and the previous
// one), in tx: a successful sign-in wipes the failures of its account.
func (l Limiter) Clear(tx *store.Tx, now time.Time, rule Rule) {
	cur, _ := l.WindowAt(now)
	tx.Delete(store.RateKey(rule.Scope, rule.Key, cur), nil, nil)
	tx.Delete(store.RateKey(rule.Scope, rule.Key, cur-1), nil, nil)
}

// Count reads the count of the counter at k from a BatchGet answer (0 when
// absent).
func Count(items map[store.Key]map[string]store.AttributeValue, k store.Key) float64 {
	var c struct {
		Count int `dynamodbav:"count"`
	}
	if raw, ok := items[k]; ok {
		_ = store.Unmarshal(raw, &c)
	}
	return float64(c.Count)
}
