package inbound

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

// place makes sure a file's original rests where the journal says (f.Path):
// it moves it there from processing/, writing the error report first for
// failed/ so an operator never finds an original without its reason. It is
// idempotent, which is what lets Recover call it blindly.
func (p *Pipeline) place(f *state.File) error {
	dst := p.lay.Abs(f.Path)
	src := p.lay.Abs(layout.ProcessingRel(f.Route, f.ID, f.Name))
	if src == dst {
		return nil
	}
	// Decide from what is certain: the original still in processing/ must
	// move. An error looking at the destination (its folder replaced by a
	// file, a network share gone) is not "already there".
	_, err := os.Lstat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Lstat(dst); err != nil {
			return fmt.Errorf("place %s: original not found at %s nor %s: %w", f.ID, src, dst, err)
		}
		p.dropClaimed(f) // a crash may have come before
		return nil       // placed before
	case err != nil:
		return fmt.Errorf("place %s: %w", f.ID, err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("place %s: both %s and %s exist; not overwriting", f.ID, src, dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("place %s: %w", f.ID, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("place %s: %w", f.ID, err)
	}
	if strings.HasPrefix(f.Path, layout.FailedDir+"/") {
		report := dst + ".error.txt"
		removeTemps(report)
		if err := atomicfile.Write(report, []byte(ErrorReport(f, p.opts.Command)), 0o640); err != nil {
			return fmt.Errorf("place %s: error report: %w", f.ID, err)
		}
	}
	if strings.HasPrefix(f.Path, layout.ArchiveDir+"/") {
		// The archive holds the copy that was sent, whatever happened to
		// the ERP's file; say so if the ERP wrote to it after the claim.
		if why, err := p.changedSinceClaim(f, nil, true); err != nil {
			return fmt.Errorf("place %s: %w", f.ID, err)
		} else if why != "" {
			p.log.Error("the file changed after it was claimed and sent; the archive keeps the bytes that were sent",
				"file_id", f.ID, "route", f.Route, "name", f.Name, "change", why)
		}
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("place %s: %w", f.ID, err)
	}
	atomicfile.SyncDir(filepath.Dir(dst))
	p.dropClaimed(f)
	return nil
}

// removeTemps deletes the temp files an atomic write of final left when a
// crash cut it short: nothing else would ever clean them from failed/.
func removeTemps(final string) {
	dir, base := filepath.Split(final)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if atomicfile.IsTemp(n) && strings.HasPrefix(n, "."+base+".") {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
}

// ErrorReport is the .error.txt beside a failed original: what happened, in
// words an operator understands without reading code.
func ErrorReport(f *state.File, command string) string {
	var b strings.Builder
	verb := "was rejected"
	if f.State == state.Failed {
		verb = "failed"
	}
	switch {
	case f.Instruction != nil && f.Instruction.Status == StatusUnknown:
		fmt.Fprintf(&b, "The payment file %q %s; whether Atlar received it is unknown", f.Name, verb)
	case anyAccepted(f):
		fmt.Fprintf(&b, "The payment file %q %s", f.Name, verb)
	default:
		fmt.Fprintf(&b, "The payment file %q %s; nothing in it was paid", f.Name, verb)
	}
	b.WriteString(".\n\n")
	fmt.Fprintf(&b, "File id:   %s\nRoute:     %s\nReceived:  %s from %s\nSize:      %d bytes\nSHA-256:   %s\n",
		f.ID, f.Route, f.ReceivedAt.UTC().Format(time.RFC3339), f.Source, f.Size, f.SHA256)
	if f.DuplicateOf != "" {
		fmt.Fprintf(&b, "Duplicate: of file %s\n", f.DuplicateOf)
	}
	fmt.Fprintf(&b, "\nWhat is wrong (%d):\n", len(f.Problems))
	for _, pr := range f.Problems {
		fmt.Fprintf(&b, "  - %s\n", pr.Message)
	}
	b.WriteString("\nThe original file is kept unchanged beside this report.\n")
	b.WriteString("Fix the file and drop it again, or requeue this one with: " + command + " retry " + f.ID + "\n")
	return b.String()
}

func anyAccepted(f *state.File) bool {
	for _, b := range f.Batches {
		if b.ID != "" {
			return true
		}
	}
	return f.Instruction != nil && f.Instruction.ID != ""
}

// finishClaim completes a claim a crash interrupted, before the watcher and
// the SFTP server start: the server deletes its stale temp uploads at
// start, and the watcher would offer a visible file again as a new one, or
// take a later file of the same name before it is complete if the old done
// marker were left behind.
func (p *Pipeline) finishClaim(f *state.File) {
	if !atomicfile.Exists(p.lay.Abs(f.Path)) {
		if err := p.moveToProcessing(f); err != nil {
			p.log.Error("could not finish an interrupted claim; will retry", "file_id", f.ID, "path", f.InboxPath, "err", err)
		}
		return
	}
	if f.Marker == "" {
		return
	}
	// Moved, but the crash came before the marker was consumed. A marker
	// newer than the claim is the ERP's for a new file of that name: keep it.
	marker := p.lay.Abs(f.Marker)
	if st, err := os.Lstat(marker); err == nil && !st.ModTime().After(f.ReceivedAt) {
		if err := os.Remove(marker); err != nil {
			p.log.Warn("could not remove done marker", "file_id", f.ID, "path", f.Marker, "err", err)
		}
	}
}

// Recover resumes every file from the journal after a start or a crash:
// received files still in the inbox are moved to processing, originals of
// files that moved on are put where the journal says, and every unfinished
// file is queued. Call it before the watcher and the SFTP server start.
func (p *Pipeline) Recover() error {
	open, err := p.j.List(state.Filter{States: []state.State{state.Received, state.Validated, state.Submitting, state.Submitted}})
	if err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	for _, f := range open {
		if f.State == state.Received && !atomicfile.Exists(p.lay.Abs(f.Path)) && !atomicfile.Exists(p.lay.Abs(f.InboxPath)) &&
			!atomicfile.Exists(p.claimedAbs(f)) {
			// Gone before we took it: nothing to pay, nothing to keep.
			p.log.Warn("received file vanished before it was claimed", "file_id", f.ID, "path", f.InboxPath)
			if err := p.j.Delete(f.ID); err != nil {
				return fmt.Errorf("recover %s: %w", f.ID, err)
			}
			continue
		}
		if f.State == state.Received {
			p.finishClaim(f)
		}
		p.enqueue(f.ID)
	}
	// Originals left in processing/ by a crash after their final journal
	// write.
	routesDir := filepath.Join(p.lay.Root, layout.ProcessingDir)
	routes, err := os.ReadDir(routesDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("recover: %w", err)
	}
	for _, rd := range routes {
		entries, err := os.ReadDir(filepath.Join(routesDir, rd.Name()))
		if err != nil {
			return fmt.Errorf("recover: %w", err)
		}
		for _, e := range entries {
			if atomicfile.IsTemp(e.Name()) {
				// A claim's copy cut short by a crash: the claim is
				// finished again from the original (finishClaim).
				_ = os.Remove(filepath.Join(routesDir, rd.Name(), e.Name()))
				continue
			}
			if strings.HasPrefix(e.Name(), ".") {
				p.recoverClaimed(e.Name())
				continue
			}
			id, _, ok := strings.Cut(e.Name(), "_")
			if !ok {
				continue
			}
			f, err := p.j.Get(id)
			if errors.Is(err, state.ErrNotFound) {
				p.log.Error("file in processing/ has no journal entry; left alone", "path", filepath.Join(rd.Name(), e.Name()))
				continue
			}
			if err != nil {
				return fmt.Errorf("recover %s: %w", id, err)
			}
			if f.Path != layout.ProcessingRel(f.Route, f.ID, f.Name) {
				if err := p.place(f); err != nil {
					return fmt.Errorf("recover: %w", err)
				}
			}
		}
	}
	return nil
}

// recoverClaimed removes a claimed original (claimedAbs) left in
// processing/ by a crash after its file was placed.
func (p *Pipeline) recoverClaimed(name string) {
	rest, ok := strings.CutSuffix(strings.TrimPrefix(name, "."), ".claimed")
	if !ok {
		return
	}
	id, _, _ := strings.Cut(rest, "_")
	f, err := p.j.Get(id)
	if err != nil {
		return // not ours to judge: left alone
	}
	if f.Path != layout.ProcessingRel(f.Route, f.ID, f.Name) && f.State != state.Received {
		p.dropClaimed(f)
	}
}
