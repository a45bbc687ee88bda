package inbound

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/backoff"
	"github.com/jonboulle/clockwork"
)

// outageRemind is how often a long Atlar outage is reported again while it
// lasts; failLogEvery is the least time between two outages reported (a
// storm of blips is one report, not one per blip).
const outageRemind = 15 * time.Minute

// outage reports Atlar being unreachable once for all files: "Atlar
// unreachable" at the first call that failed temporarily, "Atlar back" at
// the first answer after it. The files themselves log such failures at
// Debug only; each waits on the timetable (reschedule, retryLater).
type outage struct {
	clock clockwork.Clock
	log   *slog.Logger
	// back is called when Atlar answers again after an outage, so the
	// files waiting on it need not sit out their backoff.
	back func()

	// start rate-limits the first report of an outage, remind the
	// reminders of a long one.
	start, remind backoff.Throttle

	mu       sync.Mutex
	since    time.Time // first failure of the outage; zero while Atlar answers
	failures int       // temporary failures since
	reported bool      // "Atlar unreachable" was logged for this outage
}

func newOutage(clock clockwork.Clock, log *slog.Logger, back func()) *outage {
	return &outage{
		clock: clock, log: log, back: back,
		start:  backoff.Throttle{Every: failLogEvery},
		remind: backoff.Throttle{Every: outageRemind},
	}
}

// observe takes the outcome of one call to Atlar made under ctx.
func (o *outage) observe(ctx context.Context, err error) {
	var ae *atlar.APIError
	switch {
	case err == nil:
		o.answered()
	case ctx.Err() != nil:
		// The bridge gave up on the call: nothing learnt about Atlar.
	case atlar.Temporary(err):
		o.failed(err)
	case errors.As(err, &ae):
		o.answered() // a final answer is an answer
	}
}

func (o *outage) failed(err error) {
	now := o.clock.Now()
	o.mu.Lock()
	if o.since.IsZero() {
		o.since = now
		o.remind.Reset(atlarDownKey)
	}
	o.failures++
	since, n, reported := o.since, o.failures, o.reported
	var held int
	log := false
	if !reported {
		log, held = o.start.Allow(atlarDownKey, now)
		o.reported = log
	} else if ok, _ := o.remind.Allow(atlarDownKey, now); ok && now.Sub(since) >= outageRemind {
		log = true
	}
	o.mu.Unlock()
	switch {
	case !log:
	case !reported:
		attrs := []any{"err", err, "retry_after", atlar.RetryAfter(err).String()}
		if held > 0 {
			attrs = append(attrs, "blips_since_last_report", held)
		}
		o.log.Warn("Atlar unreachable; files wait and are retried", attrs...)
	default:
		o.log.Warn("Atlar still unreachable", "since", since.UTC(), "failed_calls", n, "err", err)
	}
}

func (o *outage) answered() {
	o.mu.Lock()
	if o.since.IsZero() {
		o.mu.Unlock()
		return
	}
	since, n, reported := o.since, o.failures, o.reported
	o.since, o.failures, o.reported = time.Time{}, 0, false
	o.mu.Unlock()
	if reported {
		o.log.Info("Atlar back", "outage", o.clock.Since(since).Round(time.Second).String(), "failed_calls", n)
	}
	if o.back != nil {
		o.back()
	}
}

// watchedAtlar is the pipeline's Atlar: every call's outcome goes to the
// outage report. Methods added to Atlar later pass through unobserved.
type watchedAtlar struct {
	Atlar
	o *outage
}

func (w watchedAtlar) CreateCreditTransferBatch(ctx context.Context, req *atlar.CreateCreditTransferBatchRequest, idempotencyKey string) (*atlar.CreditTransferBatch, error) {
	v, err := w.Atlar.CreateCreditTransferBatch(ctx, req, idempotencyKey)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) GetCreditTransferBatch(ctx context.Context, idOrExternal string) (*atlar.CreditTransferBatch, error) {
	v, err := w.Atlar.GetCreditTransferBatch(ctx, idOrExternal)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) ListBatchResults(ctx context.Context, batchID string) ([]atlar.BatchResult, error) {
	v, err := w.Atlar.ListBatchResults(ctx, batchID)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) ListCreditTransfers(ctx context.Context, batchID string) ([]atlar.CreditTransfer, error) {
	v, err := w.Atlar.ListCreditTransfers(ctx, batchID)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) ListAccounts(ctx context.Context) ([]atlar.Account, error) {
	v, err := w.Atlar.ListAccounts(ctx)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) ListConnections(ctx context.Context) ([]atlar.Connection, error) {
	v, err := w.Atlar.ListConnections(ctx)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) CreateInstruction(ctx context.Context, connectionID, fileName string, content []byte, contentType, idempotencyKey string) (*atlar.Instruction, error) {
	v, err := w.Atlar.CreateInstruction(ctx, connectionID, fileName, content, contentType, idempotencyKey)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) GetInstruction(ctx context.Context, connectionID, id string) (*atlar.Instruction, error) {
	v, err := w.Atlar.GetInstruction(ctx, connectionID, id)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedAtlar) ListInstructions(ctx context.Context, connectionID string) ([]atlar.Instruction, error) {
	v, err := w.Atlar.ListInstructions(ctx, connectionID)
	w.o.observe(ctx, err)
	return v, err
}
