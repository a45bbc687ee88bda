package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/state"
)

// Drop is a complete file handed over by the folder watcher or the SFTP
// server.
type Drop struct {
	Route string
	// Path is the absolute path of the complete bytes.
	Path string
	// Name is the file name the ERP gave.
	Name string
	// Marker is a done-marker file to consume with the file ("" for none).
	Marker string
	// Source is "folder" or "sftp:<user>".
	Source string
	// SHA256 is the hex sha256 of the bytes at Path when the sender has
	// computed it already (the SFTP server does, while the bytes arrive);
	// empty makes Claim read the file to hash it.
	SHA256 string
}

// ErrUnknownRoute is returned by Claim for a folder no route owns.
var ErrUnknownRoute = errors.New("no such route")

// Claim journals a complete file and moves it to processing/. The journal
// entry is written before the move, so a crash between the two is
// resumed by Recover. An error means the file was not taken and stays
// where it is (e.g. a writer still holds it open): offer it again later.
func (p *Pipeline) Claim(ctx context.Context, d Drop) (string, error) {
	f, err := p.claim(d)
	if err != nil {
		return "", err
	}
	p.enqueue(f.ID)
	return f.ID, nil
}

// RejectedError is returned by Receive for a route with in-band rejects
// when the file is invalid; the file is already in failed/.
type RejectedError struct {
	FileID string
	Reason string
}

func (e *RejectedError) Error() string { return "file rejected: " + e.Reason }

// Receive claims a file handed over by the SFTP server. For a route with
// reject_in_band it validates before answering, so the ERP's upload fails
// with the reason when the file is bad.
func (p *Pipeline) Receive(ctx context.Context, d Drop) (string, error) {
	f, err := p.claim(d)
	if err != nil {
		return "", err
	}
	defer p.enqueue(f.ID)
	if r, ok := p.route(f.Route); !ok || !r.RejectInBand {
		return f.ID, nil
	}
	// The check runs offline and bounded: the ERP's close() is waiting, so
	// it must not wait on Atlar (an outage would hang it for the client's
	// whole retry budget). What the cache cannot answer, and a check that
	// runs out of time, leave the file queued: the pipeline validates it
	// again, online, after the close.
	vctx, cancel := context.WithTimeout(ctx, p.opts.InBandTimeout)
	defer cancel()
	if _, err := p.validateWith(vctx, f, offlineAccounts{p.acct}); err != nil {
		p.log.Debug("in-band check left to the pipeline", "file_id", f.ID, "err", err)
		return f.ID, nil
	}
	f, err = p.j.Get(f.ID)
	if err != nil || f.State != state.Rejected {
		return f.ID, nil
	}
	var msgs []string
	for i, pr := range f.Problems {
		if i == 3 {
			msgs = append(msgs, fmt.Sprintf("and %d more (see the ack)", len(f.Problems)-3))
			break
		}
		msgs = append(msgs, pr.Message)
	}
	return f.ID, &RejectedError{FileID: f.ID, Reason: strings.Join(msgs, "; ")}
}

// ErrStillOpen is returned by Claim for a file another process still has
// open: a writer that paused longer than settle has not finished. The file
// stays where it is; offer it again later.
var ErrStillOpen = errors.New("another process still has the file open (still being written?)")

func (p *Pipeline) claim(d Drop) (*state.File, error) {
	r, ok := p.route(d.Route)
	if !ok {
		return nil, fmt.Errorf("claim %s: %w %q", d.Path, ErrUnknownRoute, d.Route)
	}
	defer p.claims.Lock(d.Path)()

	writerOpen := p.opts.WriterOpen
	if writerOpen == nil {
		writerOpen = WriterOpen
	}
	open, supported, err := writerOpen(d.Path)
	switch {
	case open && err != nil:
		return nil, fmt.Errorf("claim %s: %w: %v", d.Path, ErrStillOpen, err)
	case open:
		return nil, fmt.Errorf("claim %s: %w", d.Path, ErrStillOpen)
	case !supported:
		p.warnNoLease(r, d.Path, err)
	case err != nil:
		return nil, fmt.Errorf("claim %s: %w", d.Path, err)
	}
	before, err := os.Stat(d.Path)
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", d.Path, err)
	}
	size, sum, err := hashFile(d.Path, r.MaxFileSize, d.SHA256)
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", d.Path, err)
	}
	inboxRel, err := p.lay.Rel(d.Path)
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", d.Path, err)
	}
	now := p.clock.Now().UTC()
	f := &state.File{
		ID: state.NewID(now), Route: r.Name, Format: r.Format, Mode: r.mode(),
		Name: d.Name, Size: size, SHA256: sum, TooLarge: tooLarge(size, r.MaxFileSize), Source: d.Source,
		ClaimedModTime: before.ModTime().UTC(),
		State:          state.Received, ReceivedAt: now, UpdatedAt: now,
		InboxPath: inboxRel,
	}
	f.Path = layout.ProcessingRel(r.Name, f.ID, d.Name)
	if d.Marker != "" {
		if rel, err := p.lay.Rel(d.Marker); err == nil {
			f.Marker = rel
		}
	}
	if err := p.j.Create(f, fmt.Sprintf("received %s (%d bytes) from %s", inboxRel, size, d.Source)); err != nil {
		return nil, fmt.Errorf("claim %s: journal: %w", d.Path, err)
	}
	if err := p.moveToProcessing(f); err != nil {
		// Nothing happened yet but the journal entry: withdraw it so the
		// file is offered again as if never seen.
		if derr := p.j.Delete(f.ID); derr != nil {
			return nil, errors.Join(err, derr)
		}
		return nil, err
	}
	if f, err = p.recheck(f, before, r.MaxFileSize); err != nil {
		return nil, err
	}
	p.log.Info("file received", "file_id", f.ID, "route", f.Route, "name", f.Name,
		"size", f.Size, "sha256", f.SHA256, "source", f.Source)
	return f, nil
}

