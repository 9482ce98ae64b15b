package api

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// JSON answers status with v encoded as JSON.
func JSON(status int, v any) Response { return jsonResponse(status, v) }

// OK answers 200 with v.
func OK(v any) Response { return jsonResponse(http.StatusOK, v) }

// Created answers 201 with a Location header.
func Created(location string, v any) Response {
	r := jsonResponse(http.StatusCreated, v)
	r.Headers["Location"] = location
	return r
}

// NoContent answers 204.
func NoContent() Response {
	return Response{StatusCode: http.StatusNoContent, Headers: map[string]string{}}
}

// WithETag sets the ETag header for a resource at version.
func WithETag(r Response, version int64) Response {
	r.Headers["ETag"] = `"` + strconv.FormatInt(version, 10) + `"`
	return r
}

func jsonResponse(status int, v any) Response {
	body, err := json.Marshal(v)
	if err != nil {
		// Only programming errors get here (unsupported types).
		status, body = http.StatusInternalServerError, []byte(`{"code":"internal"}`)
	}
	return Response{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":  "application/json",
			"Cache-Control": "no-store",
		},
		Body: string(body),
	}
}
