package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

// StatusRefused marks a batch Atlar refused outright (a final 4xx).
const StatusRefused = "REFUSED"

// submit creates every batch (or the instruction) of a file that has no
// Atlar id yet. Each create is journaled before its first attempt; an
// attempt whose outcome is unknown is resolved by looking the batch up by
// its externalId before creating again, so a file is never paid twice.
func (p *Pipeline) submit(ctx context.Context, f *state.File) (bool, error) {
	id := f.ID
	if f.Instruction != nil {
		return p.submitInstruction(ctx, f)
	}
	if f.Mode == ModeCounterparties {
		return p.submitVendors(ctx, f)
	}
	if f.Mode == ModeCollections {
		return p.submitCollections(ctx, f)
	}
	for i := range f.Batches {
		b := f.Batches[i]
		if b.ID != "" || b.Status == StatusRefused {
			continue
		}
		fresh := b.FirstTry.IsZero()
		if fresh {
			var err error
			at := p.clock.Now().UTC()
			f, err = p.updateBatch(f, i, func(_ *state.File, b *state.Batch) { b.FirstTry = at })
			if err != nil {
				return false, fmt.Errorf("submit %s: %w", id, err)
			}
			b = f.Batches[i]
		}
		got, err := p.createBatch(ctx, f, b, fresh)
		if err != nil {
			if ae, ok := refused(err); ok {
				if f, err = p.batchRefused(f, i, ae); err != nil {
					return false, err
				}
				continue
			}
			return false, p.retryLater(f, "submit batch", err)
		}
		note := fmt.Sprintf("batch %d/%d created at Atlar: %s (%s)", i+1, len(f.Batches), got.ID, got.Status)
		at := p.clock.Now().UTC()
		f, err = p.updateBatch(f, i, func(f *state.File, b *state.Batch) {
			b.ID = got.ID
			b.Status = got.Status
			b.RequestID = got.RequestID
			f.PollFailures = 0
			f.Steps = append(f.Steps, state.Step{At: at, State: f.State, Note: note, RequestID: got.RequestID})
		})
		if err != nil {
			return false, fmt.Errorf("submit %s: %w", id, err)
		}
		p.log.Info("batch created", "file_id", f.ID, "batch_id", got.ID, "request_id", got.RequestID,
			"external_id", b.ExternalID, "payments", b.Count)
	}
	return p.submitted(f)
}

// createBatch creates one batch. When an earlier attempt was made (fresh
// is false), its outcome is unknown: look the batch up by externalId first,
// which also covers attempts older than Atlar's 24-hour idempotency window.
func (p *Pipeline) createBatch(ctx context.Context, f *state.File, b state.Batch, fresh bool) (*atlar.CreditTransferBatch, error) {
	lookup := func() (*atlar.CreditTransferBatch, error) {
		return p.api.GetCreditTransferBatch(ctx, "external:"+b.ExternalID)
	}
	if !fresh {
		got, err := lookup()
		if err == nil {
			return got, nil
		}
		if !errors.Is(err, atlar.ErrNotFound) {
			return nil, err
		}
	}
	body, err := p.j.GetBlob(batchBlob(f.ID, f.Attempt, b.Index))
	if err != nil {
		return nil, fmt.Errorf("submit %s: journaled batch %d: %w", f.ID, b.Index+1, err)
	}
	var req atlar.CreateCreditTransferBatchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("submit %s: journaled batch %d: %w", f.ID, b.Index+1, err)
	}
	if b, err = p.redate(f, b, &req); err != nil {
		return nil, err
	}
	got, err := p.api.CreateCreditTransferBatch(ctx, &req, b.IdempotencyKey)
	var ae *atlar.APIError
	if errors.As(err, &ae) && isDuplicateExternalID(ae) {
		// A create whose answer we lost got there first.
		return lookup()
	}
	return got, err
}

