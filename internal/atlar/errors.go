package atlar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// ErrNotFound is matched (errors.Is) by the *APIError of a 404: the resource,
// e.g. a batch looked up by "external:<id>", does not exist.
var ErrNotFound = errors.New("atlar: not found")

// ErrTemporary is matched (errors.Is) by a *TemporaryError: Atlar did not
// answer, or answered "not now", for every attempt the client made.
var ErrTemporary = errors.New("atlar: temporarily unavailable")

// errBodyTooLarge means a successful response exceeded the size limit of
// its call (8 MiB for JSON, 64 MiB for report content).
var errBodyTooLarge = errors.New("response body too large")

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == 404
}

// Temporary reports whether err means "the outcome is unknown, try again
// later" — a *TemporaryError (the client's fast attempts ran out), a
// network error, a timeout, a cancelled context, an unreadable 2xx answer —
// as opposed to a final answer such as an *APIError with a non-retryable
// 4xx. A create that failed with a Temporary error may have taken effect:
// retry it with the same idempotency key. It is wider than
// errors.Is(err, ErrTemporary), which is the "Atlar unreachable or busy"
// case alone.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var (
		te  *TemporaryError
		de  *decodeError
		ae  *APIError
		ne  net.Error
		lgo errLeaderGone
	)
	switch {
	case errors.As(err, &te), errors.As(err, &de), errors.As(err, &lgo):
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

// TemporaryError is returned when a call still failed after the client's
// few fast attempts (MaxRetries within RetryBudget) with a network error or
// a status that means "not now" (408, 425, 429, 5xx). The client never
// waits out an outage: the caller decides when to try again, no sooner
// than RetryAfter. A create that failed so may have taken effect: repeat
// it with the same idempotency key.
type TemporaryError struct {
	Method, Path string
	// Attempts is how many requests were sent.
	Attempts int
	// Status is the last answer's HTTP status, 0 when none came back.
	Status int
	// RequestID is the last answer's request id, if any.
	RequestID string
	// RetryAfter is the server's Retry-After of the last answer (capped at
	// five minutes), 0 when it sent none.
	RetryAfter time.Duration
	// Err is the last cause: an *APIError or a network error.
	Err error
}

func (e *TemporaryError) Error() string {
	var (
		ae *APIError
		s  string
	)
	if errors.As(e.Err, &ae) { // already names method and path
		s = fmt.Sprintf("%v (gave up after %d attempts", e.Err, e.Attempts)
	} else {
		s = fmt.Sprintf("atlar %s %s: %v (gave up after %d attempts", e.Method, e.Path, e.Err, e.Attempts)
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf("; Retry-After %s", e.RetryAfter)
	}
	return s + ")"
}

func (e *TemporaryError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrTemporary) true.
func (e *TemporaryError) Is(target error) bool { return target == ErrTemporary }

// RetryAfter returns the Retry-After hint of a *TemporaryError in err's
// chain: the least a caller should wait before the next attempt. It is 0
// for every other error.
func RetryAfter(err error) time.Duration {
	var te *TemporaryError
	if errors.As(err, &te) {
		return te.RetryAfter
	}
	return 0
}

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
