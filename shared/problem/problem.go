// Package problem holds the API's error catalogue: typed errors with a stable
// machine-readable code and HTTP status, rendered as RFC 9457
// application/problem+json by package api. Domain packages return these (or
// wrap them with %w) so the mapping from error to answer lives in one place.
package problem

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an answer the client may see. Detail never holds internals.
type Error struct {
	Status     int
	Code       string
	Title      string
	Detail     string
	Fields     []FieldError
	RetryAfter int // seconds; set on rate_limited
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Code + ": " + e.Detail
	}
	return e.Code
}

// Is makes errors.Is match on the code, so a copy with another Detail still
// matches its catalogue entry.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// With returns a copy carrying a detail message for the client.
func (e *Error) With(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

func newError(status int, code, title string) *Error {
	return &Error{Status: status, Code: code, Title: title}
}

// The catalogue (infra/openapi.yaml, Problem).
var (
	Unauthenticated      = newError(http.StatusUnauthorized, "unauthenticated", "Authentication required")
	InvalidCredentials   = newError(http.StatusUnauthorized, "invalid_credentials", "Email or password is incorrect")
	Forbidden            = newError(http.StatusForbidden, "forbidden", "You are not allowed to do this")
	NotFound             = newError(http.StatusNotFound, "not_found", "Not found")
	ValidationFailed     = newError(http.StatusUnprocessableEntity, "validation_failed", "The request has invalid fields")
	MalformedBody        = newError(http.StatusBadRequest, "malformed_body", "The request body is not valid JSON")
	InvalidCursor        = newError(http.StatusBadRequest, "invalid_cursor", "The cursor is invalid")
	PayloadTooLarge      = newError(http.StatusRequestEntityTooLarge, "payload_too_large", "The request body is too large")
	UnsupportedMediaType = newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send application/json")
	EmailTaken           = newError(http.StatusConflict, "email_taken", "This email address is already in use")
	NameTaken            = newError(http.StatusConflict, "name_taken", "This name is already in use")
	Conflict             = newError(http.StatusConflict, "conflict", "The resource is not in a state that allows this")
	SeatLimitReached     = newError(http.StatusConflict, "seat_limit_reached", "All seats of the plan are in use")
	LastOwner            = newError(http.StatusConflict, "last_owner", "The last active owner must stay")
	SelfAction           = newError(http.StatusConflict, "self_action", "You can not do this to yourself")
	BuiltinRole          = newError(http.StatusConflict, "builtin_role", "Built-in roles can not be changed this way")
	HasChildren          = newError(http.StatusConflict, "has_children", "The category has subcategories")
	Cycle                = newError(http.StatusConflict, "cycle", "A category can not move under itself")
	InvalidToken         = newError(http.StatusBadRequest, "invalid_token", "This link is invalid, used or expired")
	PreconditionFailed   = newError(http.StatusPreconditionFailed, "precondition_failed", "The resource was changed by someone else")
	RateLimited          = newError(http.StatusTooManyRequests, "rate_limited", "Too many attempts; try again later")
	Internal             = newError(http.StatusInternalServerError, "internal", "Something went wrong on our side")
)

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var p *Error
	ok := errors.As(err, &p)
	return p, ok
}

// RateLimitedFor is a 429 telling the client when to retry.
func RateLimitedFor(seconds int) *Error {
	e := *RateLimited
	e.RetryAfter = max(seconds, 1)
	return &e
}
