package atlar

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Duration
	}{
		{"Empty", "", 0},
		{"Seconds", "7", 7 * time.Second},
		{"SecondsSpaces", " 12 ", 12 * time.Second},
		{"Zero", "0", 0},
		{"Negative", "-3", 0},
		{"CappedAtFiveMinutes", "3600", 5 * time.Minute},
		{"Huge", "99999999999999999999", 0}, // not an int64: ignored
		{"HTTPDate", "Tue, 04 Mar 2025 10:00:42 GMT", 42 * time.Second},
		{"HTTPDatePast", "Tue, 04 Mar 2025 09:00:00 GMT", 0},
		{"HTTPDateFar", "Wed, 05 Mar 2025 10:00:00 GMT", 5 * time.Minute},
		{"Garbage", "soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, parseRetryAfter(tt.in, now))
		})
	}
}

func TestTemporary(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Nil", nil, false},
		{"BadRequest", &APIError{Status: 400}, false},
		{"Conflict", &APIError{Status: 409}, false},
		{"NotFound", fmt.Errorf("get: %w", &APIError{Status: 404}), false},
		{"Unauthorized", &APIError{Status: 401}, false},
		{"TooManyRequests", &APIError{Status: 429}, true},
		{"ServiceUnavailable", &APIError{Status: 503}, true},
		{"Exhausted", &TemporaryError{Err: &APIError{Status: 503}}, true},
		{"ExhaustedNetwork", &TemporaryError{Err: io.EOF}, true},
		{"Undecodable", &decodeError{what: "x", status: 201}, true},
		{"Canceled", fmt.Errorf("x: %w", context.Canceled), true},
		{"Deadline", context.DeadlineExceeded, true},
		{"Reset", &url.Error{Op: "Post", URL: "u", Err: syscall.ECONNRESET}, true},
		{"UnexpectedEOF", io.ErrUnexpectedEOF, true},
		{"UnknownCA", &url.Error{Op: "Get", URL: "u", Err: x509.UnknownAuthorityError{}}, false},
		{"Plain", errors.New("idempotency key is required"), false},
		{"TooLarge", fmt.Errorf("x: %w", errBodyTooLarge), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Temporary(tt.err))
		})
	}
}
