package inbound

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/state"
)

// track queues each unfinished file when its next poll or retry is due,
// waking only then (see schedule). Every Sweep it also reads every
// unfinished file from the journal: a safety net for a file the timetable
// lost (a journal read that failed after its run).
func (p *Pipeline) track(ctx context.Context) {
	sweep := p.clock.NewTicker(p.opts.Sweep)
	defer sweep.Stop()
	timer := p.clock.NewTimer(p.opts.Sweep)
	defer timer.Stop()
	for {
		ids, next, ok := p.sched.take(p.clock.Now())
		for _, id := range ids {
			p.enqueue(id)
		}
		wait := p.opts.Sweep
		if ok {
			wait = min(wait, max(p.clock.Until(next), 0))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-timer.Chan():
		case <-p.sched.wake:
		case <-sweep.Chan():
			p.sweep()
		}
	}
}

// sweepPage is how many files a sweep reads at a time: a backlog of
// thousands is never all in memory at once.
const sweepPage = 500

// sweep queues the unfinished files that are due and puts the others on
// the timetable.
func (p *Pipeline) sweep() {
	// Only ids and NextPollAt are needed: no file's payments are read.
	flt := state.Filter{States: []state.State{state.Received, state.Validated, state.Submitting, state.Submitted}, Limit: sweepPage, HeadersOnly: true}
	for {
		files, err := p.j.List(flt)
		if err != nil {
			p.log.Error("list files to track", "err", err)
			return
		}
		now := p.clock.Now()
		for _, f := range files {
			if now.Before(f.NextPollAt) {
				p.sched.set(f.ID, f.NextPollAt)
				continue
			}
			if at, ok := p.sched.when(f.ID); ok && at.After(now) {
				continue // waiting on the timetable (Atlar down: reschedule)
			}
			p.enqueue(f.ID)
		}
		if len(files) < sweepPage {
			return
		}
		flt.After = files[len(files)-1].ID
	}
}

