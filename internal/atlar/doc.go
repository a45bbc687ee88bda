// Package atlar is the bridge's client for Atlar's HTTP API: credit-transfer
// batches and payments, accounts, and the connectivity API (connections,
// statement reports, raw payment instructions).
//
// Collections and the vendor master (counterparties.go, collections.go):
// counterparties with their external accounts, mandates and direct debits.
// Creates take an idempotency key like batches; a used externalId fails
// with ErrConflict (409), a conditional update (If-Match "version:N") on a
// changed resource with ErrPreconditionFailed (412) — re-read, recompute
// (CounterpartyPatch), retry once. Both errors also unwrap to the *APIError.
// A PATCH whose answer was lost and that the client resent sees 412 for
// its own change: after the re-read the diff is empty and nothing is left
// to send.
//
// The package knows nothing of files, folders or the journal. Callers pass
// the idempotency key of every create, having persisted it before the first
// attempt, and decide once per failed call whether to wait and retry
// (Temporary reports true) or to report a final answer (*APIError).
//
// # Who retries
//
// The client retries only blips: a network error or a 408, 425, 429 or 5xx
// is tried again at once, MaxRetries times (default 2) with a short
// jittered backoff (backoff.Policy), all within RetryBudget (default 5s),
// and a Retry-After is honoured only when it fits that budget. Then the
// call returns a *TemporaryError (errors.Is(err, ErrTemporary)) with the
// last status, request id and Retry-After hint, and the caller's timetable
// owns the waiting: inbound journals when a file is next due
// (retryLater, reschedule), outbound polls again later, both no sooner
// than RetryAfter(err). Every attempt of a create sends the same body and
// Idempotency-Key, so a POST whose answer was lost is only ever repeated
// under its key; a 425 (the key still in flight) is "not now" like a 503,
// and the caller's later retry uses the same key again.
//
// # Caveats
//
//   - A call never sleeps minutes, but each attempt is bounded by
//     Config.Timeout only, so a hanging server can hold a call for
//     (MaxRetries+1)·Timeout. Bound calls with ctx.
//   - A create that fails with a Temporary error may still have taken effect.
//     Retry it with the same idempotency key, or look it up by externalId.
//   - Idempotency-Key, 425 Too Early, 429 with Retry-After and the
//     Request-Id header are not in Atlar's public documentation; the client
//     handles them the way common APIs do (see ../shared/atlar/NOTES.md).
//   - The connectivity API is not in the public spec. Its shapes are
//     assumptions, and so is the instruction upload body (see
//     instructionBody).
//   - A 2xx response whose body cannot be decoded is Temporary: the request
//     may have taken effect even though its answer was unreadable.
package atlar