// warnNoLease says once per route that the bridge cannot tell a paused
// writer from a finished one there. A route with a done marker does not
// need to.
func (p *Pipeline) warnNoLease(r *Route, path string, err error) {
	if r.DoneMarker != "" || p.log == nil {
		return
	}
	if _, warned := p.noLease.LoadOrStore(r.Name, true); warned {
		return
	}
	p.log.Warn("cannot tell whether a writer still has inbox files open; a writer pausing longer than settle would be taken for finished: set done_marker on the route (or, on Linux, let the bridge take write leases: run it as the files' owner or with CAP_LEASE)",
		"route", r.Name, "path", path, "err", err)
}

// detached reports whether a file is read from a private copy: a folder
// drop may still be open in the ERP (the claim's rename keeps the inode a
// writer holds), while an SFTP upload was written and closed by the bridge
// itself, a file over max_file_size is never read, and a requeued file
// comes back from failed/, where only the bridge writes.
func detached(f *state.File) bool {
	return !strings.HasPrefix(f.Source, "sftp:") && !f.TooLarge &&
		strings.HasPrefix(f.InboxPath, layout.InboxDir+"/")
}

// claimedAbs is where a detached file's original inode rests while the file
// is in processing/: hidden beside the private copy, kept to tell whether
// the ERP wrote to it after the claim.
func (p *Pipeline) claimedAbs(f *state.File) string {
	dir, base := filepath.Split(p.lay.Abs(layout.ProcessingRel(f.Route, f.ID, f.Name)))
	return filepath.Join(dir, "."+base+".claimed")
}

// moveToProcessing moves a received file from the inbox and consumes its
// done marker. A folder drop is moved aside and copied into place, so
// that the bytes hashed, validated, sent and archived are one copy no
// other process has open.
func (p *Pipeline) moveToProcessing(f *state.File) error {
	dst := p.lay.Abs(f.Path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("claim %s: %w", f.Name, err)
	}
	if !detached(f) {
		if err := os.Rename(p.lay.Abs(f.InboxPath), dst); err != nil {
			return fmt.Errorf("claim %s: move to processing: %w", f.Name, err)
		}
	} else {
		orig := p.claimedAbs(f)
		if !atomicfile.Exists(orig) {
			if err := os.Rename(p.lay.Abs(f.InboxPath), orig); err != nil {
				return fmt.Errorf("claim %s: move to processing: %w", f.Name, err)
			}
		}
		if err := copyFile(orig, dst); err != nil {
			// Put it back, so that a withdrawn claim leaves the file
			// where the ERP put it.
			if rerr := os.Rename(orig, p.lay.Abs(f.InboxPath)); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return fmt.Errorf("claim %s: copy in processing: %w", f.Name, err)
		}
	}
	if f.Marker != "" {
		if err := os.Remove(p.lay.Abs(f.Marker)); err != nil && !errors.Is(err, os.ErrNotExist) {
			p.log.Warn("could not remove done marker", "file_id", f.ID, "path", f.Marker, "err", err)
		}
	}
	return nil
}