// poll asks Atlar what became of a submitted file's payments and records
// it in one journal write. The file completes when every payment is final.
func (p *Pipeline) poll(ctx context.Context, f *state.File) (bool, error) {
	now := p.clock.Now()
	if now.Before(f.NextPollAt) {
		return false, nil
	}
	if f.Instruction != nil {
		return p.pollInstruction(ctx, f)
	}
	if f.Mode == ModeCollections {
		return p.pollCollections(ctx, f)
	}
	batches := append([]state.Batch(nil), f.Batches...)
	pays := append([]state.Payment(nil), f.Payments...)
	var notes []string
	interim := false
	for i := range batches {
		b := &batches[i]
		if b.ID == "" || b.Status == StatusRefused {
			continue
		}
		if !b.ResultsRead {
			got, err := p.api.GetCreditTransferBatch(ctx, b.ID)
			if err != nil {
				return false, p.retryLater(f, "poll batch", err)
			}
			if got.Status != b.Status {
				notes = append(notes, fmt.Sprintf("batch %d: %s", i+1, got.Status))
			}
			b.Status = got.Status
			if got.Status != atlar.BatchCompleted {
				continue
			}
			results, err := p.api.ListBatchResults(ctx, b.ID)
			if err != nil {
				return false, p.retryLater(f, "read batch results", err)
			}
			applyResults(b, pays, results)
			b.ResultsRead = true
		}
		if !anyOpen(pays[b.First : b.First+b.Count]) {
			continue
		}
		transfers, err := p.api.ListCreditTransfers(ctx, b.ID)
		if err != nil {
			return false, p.retryLater(f, "list payments", err)
		}
		if applyTransfers(pays[b.First:b.First+b.Count], transfers) {
			interim = true
		}
	}
	open := 0
	for _, pay := range pays {
		if !final(pay) {
			open++
		}
	}
	next := state.Submitted
	var problem *state.Problem
	switch {
	case open == 0:
		next = state.Completed
		notes = append(notes, "completed: "+summary(pays))
	case now.Sub(f.SubmittedAt) > p.opts.MaxWait:
		next = state.Failed
		msg := fmt.Sprintf("results.max_wait (%s) passed with %d of %d payments not final; the file is no longer followed — check them in Atlar", p.opts.MaxWait, open, len(pays))
		problem = &state.Problem{Code: "NARR", Message: msg}
		notes = append(notes, msg)
	}
	// Only the rows this poll changed are journaled (UpdateRows): a poll
	// of a 100k-payment file costs what changed, not what the file holds.
	var rows state.Rows
	for k := range pays {
		if pays[k] != f.Payments[k] {
			rows.Payments = append(rows.Payments, k)
		}
	}
	for k := range batches {
		if batches[k] != f.Batches[k] {
			rows.Batches = append(rows.Batches, k)
		}
	}
	id := f.ID
	h, err := p.j.UpdateRows(id, strings.Join(notes, "; "), rows, func(f *state.File, ps []*state.Payment, bs []*state.Batch) error {
		for j, k := range rows.Payments {
			*ps[j] = pays[k]
		}
		for j, k := range rows.Batches {
			*bs[j] = batches[k]
		}
		f.State = next
		f.Interim = f.Interim || interim
		f.PollFailures = 0
		f.NextPollAt = now.UTC().Add(pollEvery(p.opts.PollInterval, p.opts.MaxPoll, now.Sub(f.SubmittedAt)))
		if problem != nil {
			f.Problems = append(f.Problems, *problem)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("poll %s: %w", id, err)
	}
	if next != state.Submitted {
		p.logFinal(withRows(h, pays, batches))
	}
	return false, nil
}

// pollEvery slows polling down as a file waits longer: a quarter of the
// time waited so far, between base and max.
func pollEvery(base, max, waited time.Duration) time.Duration {
	return min(max, base+waited/4)
}

// applyResults maps a completed batch's per-record results onto payments.
func applyResults(b *state.Batch, pays []state.Payment, results []atlar.BatchResult) {
	for _, r := range results {
		if r.RecordIndex == nil || *r.RecordIndex < 0 || *r.RecordIndex >= b.Count {
			continue
		}
		pay := &pays[b.First+*r.RecordIndex]
		switch {
		case len(r.Errors) > 0:
			pay.Status = atlar.PaymentRejected
			pay.Reason = "Atlar: " + errorsText(r.Errors)
		case r.Skipped:
			pay.Status = atlar.PaymentRejected
			pay.Reason = "Atlar skipped this payment"
		default:
			pay.PaymentID = r.PaymentID
		}
	}
	for k := b.First; k < b.First+b.Count; k++ {
		if pays[k].PaymentID == "" && pays[k].Status == "" {
			pays[k].Status = atlar.PaymentRejected
			pays[k].Reason = "Atlar reported no result for this payment"
		}
	}
}

// applyTransfers records payment statuses; it reports whether a payment
// waits for approval in Atlar.
func applyTransfers(pays []state.Payment, transfers []atlar.CreditTransfer) bool {
	byID := make(map[string]*atlar.CreditTransfer, len(transfers))
	for i := range transfers {
		byID[transfers[i].ID] = &transfers[i]
	}
	waiting := false
	for k := range pays {
		pay := &pays[k]
		t, ok := byID[pay.PaymentID]
		if !ok || pay.PaymentID == "" {
			continue
		}
		pay.Status = t.Status
		pay.Reason, pay.ReasonCode = "", ""
		if rr := t.ReturnReason; rr != nil && atlar.PaymentTerminal(t.Status) {
			pay.ReasonCode = strings.TrimSpace(rr.Code)
			pay.Reason = strings.TrimSpace(rr.Description)
		}
		for _, s := range t.ApprovalSteps {
			if s.Status == "PENDING" && !atlar.PaymentTerminal(t.Status) {
				pay.Reason = "waiting for approval in Atlar"
				waiting = true
			}
		}
	}
	return waiting
}

func final(p state.Payment) bool { return atlar.PaymentTerminal(p.Status) }

func anyOpen(pays []state.Payment) bool {
	for _, p := range pays {
		if !final(p) {
			return true
		}
	}
	return false
}

func summary(pays []state.Payment) string {
	counts := map[string]int{}
	var order []string
	for _, p := range pays {
		s := p.Status
		if s == "" {
			s = "UNKNOWN"
		}
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
	}
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%d %s", counts[s], s)
	}
	return strings.Join(parts, ", ")
}

func errorsText(es []atlar.ErrorDetail) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error
		if e.Field != "" {
			if _, sub, ok := paymentField(e.Field); ok {
				parts[i] = sub + ": " + e.Error
			} else {
				parts[i] = e.Field + ": " + e.Error
			}
		}
	}
	return strings.Join(parts, "; ")
}

