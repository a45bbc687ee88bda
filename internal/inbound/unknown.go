package inbound

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

// StatusUnknown marks an instruction whose create got no answer and that
// the bridge could not find again at Atlar with certainty.
const StatusUnknown = "UNKNOWN"

// Atlar remembers an Idempotency-Key for 24 hours. A create first tried
// longer ago than that, less a margin for clock skew, cannot count on its
// key to make a resend harmless: its outcome must be looked up first.
const (
	idempotencyWindow = 24 * time.Hour
	keyMargin         = time.Hour
	// createdSkew is how far Atlar's clock may run behind ours when
	// matching an instruction's creation time against our first attempt.
	createdSkew = 5 * time.Minute
)

// keyExpired reports whether a create first tried at first can no longer
// rely on its idempotency key.
func (p *Pipeline) keyExpired(first time.Time) bool {
	return !first.IsZero() && p.clock.Since(first) >= idempotencyWindow-keyMargin
}

// ambiguousError means several instructions at Atlar could be the one an
// earlier attempt created.
type ambiguousError struct {
	n    int
	name string
}

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("%d instructions named %q were created at Atlar since then that no other file of this bridge accounts for", e.n, e.name)
}

// findInstruction looks for the instruction an earlier attempt of f may
// have created. Instructions have no externalId, so it lists the
// connection's instructions and keeps those with the file's name and
// content type, created since the first attempt, that no other journaled
// file accounts for. It returns nil when there is none, and an
// *ambiguousError when there are several.
func (p *Pipeline) findInstruction(ctx context.Context, f *state.File) (*atlar.Instruction, error) {
	ins := f.Instruction
	list, err := p.api.ListInstructions(ctx, ins.ConnectionID)
	if err != nil {
		return nil, err
	}
	// Every file's instruction id: a full read of the journal, acceptable
	// on this rare path only.
	files, err := p.j.List(state.Filter{HeadersOnly: true})
	if err != nil {
		return nil, fmt.Errorf("look up instruction of %s: %w", f.ID, err)
	}
	known := map[string]bool{}
	for _, g := range files {
		if g.ID != f.ID && g.Instruction != nil && g.Instruction.ID != "" {
			known[g.Instruction.ID] = true
		}
	}
	since := ins.FirstTry.Add(-createdSkew)
	var found []atlar.Instruction
	for _, in := range list {
		if in.FileName != f.Name || in.ContentType != ins.ContentType || known[in.ID] {
			continue
		}
		if created, err := time.Parse(time.RFC3339Nano, in.Created); err == nil && created.Before(since) {
			continue
		}
		found = append(found, in)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	return nil, &ambiguousError{n: len(found), name: f.Name}
}

// unresolved fails a file whose earlier create may or may not have reached
// Atlar when the bridge cannot tell which: guessing either way could pay
// twice or not at all, so an operator decides. The file stays in the
// duplicate index, so the same bytes dropped again are refused meanwhile.
func (p *Pipeline) unresolved(f *state.File, cause error) (bool, error) {
	id := f.ID
	msg := fmt.Sprintf("could not tell whether Atlar received this file: the attempt of %s got no answer, "+
		"that is longer ago than Atlar remembers attempts, and %v. Check the connection's instructions in Atlar; "+
		"if none of them is this file, send it again with: %s retry %s",
		f.Instruction.FirstTry.UTC().Format(time.RFC3339), cause, p.opts.Command, f.ID)
	f, err := p.j.Update(id, "failed: outcome unknown", func(f *state.File) error {
		f.State = state.Failed
		f.Instruction.Status = StatusUnknown
		f.Path = layout.FailedRel(f.ReceivedAt, f.ID, f.Name)
		f.Problems = append(f.Problems, state.Problem{Code: "NARR", Message: msg})
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("submit %s: %w", id, err)
	}
	p.log.Error("instruction outcome unknown; the file needs an operator", "file_id", id, "route", f.Route, "err", cause)
	return true, p.place(f)
}

// resolveInstruction settles an instruction create whose earlier attempt
// got no answer and whose key Atlar no longer remembers. done means the
// file moved on (the instruction was found and recorded, or the file
// failed as unresolved, or the lookup failed and is retried later); not
// done means there is no such instruction and it may be created.
func (p *Pipeline) resolveInstruction(ctx context.Context, f *state.File) (next, done bool, err error) {
	got, err := p.findInstruction(ctx, f)
	var amb *ambiguousError
	switch {
	case errors.As(err, &amb):
		next, err = p.unresolved(f, amb)
		return next, true, err
	case err != nil:
		return false, true, p.retryLater(f, "look up instruction", err)
	case got == nil:
		return false, false, nil
	}
	next, err = p.instructionCreated(f, got, "found at Atlar after an attempt without an answer")
	return next, true, err
}