// refused reports whether err is Atlar's final "no" to the request itself.
// Authentication and permission failures (401, 403) are about our
// credentials, not the file: those are retried until an operator fixes the
// configuration, and the file waits.
func refused(err error) (*atlar.APIError, bool) {
	var ae *atlar.APIError
	if !errors.As(err, &ae) || atlar.Temporary(err) {
		return nil, false
	}
	if ae.Status == 401 || ae.Status == 403 {
		return nil, false
	}
	return ae, true
}

func isDuplicateExternalID(ae *atlar.APIError) bool {
	if ae.Status == 409 {
		return true
	}
	for _, d := range ae.Details {
		if d.Field == "externalId" {
			return true
		}
	}
	return false
}

// updateBatch journals a change to batch i of f through the row API — a
// batch's first try or Atlar id is a hot path, once per batch, and must
// not cost what the file's payments weigh (issue 13.1) — and returns f
// as committed: the header written, f's payments, and f's batches with
// set applied to batch i (this worker owns the file's batches while
// submitting). set runs once per run of the write and once more on the
// copy: it must be deterministic (take times from outside).
func (p *Pipeline) updateBatch(f *state.File, i int, set func(f *state.File, b *state.Batch)) (*state.File, error) {
	h, err := p.j.UpdateRows(f.ID, "", state.Rows{Batches: []int{i}}, func(f *state.File, _ []*state.Payment, bs []*state.Batch) error {
		set(f, bs[0])
		return nil
	})
	if err != nil {
		return nil, err
	}
	batches := slices.Clone(f.Batches)
	set(&state.File{}, &batches[i])
	return withRows(h, f.Payments, batches), nil
}

// withRows completes a header UpdateRows returned with the rows the
// caller holds.
func withRows(h *state.File, pays []state.Payment, batches []state.Batch) *state.File {
	h.Payments, h.Batches, h.Listed = pays, batches, nil
	return h
}

