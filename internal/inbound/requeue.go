package inbound

import (
	"errors"
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

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
