package outbound

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"golang.org/x/sync/errgroup"
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

// WriteResults writes every output due for the files written since it last
// looked (the journal's change marks), then marks those it settled as
// seen. It is idempotent: run it as often as you like. A file settled and
// not written since is not read again, so a journal of months of files
// costs nothing here.
func (ob *Outbound) WriteResults(ctx context.Context) error {
	// A page at a time: a backlog of thousands of files is never all in
	// memory at once.
	const page = 256
	after := ""
	var errs []error
	for {
		changes, err := ob.j.Changed(after, page)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("write results: %w", err))...)
		}
		files := make([]*state.File, 0, len(changes))
		for _, ch := range changes {
			f, err := ob.j.Get(ch.ID)
			switch {
			case errors.Is(err, state.ErrNotFound):
				// Withdrawn since; its mark went with it.
			case err != nil:
				errs = append(errs, fmt.Errorf("write results: %w", err))
			default:
				files = append(files, f)
			}
		}
		failed, err := ob.writeFiles(ctx, files)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, err)
		}
		// A file whose outputs were just written is marked again by that
		// write, so Seen keeps it for the next look, which finds it
		// settled.
		var seen []state.Change
		for _, ch := range changes {
			if !failed[ch.ID] {
				seen = append(seen, ch)
			}
		}
		if err := ob.j.Seen(seen); err != nil {
			errs = append(errs, fmt.Errorf("write results: %w", err))
		}
		if len(changes) < page {
			return errors.Join(errs...)
		}
		after = changes[len(changes)-1].ID
	}
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
	_, err := ob.writeFiles(ctx, files)
	return err
}

// writeFiles writes the due outputs of several files at once (Workers):
// each output waits for its fsyncs and journal commits, and outputs
// written side by side share them. One file's outputs are written in turn.
// failed holds the files an output of which could not be written.
func (ob *Outbound) writeFiles(ctx context.Context, files []*state.File) (failed map[string]bool, err error) {
	var (
		mu   sync.Mutex
		errs []error
		g    errgroup.Group
	)
	failed = map[string]bool{}
	g.SetLimit(ob.o.Workers)
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		if !f.State.Final() && f.State != state.Submitted {
			continue
		}
		kinds := ob.due(f)
		if len(kinds) == 0 {
			continue
		}
		g.Go(func() error {
			for _, kind := range kinds {
				if err := ob.writeOutput(f, kind); err != nil {
					mu.Lock()
					errs = append(errs, err)
					failed[f.ID] = true
					mu.Unlock()
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return failed, err
	}
	return failed, errors.Join(errs...)
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
	// A name too long for the disk once suffixed is shortened
	// (layout.FitName); the journal keeps the full one.
	sfx := "." + suffix[kind]
	name := layout.FitName(f.Name, layout.MaxNameBytes-len(sfx)) + sfx
	alt := layout.FitName(f.Name, layout.MaxNameBytes-len(f.ID)-1-len(sfx)) + "." + f.ID + sfx
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
		// A file over the route's size limit was rejected unread; echoing
		// it would read it whole into memory here.
		if f.Format == "csv" && (r.MaxFileSize <= 0 || f.Size <= r.MaxFileSize) {
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