// batchRefused records Atlar's final "no" to a batch: its payments are
// rejected with Atlar's reasons, mapped back to input rows.
func (p *Pipeline) batchRefused(f *state.File, i int, ae *atlar.APIError) (*state.File, error) {
	id := f.ID
	b := f.Batches[i]
	general := ae.Message
	if ae.RequestID != "" {
		general += " (request-id " + ae.RequestID + ")"
	}
	reasons := map[int][]string{}
	for _, d := range ae.Details {
		if k, field, ok := paymentField(d.Field); ok && k < b.Count {
			reasons[k] = append(reasons[k], field+": "+d.Error)
		}
	}
	note := fmt.Sprintf("batch %d/%d refused by Atlar: %s", i+1, len(f.Batches), ae.Error())
	f, err := p.j.Update(f.ID, note, func(f *state.File) error {
		f.Batches[i].Status = StatusRefused
		f.Batches[i].RequestID = ae.RequestID
		for k := 0; k < b.Count; k++ {
			pay := &f.Payments[b.First+k]
			pay.Status = atlar.PaymentRejected
			if rs := reasons[k]; len(rs) > 0 {
				pay.Reason = "Atlar: " + strings.Join(rs, "; ")
				f.Problems = append(f.Problems, state.Problem{Row: pay.Row, Field: "payment " + pay.ExternalID,
					Code: "NARR", Message: fmt.Sprintf("row %d: %s", pay.Row, pay.Reason),
					PmtInfID: pay.PmtInfID, EndToEndID: pay.ExternalID})
			} else {
				pay.Reason = "Atlar refused the batch: " + general
			}
		}
		f.Problems = append(f.Problems, state.Problem{Code: "NARR",
			Message: fmt.Sprintf("Atlar refused batch %d of %d (%d payments): %s", i+1, len(f.Batches), b.Count, ae.Error())})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("submit %s: %w", id, err)
	}
	p.log.Error("batch refused by Atlar", "file_id", f.ID, "status", ae.Status, "request_id", ae.RequestID, "err", ae.Error())
	return f, nil
}

// paymentField splits "payments.3.amount" into (3, "amount").
func paymentField(field string) (int, string, bool) {
	rest, ok := strings.CutPrefix(field, "payments.")
	if !ok {
		return 0, "", false
	}
	num, sub, _ := strings.Cut(rest, ".")
	k, err := strconv.Atoi(num)
	if err != nil {
		return 0, "", false
	}
	if sub == "" {
		sub = "payment"
	}
	return k, sub, true
}

// submitted closes the submission: archived if anything reached Atlar,
// failed (and free to be sent again) if nothing did.
func (p *Pipeline) submitted(f *state.File) (bool, error) {
	id := f.ID
	accepted := 0
	for _, b := range f.Batches {
		if b.ID != "" {
			accepted++
		}
	}
	if f.Instruction != nil && f.Instruction.ID != "" {
		accepted++
	}
	if f.Mode == ModeCollections {
		for _, pay := range f.Payments {
			if pay.PaymentID != "" {
				accepted++
			}
		}
	}
	now := p.clock.Now().UTC()
	var err error
	if accepted == 0 {
		f, err = p.j.Update(f.ID, "failed: Atlar accepted nothing of this file", func(f *state.File) error {
			f.State = state.Failed
			f.Path = layout.FailedRel(f.ReceivedAt, f.ID, f.Name)
			return nil
		})
		if err == nil {
			err = p.j.Unindex(f.ID)
		}
	} else {
		// Header only (submitting → submitted indexes nothing new): the
		// row API, so that it costs the same for any number of payments.
		var h *state.File
		h, err = p.j.UpdateRows(f.ID, "submitted: Atlar accepted the file", state.Rows{}, func(f *state.File, _ []*state.Payment, _ []*state.Batch) error {
			f.State = state.Submitted
			f.SubmittedAt = now
			f.NextPollAt = now.Add(p.opts.PollInterval)
			f.PollFailures = 0
			f.Path = layout.ArchiveRel(f.ReceivedAt, f.ID, f.Name)
			return nil
		})
		if err == nil {
			f = withRows(h, f.Payments, f.Batches)
		}
	}
	if err != nil {
		return false, fmt.Errorf("submit %s: %w", id, err)
	}
	if p.opts.OnSubmitted != nil && f.State == state.Submitted {
		p.opts.OnSubmitted(f)
	}
	// The request bodies were only kept to resend them identically; with
	// the submission settled they are dead weight in the journal.
	if f.Mode == ModeCollections {
		if err := p.j.DeleteBlobs(collectBlobPrefix(id)); err != nil {
			p.log.Warn("could not drop journaled request bodies", "file_id", id, "err", err)
		}
	} else if err := p.j.DeleteBlobs(batchBlobPrefix(id)); err != nil {
		p.log.Warn("could not drop journaled request bodies", "file_id", id, "err", err)
	}
	return true, p.place(f)
}

func (p *Pipeline) submitInstruction(ctx context.Context, f *state.File) (bool, error) {
	id := f.ID
	ins := *f.Instruction
	if ins.ID != "" {
		return p.submitted(f)
	}
	if ins.FirstTry.IsZero() {
		var err error
		f, err = p.j.Update(f.ID, "", func(f *state.File) error {
			f.Instruction.FirstTry = p.clock.Now().UTC()
			return nil
		})
		if err != nil {
			return false, fmt.Errorf("submit %s: %w", id, err)
		}
	} else if p.keyExpired(ins.FirstTry) {
		// An earlier attempt got no answer, and Atlar no longer remembers
		// its key: resending blindly could push the file twice.
		if next, done, err := p.resolveInstruction(ctx, f); done {
			return next, err
		}
	}
	data, err := os.ReadFile(p.lay.Abs(f.Path))
	if err != nil {
		return false, fmt.Errorf("submit %s: %w", id, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
		// Only someone writing into processing/ could do this: never
		// send bytes other than those validated.
		return false, fmt.Errorf("submit %s: the copy in processing/ is no longer the %d bytes claimed (sha256 %s); not sending it", id, f.Size, f.SHA256)
	}
	got, err := p.api.CreateInstruction(ctx, ins.ConnectionID, f.Name, data, ins.ContentType, ins.IdempotencyKey)
	if err != nil {
		if ae, ok := refused(err); ok {
			_, uerr := p.j.Update(f.ID, "instruction refused by Atlar: "+ae.Error(), func(f *state.File) error {
				f.Instruction.Status = StatusRefused
				f.Instruction.RequestID = ae.RequestID
				f.Problems = append(f.Problems, state.Problem{Code: "NARR", Message: "Atlar refused the file: " + ae.Error()})
				for k := range f.Payments {
					f.Payments[k].Status = atlar.PaymentRejected
					f.Payments[k].Reason = "Atlar refused the file: " + ae.Message
				}
				return nil
			})
			if uerr != nil {
				return false, fmt.Errorf("submit %s: %w", id, uerr)
			}
			if f, err = p.j.Get(id); err != nil {
				return false, fmt.Errorf("submit %s: %w", id, err)
			}
			return p.submitted(f)
		}
		return false, p.retryLater(f, "submit instruction", err)
	}
	return p.instructionCreated(f, got, "created at Atlar")
}

// instructionCreated records the instruction Atlar holds for f.
func (p *Pipeline) instructionCreated(f *state.File, got *atlar.Instruction, how string) (bool, error) {
	id, ins := f.ID, f.Instruction
	note := fmt.Sprintf("instruction %s on connection %s: %s (%s)", how, ins.ConnectionID, got.ID, got.Status)
	f, err := p.j.Update(f.ID, "", func(f *state.File) error {
		f.Instruction.ID = got.ID
		f.Instruction.Status = got.Status
		f.Instruction.RequestID = got.RequestID
		f.Steps = append(f.Steps, state.Step{At: p.clock.Now().UTC(), State: f.State, Note: note, RequestID: got.RequestID})
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("submit %s: %w", id, err)
	}
	p.log.Info("instruction "+how, "file_id", f.ID, "instruction_id", got.ID, "connection_id", ins.ConnectionID, "request_id", got.RequestID)
	return p.submitted(f)
}

// retryLater journals a temporary failure and when to try again: the
// pipeline's backoff (PollInterval doubling up to MaxPoll, jittered), and
// no sooner than the Retry-After Atlar sent. The journal note is written
// for the first failure and then every tenth, so a long outage doesn't
// flood a file's journey; Atlar being unreachable is logged once for all
// files (outage), other causes per file.
func (p *Pipeline) retryLater(f *state.File, what string, cause error) error {
	if errors.Is(cause, context.Canceled) {
		// The bridge is stopping: nothing failed, and the step runs
		// again at the next start without a backoff.
		return cause
	}
	n := f.PollFailures + 1
	wait := max(p.retry.Next(n), atlar.RetryAfter(cause))
	note := ""
	if n == 1 || n%10 == 0 {
		note = fmt.Sprintf("%s failed (attempt %d), retrying in %s: %v", what, n, wait.Round(time.Second), cause)
	}
	_, err := p.j.Update(f.ID, note, func(f *state.File) error {
		f.PollFailures = n
		f.NextPollAt = p.clock.Now().UTC().Add(wait)
		return nil
	})
	if err != nil {
		return errors.Join(cause, err)
	}
	level := slog.LevelWarn
	if note == "" || errors.Is(cause, atlar.ErrTemporary) {
		level = slog.LevelDebug
	}
	p.log.Log(context.Background(), level, what+" failed; will retry", "file_id", f.ID, "attempt", n, "retry_in", wait.String(), "err", cause)
	return nil
}
