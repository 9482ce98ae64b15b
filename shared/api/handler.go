// Package api turns API Gateway HTTP API (payload 2.0) events into calls of
// small handler functions and their results into JSON or problem+json
// answers, with one structured log line per request.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"backoffice/shared/calls"
	"backoffice/shared/problem"
)

type (
	Request  = events.APIGatewayV2HTTPRequest
	Response = events.APIGatewayV2HTTPResponse
)

// HandlerFunc handles one route. Returning an error (a *problem.Error or
// anything else) produces a problem+json answer.
type HandlerFunc func(ctx context.Context, req Request) (Response, error)

// Log is the process-wide JSON logger; request-scoped loggers derive from it.
var Log = newLogger()

func newLogger() *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	l := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(l) // packages below api log through slog's default
	return l
}

type requestInfo struct {
	id    string
	route string
	log   *slog.Logger
}

type infoKey struct{}

// Handle wraps h with request logging, panic recovery and error rendering.
func Handle(h HandlerFunc) func(context.Context, Request) (Response, error) {
	return func(ctx context.Context, req Request) (resp Response, _ error) {
		start := time.Now()
		info := &requestInfo{id: req.RequestContext.RequestID, route: req.RouteKey}
		info.log = Log.With("requestId", info.id, "route", info.route)
		ctx = calls.WithCounter(context.WithValue(ctx, infoKey{}, info))

		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
				}
			}()
			resp, err = h(ctx, req)
		}()

		errorCode := ""
		if err != nil {
			resp, errorCode = renderError(info, err)
			resp.Cookies = append(resp.Cookies, cookiesOf(err)...)
		}
		if resp.Headers == nil {
			resp.Headers = map[string]string{}
		}
		resp.Headers["X-Request-Id"] = info.id

		// callerId is already on info.log once the caller is known.
		dynamoCalls, cognitoCalls := calls.Counts(ctx)
		readUnits, writeUnits := calls.Units(ctx)
		attrs := []any{"status", resp.StatusCode, "durationMs", time.Since(start).Milliseconds(),
			"dynamodbCalls", dynamoCalls, "cognitoCalls", cognitoCalls,
			"readUnits", readUnits, "writeUnits", writeUnits}
		if errorCode != "" {
			attrs = append(attrs, "errorCode", errorCode)
		}
		info.log.Info("request", attrs...)
		return resp, nil
	}
}

func renderError(info *requestInfo, err error) (Response, string) {
	p, ok := problem.As(err)
	if !ok {
		// Internals go to the log only; the client gets the request id.
		info.log.Error("unhandled error", "error", err.Error())
		p = problem.Internal.With("Request %s failed. Quote this id when reporting the problem.", info.id)
	} else if p.Status >= 500 {
		info.log.Error("server error", "error", err.Error())
	}
	return Problem(p), p.Code
}

// Problem renders p as application/problem+json.
func Problem(p *problem.Error) Response {
	body := problemBody{
		Type:   "https://backoffice.dev/problems/" + strings.ReplaceAll(p.Code, "_", "-"),
		Title:  p.Title,
		Status: p.Status,
		Detail: p.Detail,
		Code:   p.Code,
		Errors: p.Fields,
	}
	resp := jsonResponse(p.Status, body)
	resp.Headers["Content-Type"] = "application/problem+json"
	if p.RetryAfter > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(p.RetryAfter)
	}
	return resp
}

type problemBody struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail,omitempty"`
	Code   string               `json:"code"`
	Errors []problem.FieldError `json:"errors,omitempty"`
}

// Logger returns the request-scoped logger (request id and route attached).
func Logger(ctx context.Context) *slog.Logger {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info.log
	}
	return Log
}

// SetCaller records the authenticated person for the request's log line.
func SetCaller(ctx context.Context, id string) {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		info.log = info.log.With("callerId", id)
	}
}

// RequestID is API Gateway's id of the request, also sent as X-Request-Id.
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}
