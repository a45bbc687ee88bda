package outbound

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
)

// Output kinds, each one file in outbox/results named <input>.<suffix>.
const (
	KindAck       = "ack"        // pain.002 ACTC or RJCT for the whole file
	KindPending   = "pending"    // interim pain.002 while payments wait in Atlar
	KindResultXML = "result.xml" // final per-transaction pain.002
	KindResultCSV = "result.csv" // input rows + status, atlar_payment_id, reason
)

var suffix = map[string]string{
	KindAck: "ack.xml", KindPending: "pending.xml", KindResultXML: "result.xml", KindResultCSV: "result.csv",
}

// WriteResults writes every output the journal says is due and not yet
// written. It is idempotent: run it as often as you like.
func (ob *Outbound) WriteResults(ctx context.Context) error {
	files, err := ob.j.List(state.Filter{States: []state.State{state.Submitted, state.Completed, state.Failed, state.Rejected}})
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return ob.writeFiles(ctx, files)
}

// writeResultsFor writes the outputs due for the given files.
func (ob *Outbound) writeResultsFor(ctx context.Context, ids []string) error {
	files := make([]*state.File, 0, len(ids))
	for _, id := range ids {
		f, err := ob.j.Get(id)
		if errors.Is(err, state.ErrNotFound) {
			continue // withdrawn claim
		}
		if err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		files = append(files, f)
	}
	return ob.writeFiles(ctx, files)
}

func (ob *Outbound) writeFiles(ctx context.Context, files []*state.File) error {
	var errs []error
	for _, f := range files {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !f.State.Final() && f.State != state.Submitted {
			continue
		}
		for _, kind := range ob.due(f) {
			if err := ob.writeOutput(f, kind); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// outputKey names an output in File.Outputs; a retried file's outputs are
// new outputs.
func outputKey(f *state.File, kind string) string {
	if f.Attempt == 0 {
		return kind
	}
	return fmt.Sprintf("%s#%d", kind, f.Attempt)
}

// due lists the outputs a file needs now and has not had.
func (ob *Outbound) due(f *state.File) []string {
	r := ob.route(f.Route)
	accepted := anyAccepted(f)
	var want []string
	want = append(want, KindAck)
	switch {
	case f.State == state.Submitted && f.Interim:
		want = append(want, KindPending)
	case f.State == state.Completed || (f.State == state.Failed && accepted):
		if slices.Contains(r.Results, "pain002") {
			want = append(want, KindResultXML)
		}
		if slices.Contains(r.Results, "csv") {
			want = append(want, KindResultCSV)
		}
	case f.State == state.Rejected && f.Format == "csv" && slices.Contains(r.Results, "csv"):
		want = append(want, KindResultCSV)
	}
	var out []string
	for _, k := range want {
		if _, done := f.Outputs[outputKey(f, k)]; !done {
			out = append(out, k)
		}
	}
	return out
}

func (ob *Outbound) writeOutput(f *state.File, kind string) error {
	data, err := ob.render(f, kind)
	if err != nil {
		return fmt.Errorf("render %s of %s: %w", kind, f.ID, err)
	}
	key := fmt.Sprintf("file/%s/%d/%s", f.ID, f.Attempt, kind)
	name := f.Name + "." + suffix[kind]
	alt := f.Name + "." + f.ID + "." + suffix[kind]
	path, err := ob.deliver(key, ob.lay.Results(), name, alt, data)
	if err != nil {
		return err
	}
	_, err = ob.j.Update(f.ID, "wrote "+path, func(f *state.File) error {
		if f.Outputs == nil {
			f.Outputs = map[string]time.Time{}
		}
		f.Outputs[outputKey(f, kind)] = ob.clock.Now().UTC()
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %s of %s: %w", kind, f.ID, err)
	}
	if ob.o.OnDelivered != nil {
		ob.o.OnDelivered(kind)
	}
	return nil
}

func (ob *Outbound) render(f *state.File, kind string) ([]byte, error) {
	r := ob.route(f.Route)
	switch kind {
	case KindAck:
		return renderAck(f, r, ob.clock.Now())
	case KindPending, KindResultXML:
		return renderStatus(f, r, kind, ob.clock.Now())
	case KindResultCSV:
		var original []byte
		if f.Format == "csv" {
			var err error
			original, err = os.ReadFile(ob.lay.Abs(f.Path))
			if err != nil {
				return nil, fmt.Errorf("read original: %w", err)
			}
		}
		return renderCSV(f, r, original)
	}
	return nil, fmt.Errorf("unknown output kind %q", kind)
}

func anyAccepted(f *state.File) bool {
	for _, b := range f.Batches {
		if b.ID != "" {
			return true
		}
	}
	return f.Instruction != nil && f.Instruction.ID != ""
}