// Instruction statuses the bridge treats as final (assumed; see atlar).
// The value is what each payment of the file is then recorded as: an
// accepted instruction means the bank took the file, not that it paid.
var instructionFinal = map[string]string{
	"ACCEPTED": "ACCEPTED", "COMPLETED": "ACCEPTED", "EXECUTED": atlar.PaymentExecuted,
	"REJECTED": atlar.PaymentRejected, "FAILED": atlar.PaymentFailed,
}

func (p *Pipeline) pollInstruction(ctx context.Context, f *state.File) (bool, error) {
	ins := f.Instruction
	if ins.ID == "" {
		return false, nil
	}
	got, err := p.api.GetInstruction(ctx, ins.ConnectionID, ins.ID)
	if err != nil {
		return false, p.retryLater(f, "poll instruction", err)
	}
	now := p.clock.Now()
	payStatus, done := instructionFinal[got.Status]
	next := state.Submitted
	note := ""
	if got.Status != ins.Status {
		note = "instruction " + got.Status
		if got.Message != "" {
			note += ": " + got.Message
		}
	}
	switch {
	case done && (payStatus == "ACCEPTED" || payStatus == atlar.PaymentExecuted):
		next = state.Completed
	case done:
		next = state.Failed
	case now.Sub(f.SubmittedAt) > p.opts.MaxWait:
		next = state.Failed
		note = fmt.Sprintf("results.max_wait (%s) passed; instruction still %s", p.opts.MaxWait, got.Status)
	}
	id := f.ID
	f, err = p.j.Update(id, note, func(f *state.File) error {
		f.Instruction.Status = got.Status
		f.State = next
		f.PollFailures = 0
		f.NextPollAt = now.UTC().Add(pollEvery(p.opts.PollInterval, p.opts.MaxPoll, now.Sub(f.SubmittedAt)))
		if done {
			for k := range f.Payments {
				f.Payments[k].Status = payStatus
				if next == state.Failed {
					f.Payments[k].Reason = "the bank rejected the file: " + got.Message
				}
			}
		}
		if next == state.Failed {
			f.Problems = append(f.Problems, state.Problem{Code: "NARR", Message: note})
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("poll %s: %w", id, err)
	}
	if next != state.Submitted {
		p.logFinal(f)
	}
	return false, nil
}

// logFinal reports a file whose tracking ended: at WARN, with counts, when
// any of its payments was rejected, failed or was returned — a completed
// file is not all good news then — and tells OnFinal.
func (p *Pipeline) logFinal(f *state.File) {
	if n := f.PaymentsFailed(); n > 0 || f.State == state.Failed {
		p.log.Warn("file "+string(f.State)+" with payments not executed", "file_id", f.ID, "route", f.Route, "name", f.Name,
			"payments", len(f.Payments), "payments_failed", n, "summary", summary(f.Payments))
	} else {
		p.log.Info("file "+string(f.State), "file_id", f.ID, "route", f.Route, "summary", summary(f.Payments))
	}
	if p.opts.OnFinal != nil {
		p.opts.OnFinal(f)
	}
}
