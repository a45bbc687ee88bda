package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/state"
)

// collectOutcome is what became of one collection at submission.
type collectOutcome struct {
	id, status, reason string
	// mandateID is Atlar's id of the collection's mandate, for the result
	// CSV's atlar_mandate_id: the journal keeps it per mandate reference
	// (an Op), the row keeps its own copy (state.Payment.MandateID).
	mandateID string
}

// submitCollections sends a collections file: per collection, in order,
// the debtor (counterparty + external account), the mandate and the
// direct debit, each exactly once through its Op (parties.go). Up to
// Options.CollectConcurrency collections are in flight at once, so a large
// file is bounded by Atlar's latency, not by the sum of it. A temporary
// failure of any collection leaves the file submitting, to be resumed
// later: what was done is in the Ops and is not sent again.
func (p *Pipeline) submitCollections(ctx context.Context, f *state.File) (bool, error) {
	if p.dd == nil || p.ops == nil {
		return false, fmt.Errorf("submit %s: this bridge's API client or journal cannot create direct debits", f.ID)
	}
	colls, err := p.journaledCollections(f)
	if err != nil {
		return false, err
	}
	out := make([]collectOutcome, len(colls))
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < min(p.opts.CollectConcurrency, len(colls)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				o, err := p.collect(ctx, f, &colls[i])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				out[i] = o
			}
		}()
	}
	for i := range colls {
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		var ae *atlar.APIError
		if !atlar.Temporary(firstErr) && !errors.As(firstErr, &ae) && !errors.Is(firstErr, context.Canceled) {
			return false, fmt.Errorf("submit %s: %w", f.ID, firstErr)
		}
		return false, p.retryLater(f, "submit collections", firstErr)
	}
	created := 0
	for _, o := range out {
		if o.id != "" {
			created++
		}
	}
	note := fmt.Sprintf("%d of %d direct debits created at Atlar", created, len(out))
	id := f.ID
	f, err = p.j.Update(id, note, func(f *state.File) error {
		for k := range f.Payments {
			if k >= len(out) {
				break
			}
			f.Payments[k].PaymentID = out[k].id
			if out[k].mandateID != "" {
				f.Payments[k].MandateID = out[k].mandateID
			}
			if out[k].status != "" {
				f.Payments[k].Status = out[k].status
			}
			f.Payments[k].Reason = out[k].reason
		}
		f.PollFailures = 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("submit %s: %w", id, err)
	}
	p.log.Info("direct debits created", "file_id", f.ID, "created", created, "collections", len(out))
	return p.submitted(f)
}

// collect makes one collection at Atlar. Atlar's final no to one of its
// steps rejects the collection (REJECTED with Atlar's reason); any other
// error is returned: the file is tried again later.
func (p *Pipeline) collect(ctx context.Context, f *state.File, c *Collection) (collectOutcome, error) {
	key := directDebitOpKey(f.ID, f.Attempt, c.Row)
	if op, err := p.ops.GetOp(key); err == nil {
		switch {
		case op.AtlarID != "":
			// Resumed: the mandate was made (or found) before the
			// direct debit, so its Op holds its id.
			o := collectOutcome{id: op.AtlarID}
			mop, err := p.ops.GetOp(mandateOpKey(c.Mandate.MandateReference))
			switch {
			case err == nil:
				o.mandateID = mop.AtlarID
			case !errors.Is(err, state.ErrNotFound):
				return collectOutcome{}, err
			}
			return o, nil
		case op.Status == atlar.PaymentRejected:
			return collectOutcome{status: atlar.PaymentRejected, reason: op.Attrs["reason"]}, nil
		}
	} else if !errors.Is(err, state.ErrNotFound) {
		return collectOutcome{}, err
	}
	id, mandateID, err := p.collectSteps(ctx, f, c, key)
	var rf *errRefused
	if errors.As(err, &rf) {
		reason := "Atlar refused " + rf.what + ": " + rf.ae.Message
		if _, err := p.ops.UpdateOp(key, func(op *state.Op, exists bool) error {
			op.Status = atlar.PaymentRejected
			op.Attrs = map[string]string{"reason": reason}
			return nil
		}); err != nil {
			return collectOutcome{}, err
		}
		p.log.Warn("collection refused by Atlar", "file_id", f.ID, "row", c.Row, "err", err)
		return collectOutcome{status: atlar.PaymentRejected, reason: reason}, nil
	}
	if err != nil {
		return collectOutcome{}, err
	}
	return collectOutcome{id: id, mandateID: mandateID}, nil
}

// collectSteps returns the direct debit's and its mandate's Atlar ids.
func (p *Pipeline) collectSteps(ctx context.Context, f *state.File, c *Collection, key string) (string, string, error) {
	_, eaID, err := p.ensureDebtor(ctx, f.ID, c)
	if err != nil {
		return "", "", err
	}
	mandateID, err := p.ensureMandate(ctx, f.ID, c, eaID)
	if err != nil {
		return "", "", err
	}
	// The direct debit is this file's own: a lookup is needed only when
	// an earlier attempt's answer is unknown (ensureOp).
	ext := c.DirectDebit.ExternalID
	id, err := p.ensureOp(ctx, key, f.ID, false,
		func() (string, error) {
			dd, err := p.dd.GetDirectDebit(ctx, "external:"+ext)
			if err != nil {
				return "", err
			}
			return dd.ID, nil
		},
		func(idem string) (string, error) {
			req := c.DirectDebit
			req.Source.ID = eaID
			dd, err := p.dd.CreateDirectDebit(ctx, &req, idem)
			if err != nil {
				return "", err
			}
			return dd.ID, nil
		})
	return id, mandateID, err
}

// journaledCollections reads a file's planned collections back from the
// journal (validate wrote them before the file became validated).
func (p *Pipeline) journaledCollections(f *state.File) ([]Collection, error) {
	var out []Collection
	for n := 0; len(out) < len(f.Payments); n++ {
		body, err := p.j.GetBlob(collectBlob(f.ID, f.Attempt, n))
		if err != nil {
			return nil, fmt.Errorf("submit %s: journaled collections %d: %w", f.ID, n+1, err)
		}
		var chunk []Collection
		if err := json.Unmarshal(body, &chunk); err != nil {
			return nil, fmt.Errorf("submit %s: journaled collections %d: %w", f.ID, n+1, err)
		}
		if len(chunk) == 0 {
			return nil, fmt.Errorf("submit %s: journaled collections %d is empty", f.ID, n+1)
		}
		out = append(out, chunk...)
	}
	return out, nil
}

// journalCollections writes a plan's collections as blobs of collectChunk.
func (p *Pipeline) journalCollections(f *state.File, plan *Plan) error {
	for n := 0; n*collectChunk < len(plan.Collections); n++ {
		chunk := plan.Collections[n*collectChunk : min((n+1)*collectChunk, len(plan.Collections))]
		body, err := json.Marshal(chunk)
		if err != nil {
			return fmt.Errorf("plan %s: %w", f.ID, err)
		}
		if err := p.j.PutBlob(collectBlob(f.ID, f.Attempt, n), body); err != nil {
			return fmt.Errorf("plan %s: journal collections: %w", f.ID, err)
		}
	}
	return nil
}
