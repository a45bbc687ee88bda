package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/state"
)

// advance moves a file as far as it can go now. Each step reads the file's
// record afresh, so advance is safe to call at any time, any number of
// times, including after a crash.
func (p *Pipeline) advance(ctx context.Context, id string) error {
	for ctx.Err() == nil {
		f, err := p.j.Get(id)
		if err != nil {
			return fmt.Errorf("advance %s: %w", id, err)
		}
		var next bool
		switch f.State {
		case state.Received:
			next, err = p.validate(ctx, f)
		case state.Validated:
			next, err = p.startSubmit(f)
		case state.Submitting:
			next, err = p.submit(ctx, f)
		case state.Submitted:
			if err = p.place(f); err == nil {
				next, err = p.poll(ctx, f)
			}
		default: // final
			return p.place(f)
		}
		if err != nil || !next {
			return err
		}
	}
	return ctx.Err()
}

// validate checks a received file and plans its requests (→ validated), or
// rejects it (→ rejected). A temporary failure (Atlar's accounts API) leaves
// it received, to be tried again.
func (p *Pipeline) validate(ctx context.Context, f *state.File) (bool, error) {
	return p.validateWith(ctx, f, p.acct)
}

// validateWith validates with the given resolver: the pipeline's own
// (which may call Atlar) or, on the SFTP close path, offlineAccounts.
func (p *Pipeline) validateWith(ctx context.Context, f *state.File, res Resolver) (bool, error) {
	if !atomicfile.Exists(p.lay.Abs(f.Path)) {
		// A claim interrupted between its journal entry and the move.
		if err := p.moveToProcessing(f); err != nil {
			return false, err
		}
	}
	r, ok := p.route(f.Route)
	if !ok {
		return true, p.reject(f, "", payrun.Problems{{Field: "route", Value: f.Route, Expected: "a route configured in config.toml (it was removed while the file waited)"}})
	}
	if f.TooLarge {
		return true, p.reject(f, "", payrun.Problems{{Field: "file", Value: fmt.Sprintf("%d bytes", f.Size),
			Expected: fmt.Sprintf("at most %d bytes (route max_file_size)", r.MaxFileSize), Code: "FF01"}})
	}
	// A cheap early check; startSubmit checks again under a lock.
	if dup, what, err := p.duplicate(f, ""); err != nil {
		return false, err
	} else if dup != nil {
		return true, p.rejectDuplicate(f, dup, what)
	}
	// Reading and parsing hold the file's size of the parse budget until
	// the plan is journaled, so workers parsing at once stay within it.
	weight := min(max(f.Size, 1), p.opts.ParseBudget)
	if err := p.parse.Acquire(ctx, weight); err != nil {
		return false, fmt.Errorf("validate %s: wait for the parse budget: %w", f.ID, err)
	}
	defer p.parse.Release(weight)
	data, err := os.ReadFile(p.lay.Abs(f.Path))
	if err != nil {
		return false, fmt.Errorf("validate %s: %w", f.ID, err)
	}
	// What is validated must be what was hashed (and will be archived).
	if why, err := p.changedSinceClaim(f, data, false); err != nil {
		return false, err
	} else if why != "" {
		return true, p.rejectChanged(f, why)
	}
	plan, probs, echo, err := buildPlan(ctx, r, PlanInput{
		FileID: f.ID, Attempt: f.Attempt, Name: f.Name, Data: data,
		Today: p.clock.Now().Local().Format(time.DateOnly),
	}, res)
	if err != nil {
		return false, fmt.Errorf("validate %s: %w", f.ID, err)
	}
	if len(probs) > 0 {
		return true, p.rejectEcho(f, "", probs, echo)
	}
	// The request bodies are journaled before the first attempt: a retry
	// after a crash sends the very same bytes under the same key.
	for i := range plan.Batches {
		body, err := json.Marshal(&plan.Batches[i])
		if err != nil {
			return false, fmt.Errorf("plan %s: %w", f.ID, err)
		}
		if err := p.j.PutBlob(batchBlob(f.ID, f.Attempt, i), body); err != nil {
			return false, fmt.Errorf("plan %s: journal batch: %w", f.ID, err)
		}
	}
	if plan.Counterparties != nil {
		body, err := json.Marshal(plan.Counterparties)
		if err != nil {
			return false, fmt.Errorf("plan %s: %w", f.ID, err)
		}
		if err := p.j.PutBlob(vendorsBlob(f.ID, f.Attempt), body); err != nil {
			return false, fmt.Errorf("plan %s: journal counterparties: %w", f.ID, err)
		}
	}
	if err := p.journalCollections(f, plan); err != nil {
		return false, err
	}
	note := fmt.Sprintf("valid: %d payments", len(plan.Payments))
	_, err = p.j.Update(f.ID, note, func(f *state.File) error {
		f.State = state.Validated
		f.MsgID = plan.Run.MsgID
		f.Original = plan.Original
		f.Payments = plan.Payments
		f.Batches = nil
		for i := range plan.Batches {
			first := plan.BatchFirst[i]
			f.Batches = append(f.Batches, state.Batch{
				Index: i, First: first, Count: len(plan.Batches[i].Payments),
				ExternalID:     plan.Batches[i].ExternalID,
				IdempotencyKey: fmt.Sprintf("%s-batch-%d-a%d", f.ID, i+1, f.Attempt),
			})
		}
		if plan.Instruction != nil {
			f.Instruction = &state.Instruction{
				ConnectionID:   plan.Instruction.ConnectionID,
				ContentType:    plan.Instruction.ContentType,
				IdempotencyKey: fmt.Sprintf("%s-instruction-a%d", f.ID, f.Attempt),
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("validate %s: %w", f.ID, err)
	}
	p.log.Info("file valid", "file_id", f.ID, "route", f.Route, "payments", len(plan.Payments), "batches", len(plan.Batches))
	return true, nil
}

// batchBlobPrefix is the key prefix of every journaled batch of a file.
func batchBlobPrefix(id string) string { return "batch/" + id + "/" }

func batchBlob(id string, attempt, n int) string {
	return fmt.Sprintf("batch/%s/%d/%d", id, attempt, n)
}

// startSubmit records that submission begins. Entering Submitting indexes
// the file for duplicate protection in the same journal write, so a second
// copy dropped now is caught.
func (p *Pipeline) startSubmit(f *state.File) (bool, error) {
	// The duplicate check and the write that indexes the file are one
	// critical section: two copies of a file validated at the same time
	// cannot both pass.
	// Last look before anything is sent: the copy still holds the
	// claimed bytes and the ERP has not written to its file since.
	if why, err := p.changedSinceClaim(f, nil, true); err != nil {
		return false, err
	} else if why != "" {
		return true, p.rejectChanged(f, why)
	}
	p.dupMu.Lock()
	defer p.dupMu.Unlock()
	if dup, what, err := p.duplicate(f, f.MsgID); err != nil {
		return false, err
	} else if dup != nil {
		return true, p.rejectDuplicate(f, dup, what)
	}
	_, err := p.j.Update(f.ID, "submitting to Atlar", func(f *state.File) error {
		f.State = state.Submitting
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("submit %s: %w", f.ID, err)
	}
	return true, nil
}

// duplicate finds an earlier file sent on the route within its dedupe
// window with the same bytes, or (msgID != "") the same pain.001 MsgId, or
// (instruction mode, once validated) any of the same transactions.
func (p *Pipeline) duplicate(f *state.File, msgID string) (*state.File, string, error) {
	if f.Force {
		return nil, "", nil
	}
	window := 90 * 24 * time.Hour
	if r, ok := p.route(f.Route); ok {
		window = r.DedupeWindow
	}
	since := p.clock.Now().Add(-window)
	dup, err := p.j.FindDuplicate(f.Route, f.SHA256, "", since, f.ID)
	if err == nil {
		return dup, "the same bytes (sha256)", nil
	}
	if !errors.Is(err, state.ErrNotFound) {
		return nil, "", fmt.Errorf("duplicate check %s: %w", f.ID, err)
	}
	if msgID != "" {
		dup, err = p.j.FindDuplicate(f.Route, "", msgID, since, f.ID)
		if err == nil {
			return dup, "the same MsgId " + msgID, nil
		}
		if !errors.Is(err, state.ErrNotFound) {
			return nil, "", fmt.Errorf("duplicate check %s: %w", f.ID, err)
		}
	}
	return p.txDuplicate(f, since)
}

// txDuplicate finds an earlier file that forwarded any of f's transactions
// (debtor account, EndToEndId, amount, currency): an ERP re-export under a
// fresh MsgId. One repeated transaction is enough to refuse the whole
// file, since an instruction is forwarded untouched and cannot be split,
// and paying one transaction twice is the loss to avoid.
func (p *Pipeline) txDuplicate(f *state.File, since time.Time) (*state.File, string, error) {
	var fps []string
	e2e := map[string]string{} // fingerprint → EndToEndId
	for _, pay := range f.Payments {
		if fp := state.TxFingerprint(pay); fp != "" {
			if _, ok := e2e[fp]; !ok {
				fps = append(fps, fp)
				e2e[fp] = pay.ExternalID
			}
		}
	}
	if len(fps) == 0 {
		return nil, "", nil
	}
	dup, shared, err := p.j.FindTxDuplicate(f.Route, fps, since, f.ID)
	if errors.Is(err, state.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("duplicate check %s: %w", f.ID, err)
	}
	ids := make([]string, 0, len(shared))
	for _, fp := range shared {
		ids = append(ids, e2e[fp])
	}
	const show = 10
	list := strings.Join(ids[:min(len(ids), show)], ", ")
	if len(ids) > show {
		list += fmt.Sprintf(" and %d more", len(ids)-show)
	}
	what := fmt.Sprintf("%d of %d transactions already forwarded (same debtor account, EndToEndId, amount and currency; EndToEndId %s)",
		len(ids), len(fps), list)
	return dup, what, nil
}

func (p *Pipeline) rejectDuplicate(f, dup *state.File, what string) error {
	prob := payrun.Problem{Field: "file", Code: "DU01",
		Value:    fmt.Sprintf("%s, as file %s (%s) received %s", what, dup.ID, dup.Name, dup.ReceivedAt.UTC().Format(time.RFC3339)),
		Expected: "a file not sent before on this route; to send it again on purpose run: " + p.opts.Command + " retry " + f.ID + " --force"}
	return p.reject(f, dup.ID, payrun.Problems{prob})
}

// reject records a file as rejected with every problem, then moves the
// original to failed/ beside an error report.
func (p *Pipeline) reject(f *state.File, dupOf string, probs payrun.Problems) error {
	return p.rejectEcho(f, dupOf, probs, nil)
}

// rejectEcho is reject, keeping what the rejection report can echo of
// the file (its MsgId, and each problem's PmtInfId and EndToEndId).
func (p *Pipeline) rejectEcho(f *state.File, dupOf string, probs payrun.Problems, echo *Echo) error {
	id := f.ID
	f, err := p.j.Update(id, fmt.Sprintf("rejected: %d problem(s)", len(probs)), func(f *state.File) error {
		f.State = state.Rejected
		f.DuplicateOf = dupOf
		f.Problems = toStateProblems(probs)
		if echo != nil {
			f.Original = echo.Original
			echoTransactions(f.Problems, echo.Payments)
		}
		f.Path = layout.FailedRel(f.ReceivedAt, f.ID, f.Name)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reject %s: %w", id, err)
	}
	p.log.Warn("file rejected", "file_id", f.ID, "route", f.Route, "name", f.Name, "problems", len(probs), "first", probs[0].String())
	return p.place(f)
}

// echoTransactions names the transaction of each per-transaction problem
// (Row is the 1-based CdtTrfTxInf) by its PmtInfId and EndToEndId.
func echoTransactions(probs []state.Problem, pays []state.Payment) {
	byRow := make(map[int]*state.Payment, len(pays))
	for i := range pays {
		byRow[pays[i].Row] = &pays[i]
	}
	for i := range probs {
		if pay, ok := byRow[probs[i].Row]; ok && probs[i].Row > 0 {
			probs[i].PmtInfID, probs[i].EndToEndID = pay.PmtInfID, pay.ExternalID
		}
	}
}

func toStateProblems(ps payrun.Problems) []state.Problem {
	const max = 1000
	out := make([]state.Problem, 0, min(len(ps), max))
	for i, p := range ps {
		if i == max {
			out = append(out, state.Problem{Message: fmt.Sprintf("… and %d more problems", len(ps)-max)})
			break
		}
		out = append(out, state.Problem{Row: p.Row, Line: p.Line, Field: p.Field, Value: p.Value,
			Expected: p.Expected, Code: p.Code, Message: p.String()})
	}
	return out
}