// copyFile copies src to dst via a synced temp file and a rename: dst is a
// new inode only the bridge ever opened.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := atomicfile.TempName(dst)
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = atomicfile.Commit(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// tooLarge reports whether size is over a route's max_file_size (0: none).
func tooLarge(size, max int64) bool { return max > 0 && size > max }

// hashFile returns the size and sha256 of a file; known, when set, is the
// sha256 the sender computed, and the file is then not read. A file over
// max is not read (its hash is left empty): it will be rejected for its
// size.
func hashFile(path string, max int64, known string) (int64, string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return 0, "", err
	}
	if !st.Mode().IsRegular() {
		return 0, "", fmt.Errorf("not a regular file")
	}
	if tooLarge(st.Size(), max) {
		return st.Size(), "", nil
	}
	if known != "" {
		return st.Size(), known, nil
	}
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err != nil {
		return 0, "", fmt.Errorf("read: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// recheck guards against a writer that finished between the hash and the
// move: if the moved file is not the one that was hashed (size or mtime
// changed), the copy in processing/ is hashed again and the journal
// corrected before anything else reads the record, so duplicate checks see
// the bytes that are sent. A writer still going changes the original
// again, which changedSinceClaim catches before anything is sent.
func (p *Pipeline) recheck(f *state.File, before os.FileInfo, max int64) (*state.File, error) {
	moved := p.lay.Abs(f.Path)
	if detached(f) {
		moved = p.claimedAbs(f)
	}
	after, err := os.Stat(moved)
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", f.Name, err)
	}
	if after.Size() == before.Size() && after.ModTime().Equal(before.ModTime()) {
		return f, nil
	}
	size, sum, err := hashFile(p.lay.Abs(f.Path), max, "")
	if err != nil {
		return nil, fmt.Errorf("claim %s: %w", f.Name, err)
	}
	note := fmt.Sprintf("the file changed while it was claimed: now %d bytes, hashed again", size)
	return p.j.Update(f.ID, note, func(f *state.File) error {
		f.Size, f.SHA256, f.TooLarge = size, sum, tooLarge(size, max)
		f.ClaimedModTime = after.ModTime().UTC()
		return nil
	})
}

// changedSinceClaim says how a file in processing/ differs from what was
// claimed, or "" when it does not: the copy (data when the caller has read
// it; hashed again when full) must hold the journaled bytes, and the ERP's
// original must have kept the size, modification time and (full) hash it
// had when claimed. A writer that only paused and then went on writes into
// that original: its payments would otherwise go unpaid while the rest
// were reported as the whole file.
func (p *Pipeline) changedSinceClaim(f *state.File, data []byte, full bool) (string, error) {
	if f.TooLarge {
		return "", nil // rejected for that
	}
	if data == nil && full {
		// The copy, wherever the journal's record has it by now.
		size, sum, err := hashFile(p.lay.Abs(layout.ProcessingRel(f.Route, f.ID, f.Name)), 0, "")
		if err != nil {
			return "", fmt.Errorf("recheck %s: %w", f.ID, err)
		}
		if size != f.Size || sum != f.SHA256 {
			return changedReason(f.Size, size), nil
		}
	}
	if data != nil {
		sum := sha256.Sum256(data)
		if int64(len(data)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			return changedReason(f.Size, int64(len(data))), nil
		}
	}
	if !detached(f) {
		return "", nil
	}
	orig := p.claimedAbs(f)
	ost, err := os.Stat(orig)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil // claimed by an earlier bridge, straight into place
	}
	if err != nil {
		return "", fmt.Errorf("recheck %s: %w", f.ID, err)
	}
	if ost.Size() != f.Size || (!f.ClaimedModTime.IsZero() && !ost.ModTime().Equal(f.ClaimedModTime)) {
		return changedReason(f.Size, ost.Size()), nil
	}
	if full {
		size, sum, err := hashFile(orig, 0, "")
		if err != nil {
			return "", fmt.Errorf("recheck %s: %w", f.ID, err)
		}
		if size != f.Size || sum != f.SHA256 {
			return changedReason(f.Size, size), nil
		}
	}
	return "", nil
}

func changedReason(claimed, now int64) string {
	if claimed == now {
		return fmt.Sprintf("%d bytes when claimed, the same size but other bytes now", claimed)
	}
	return fmt.Sprintf("%d bytes when claimed, %d now", claimed, now)
}

// rejectChanged rejects a file written to after its claim; nothing of it
// was sent.
func (p *Pipeline) rejectChanged(f *state.File, why string) error {
	return p.reject(f, "", payrun.Problems{{Field: "file", Code: "NARR",
		Value: "the file changed after it was claimed: " + why,
		Expected: "a file complete when it appears in the inbox: write it under a temp name and rename it when complete, " +
			"or set done_marker on the route; then drop the whole file again"}})
}

// dropClaimed removes a detached file's original once the copy rests in
// archive/ or failed/.
func (p *Pipeline) dropClaimed(f *state.File) {
	if !detached(f) {
		return
	}
	if err := os.Remove(p.claimedAbs(f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		p.log.Warn("could not remove the claimed original", "file_id", f.ID, "path", p.claimedAbs(f), "err", err)
	}
}
