package outbound

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	if f.Mode == modeCounterparties {
		want = counterpartiesDue(f)
	}
	switch {
	case f.Mode == modeCounterparties:
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
	base, err := ob.resultBase(f)
	if err != nil {
		return err
	}
	sfx := "." + suffix[kind]
	path, err := ob.deliver(key, ob.lay.Results(), base+sfx, altBase(f)+sfx, data)
	if err != nil {
		return err
	}
	_, err = ob.j.UpdateRows(f.ID, "wrote "+path, state.Rows{}, func(f *state.File, _ []*state.Payment, _ []*state.Batch) error {
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

// longestSuffix is the longest ".<suffix>" of any output kind: a base
// name leaves room for it.
const longestSuffix = len(".pending.xml")

// plainBase is an input's own name as the base of its result files; a name
// too long for the disk once suffixed is shortened (layout.FitName), the
// journal keeps the full one.
func plainBase(f *state.File) string {
	return layout.FitName(f.Name, layout.MaxNameBytes-longestSuffix)
}

// altBase is the base when the plain one is taken: the file id makes it
// unique, and a retry's attempt number sets it apart from the earlier
// attempt's files.
func altBase(f *state.File) string {
	id := f.ID
	if f.Attempt > 0 {
		id = fmt.Sprintf("%s-%d", f.ID, f.Attempt)
	}
	return layout.FitName(f.Name, layout.MaxNameBytes-len(id)-1-longestSuffix) + "." + id
}

// newAttempt reports whether f is a retry that has no output yet: its
// files get a base of their own, chosen afresh, since the earlier
// attempt's may still lie in the outbox under the old one.
func newAttempt(f *state.File) bool {
	if f.Attempt == 0 {
		return false
	}
	for k := range f.Outputs {
		if strings.HasSuffix(k, fmt.Sprintf("#%d", f.Attempt)) {
			return false
		}
	}
	return true
}

// resultBase is the one base name every result file of f shares
// (<base>.ack.xml, <base>.result.xml, <base>.result.csv): the input's
// name, or, when another input of that name (on any route) still has
// result files in the outbox or to come, the name with the file id. It is
// chosen at f's first output and journaled, so that an ERP matching files
// by name never gets one route's ack beside another route's result.
func (ob *Outbound) resultBase(f *state.File) (string, error) {
	if f.ResultBase != "" && !newAttempt(f) {
		return f.ResultBase, nil
	}
	if base, ok, err := ob.deliveredBase(f); f.ResultBase == "" && (err != nil || ok) {
		// Written before bases were journaled: keep what the ERP has.
		return base, err
	}
	plain := plainBase(f)
	unlock := ob.names.Lock("base/" + plain)
	defer unlock()
	taken, err := ob.baseTaken(f, plain)
	if err != nil {
		return "", err
	}
	base := plain
	if taken {
		base = altBase(f)
	} else if err := ob.j.SetMeta(baseMetaKey(plain), f.ID); err != nil {
		return "", fmt.Errorf("reserve result name %s: %w", plain, err)
	}
	_, err = ob.j.Update(f.ID, "result files named "+base+".*", func(jf *state.File) error {
		jf.ResultBase = base
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("record result name of %s: %w", f.ID, err)
	}
	f.ResultBase = base
	return base, nil
}

func baseMetaKey(plain string) string { return "resultbase/" + plain }

// baseTaken reports whether plain is in use by another input: a result
// file of that base is still in the outbox, or the input that last took
// it has outputs to come.
func (ob *Outbound) baseTaken(f *state.File, plain string) (bool, error) {
	for _, sfx := range suffix {
		// Not atomicfile.Exists: a folder that cannot be read now (gone,
		// not a folder, no permission) must fail this write, to be tried
		// again, and not give the input the alternative name for good.
		_, err := os.Lstat(filepath.Join(ob.lay.Results(), plain+"."+sfx))
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, os.ErrNotExist):
			return false, fmt.Errorf("result name %s: %w", plain, err)
		}
	}
	holder, ok, err := ob.j.GetMeta(baseMetaKey(plain))
	if err != nil || !ok || holder == f.ID {
		return false, err
	}
	h, err := ob.j.Get(holder)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("result name %s: %w", plain, err)
	}
	return h.ResultBase == plain && (!h.State.Final() || len(ob.due(h)) > 0), nil
}

// deliveredBase is the base of an output of f already delivered, if any.
func (ob *Outbound) deliveredBase(f *state.File) (string, bool, error) {
	if len(f.Outputs) == 0 {
		return "", false, nil
	}
	for attempt := 0; attempt <= f.Attempt; attempt++ {
		for kind, sfx := range suffix {
			d, err := ob.j.GetDelivery(fmt.Sprintf("file/%s/%d/%s", f.ID, attempt, kind))
			if errors.Is(err, state.ErrNotFound) {
				continue
			}
			if err != nil {
				return "", false, fmt.Errorf("result name of %s: %w", f.ID, err)
			}
			return strings.TrimSuffix(filepath.Base(filepath.FromSlash(d.Path)), "."+sfx), true, nil
		}
	}
	return "", false, nil
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
	if f.Mode == modeCollections {
		for _, p := range f.Payments {
			if p.PaymentID != "" {
				return true
			}
		}
	}
	return f.Instruction != nil && f.Instruction.ID != ""
}
