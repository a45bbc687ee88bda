package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/atlarbridge/bridge/internal/layout"
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

func (p *Pipeline) claim(d Drop) (*state.File, error) {
	r, ok := p.route(d.Route)
	if !ok {
		return nil, fmt.Errorf("claim %s: %w %q", d.Path, ErrUnknownRoute, d.Route)
	}
	defer p.claims.Lock(d.Path)()

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
		Name: d.Name, Size: size, SHA256: sum, Source: d.Source,
		State: state.Received, ReceivedAt: now, UpdatedAt: now,
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

// moveToProcessing moves a received file from the inbox and consumes its
// done marker.
func (p *Pipeline) moveToProcessing(f *state.File) error {
	dst := p.lay.Abs(f.Path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("claim %s: %w", f.Name, err)
	}
	if err := os.Rename(p.lay.Abs(f.InboxPath), dst); err != nil {
		return fmt.Errorf("claim %s: move to processing: %w", f.Name, err)
	}
	if f.Marker != "" {
		if err := os.Remove(p.lay.Abs(f.Marker)); err != nil && !errors.Is(err, os.ErrNotExist) {
			p.log.Warn("could not remove done marker", "file_id", f.ID, "path", f.Marker, "err", err)
		}
	}
	return nil
}

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
	if max > 0 && st.Size() > max {
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
// changed), it is hashed again and the journal corrected before anything
// else reads the record, so duplicate checks see the bytes that are sent.
func (p *Pipeline) recheck(f *state.File, before os.FileInfo, max int64) (*state.File, error) {
	after, err := os.Stat(p.lay.Abs(f.Path))
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
		f.Size, f.SHA256 = size, sum
		return nil
	})
}
