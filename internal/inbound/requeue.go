package inbound

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

// RejectedError is returned by Receive for a route with in-band rejects
// when the file is invalid; the file is already in failed/.
type RejectedError struct {
	FileID string
	Reason string
}

func (e *RejectedError) Error() string { return "file rejected: " + e.Reason }

// Receive claims a file handed over by the SFTP server. For a route with
// reject_in_band it validates before answering, so the ERP's upload fails
// with the reason when the file is bad.
func (p *Pipeline) Receive(ctx context.Context, d Drop) (string, error) {
	f, err := p.claim(d)
	if err != nil {
		return "", err
	}
	defer p.enqueue(f.ID)
	if r, ok := p.route(f.Route); !ok || !r.RejectInBand {
		return f.ID, nil
	}
	// The check runs offline and bounded: the ERP's close() is waiting, so
	// it must not wait on Atlar (an outage would hang it for the client's
	// whole retry budget). What the cache cannot answer, and a check that
	// runs out of time, leave the file queued: the pipeline validates it
	// again, online, after the close.
	vctx, cancel := context.WithTimeout(ctx, p.opts.InBandTimeout)
	defer cancel()
	if _, err := p.validateWith(vctx, f, offlineAccounts{p.acct}); err != nil {
		p.log.Debug("in-band check left to the pipeline", "file_id", f.ID, "err", err)
		return f.ID, nil
	}
	f, err = p.j.Get(f.ID)
	if err != nil || f.State != state.Rejected {
		return f.ID, nil
	}
	var msgs []string
	for i, pr := range f.Problems {
		if i == 3 {
			msgs = append(msgs, fmt.Sprintf("and %d more (see the ack)", len(f.Problems)-3))
			break
		}
		msgs = append(msgs, pr.Message)
	}
	return f.ID, &RejectedError{FileID: f.ID, Reason: strings.Join(msgs, "; ")}
}

// ErrNotRetryable is returned by Requeue for a file that may not be sent
// again.
var ErrNotRetryable = errors.New("file cannot be retried")

// Requeue puts a rejected file, or a failed one of which nothing reached
// Atlar, back to received, with a new attempt number (so new idempotency
// keys and batch external ids) and, with force, without duplicate checks.
// It only touches the journal; the pipeline moves the original back from
// failed/ when it next advances the file.
func Requeue(j Journal, id string, force bool) (*state.File, error) {
	return j.Update(id, fmt.Sprintf("requeued by operator (force=%v)", force), func(f *state.File) error {
		switch {
		case f.State == state.Rejected:
		case f.State == state.Failed && !anyAccepted(f):
		case f.State == state.Failed:
			return fmt.Errorf("%w: payments of %s already reached Atlar; sending it again could pay twice", ErrNotRetryable, id)
		default:
			return fmt.Errorf("%w: %s is %s, not rejected or failed", ErrNotRetryable, id, f.State)
		}
		f.State = state.Received
		f.Attempt++
		f.Force = force
		f.InboxPath = f.Path // move back from failed/
		f.Path = layout.ProcessingRel(f.Route, f.ID, f.Name)
		f.Marker = ""
		f.Problems, f.DuplicateOf, f.Batches, f.Payments, f.Instruction = nil, "", nil, nil, nil
		f.Original, f.Interim, f.NextPollAt, f.PollFailures = nil, false, time.Time{}, 0
		return nil
	})
}

// Retry requeues a file in a running pipeline.
func (p *Pipeline) Retry(id string, force bool) error {
	if _, err := Requeue(p.j, id, force); err != nil {
		return err
	}
	p.enqueue(id)
	return nil
}
