package atlar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// ErrNotFound is matched (errors.Is) by the *APIError of a 404: the resource,
// e.g. a batch looked up by "external:<id>", does not exist.
var ErrNotFound = errors.New("atlar: not found")

// errBodyTooLarge means a successful response exceeded the size limit of
// its call (8 MiB for JSON, 64 MiB for report content).
var errBodyTooLarge = errors.New("response body too large")

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == 404
}

// Temporary reports whether err means "the outcome is unknown, try again
// later" — a network error, a timeout, a cancelled context, an unreadable
// 2xx answer, or a retryable status after the retries ran out — as opposed
// to a final answer such as an *APIError with a non-retryable 4xx. A create
// that failed with a Temporary error may have taken effect: retry it with
// the same idempotency key.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var (
		re  *retryError
		de  *decodeError
		ae  *APIError
		ne  net.Error
		lgo errLeaderGone
	)
	switch {
	case errors.As(err, &re), errors.As(err, &de), errors.As(err, &lgo):
		return true
	case errors.As(err, &ae):
		return retryableStatus(ae.Status)
	case !retryableTransport(err):
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED):
		return true
	case errors.As(err, &ne):
		return true
	}
	return false
}

// retryError is returned when a call still failed after MaxRetries retries.
// It wraps the last cause (an *APIError or a network error).
type retryError struct {
	method, path string
	attempts     int
	last         error
}

func (e *retryError) Error() string {
	var ae *APIError
	if errors.As(e.last, &ae) { // already names method and path
		return fmt.Sprintf("%v (gave up after %d attempts)", e.last, e.attempts)
	}
	return fmt.Sprintf("atlar %s %s: gave up after %d attempts: %v", e.method, e.path, e.attempts, e.last)
}

func (e *retryError) Unwrap() error { return e.last }

// decodeError is a 2xx response whose body could not be decoded. The
// request may have taken effect, so it counts as Temporary.
type decodeError struct {
	what      string
	status    int
	requestID string
	err       error // nil for the token response, whose text must not leak
}

func (e *decodeError) Error() string {
	s := fmt.Sprintf("atlar %s: undecodable %d response", e.what, e.status)
	if e.requestID != "" {
		s += fmt.Sprintf(" (request-id %s)", e.requestID)
	}
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *decodeError) Unwrap() error { return e.err }
