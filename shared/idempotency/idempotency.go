// Package idempotency makes POSTs that create things or send mail safe to
// retry: with an Idempotency-Key header, the first answer is stored for 24
// hours and a repeat of the same request gets that answer again, without
// doing anything a second time.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/api"
	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Lifetime is how long a key is remembered (infra/openapi.yaml: 24 h).
const Lifetime = 24 * time.Hour

// record is a key's reservation and, once done, its answer.
type record struct {
	PK          string            `dynamodbav:"pk"`
	SK          string            `dynamodbav:"sk"`
	Type        string            `dynamodbav:"type"`
	Fingerprint string            `dynamodbav:"fingerprint"`
	Done        bool              `dynamodbav:"done"`
	Status      int               `dynamodbav:"status,omitempty"`
	Headers     map[string]string `dynamodbav:"headers,omitempty"`
	Body        string            `dynamodbav:"body,omitempty"`
	Started     int64             `dynamodbav:"started"`
	TTL         int64             `dynamodbav:"ttl"`
}

// abandoned is when an unfinished reservation counts as a crashed request:
// no request outlives API Gateway's 30 s limit.
const abandoned = time.Minute

func key(callerID, k string) store.Key {
	return store.Key{PK: "IDEM#" + callerID + "#" + k, SK: "IDEM"}
}

// Once wraps h. Keys are scoped to the caller, and bound to the method, path
// and body: the same key with another request is a 422.
func Once(db *store.Store, h auth.ProtectedFunc) auth.ProtectedFunc {
	return func(ctx context.Context, req api.Request, c *auth.Caller) (api.Response, error) {
		k := api.Header(req, "idempotency-key")
		if k == "" {
			return h(ctx, req, c)
		}
		if text.HasControl(k) {
			return api.Response{}, problem.Invalid(problem.ControlCharacters("Idempotency-Key"))
		}
		if len(k) > 255 {
			return api.Response{}, problem.Invalid(problem.TooLong("Idempotency-Key", 255))
		}
		body, err := api.Body(req)
		if err != nil {
			return api.Response{}, err
		}
		sum := sha256.Sum256([]byte(req.RouteKey + "\n" + req.RawPath + "\n" + string(body)))
		fp := hex.EncodeToString(sum[:])
		rk := key(c.PersonID, k)

		if resp, replay, err := reserve(ctx, db, rk, fp); err != nil || replay {
			return resp, err
		}
		resp, herr := h(ctx, req, c)
		if herr != nil {
			if p, ok := problem.As(herr); ok && p.Status < 500 {
				resp = api.Problem(p) // a refusal is an answer too: repeat it
			} else {
				release(ctx, db, rk)
				return resp, herr
			}
		}
		if err := finish(ctx, db, rk, resp); err != nil {
			// The work is done; failing now would invite a retry that the
			// unfinished key then blocks until it counts as abandoned.
			api.Logger(ctx).Error("idempotency: storing the answer failed", "error", err.Error())
		}
		return resp, nil
	}
}

// Tag names a request made with an Idempotency-Key, for work that marks
// what it did with it so that a retry of an interrupted request (whose
// answer was never stored) skips what is done: the same caller's same key
// always gives the same tag, and another key or caller another. "" without
// a key.
func Tag(req api.Request, callerID string) string {
	k := api.Header(req, "idempotency-key")
	if k == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(callerID + "\n" + k))
	return hex.EncodeToString(sum[:16])
}

// reserve claims the key, or finds the stored answer to replay.
func reserve(ctx context.Context, db *store.Store, k store.Key, fp string) (api.Response, bool, error) {
	now := time.Now()
	tx := db.Tx()
	tx.PutNew(record{PK: k.PK, SK: k.SK, Type: "IdempotencyKey", Fingerprint: fp, Started: now.Unix(), TTL: now.Add(Lifetime).Unix()}, problem.Conflict)
	err := db.Write(ctx, tx)
	if err == nil {
		return api.Response{}, false, nil
	}
	if !errors.Is(err, problem.Conflict) {
		return api.Response{}, false, err
	}
	var r record
	if err := db.Get(ctx, k, &r, true); err != nil {
		return api.Response{}, false, err
	}
	switch {
	case r.TTL <= now.Unix() || !r.Done && now.Sub(time.Unix(r.Started, 0)) > abandoned:
		// Expired but not yet removed by TTL, or left by a crash: start over.
		release(ctx, db, k)
		return reserve(ctx, db, k, fp)
	case r.Fingerprint != fp:
		return api.Response{}, false, problem.Invalid(problem.Reused("Idempotency-Key"))
	case !r.Done:
		return api.Response{}, false, problem.Conflict.With("A request with this Idempotency-Key is still in progress.")
	}
	headers := r.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	headers["Idempotent-Replayed"] = "true"
	return api.Response{StatusCode: r.Status, Headers: headers, Body: r.Body}, true, nil
}

func finish(ctx context.Context, db *store.Store, k store.Key, resp api.Response) error {
	tx := db.Tx()
	tx.Update(k, expression.Set(expression.Name("done"), expression.Value(true)).
		Set(expression.Name("status"), expression.Value(resp.StatusCode)).
		Set(expression.Name("headers"), expression.Value(resp.Headers)).
		Set(expression.Name("body"), expression.Value(resp.Body)), nil, nil)
	return db.Write(ctx, tx)
}

// release forgets a key whose request failed on our side, so a retry runs.
func release(ctx context.Context, db *store.Store, k store.Key) {
	tx := db.Tx()
	tx.Delete(k, nil, nil)
	_ = db.Write(context.WithoutCancel(ctx), tx)
}
