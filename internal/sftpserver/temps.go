package sftpserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/atlarbridge/bridge/internal/atomicfile"
)

// CleanStaleTemps removes this server's hidden temp uploads from dirs:
// uploads cut off by a crash, which no client will finish. Call it at start
// (after inbound recovery), never while a server serves these folders.
// Missing folders are skipped; client temp files are left for resuming.
func CleanStaleTemps(dirs []string) error {
	var errs []error
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("clean temps: %w", err))
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !isHiddenTemp(e.Name()) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("clean temps: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

// ClientTemp is a client's own temp file in an inbox folder (*.part,
// *.filepart, *.tmp, ~*, dot-files): an upload not yet renamed to its
// final name, or one a client abandoned.
type ClientTemp struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// ClientTemps lists the client temp files in dirs, oldest first. The
// server's own hidden uploads are not listed (CleanStaleTemps handles
// those). Missing folders are skipped.
func ClientTemps(dirs []string) ([]ClientTemp, error) {
	var out []ClientTemp
	var errs []error
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("list client temps: %w", err))
			continue
		}
		for _, e := range entries {
			// The bridge's own atomic-write temps are not a client's.
			if !e.Type().IsRegular() || !isClientTemp(e.Name()) || isHiddenTemp(e.Name()) || atomicfile.IsTemp(e.Name()) {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				continue // removed meanwhile
			}
			out = append(out, ClientTemp{Path: filepath.Join(dir, e.Name()), Size: fi.Size(), ModTime: fi.ModTime()})
		}
	}
	slices.SortFunc(out, func(a, b ClientTemp) int { return a.ModTime.Compare(b.ModTime) })
	return out, errors.Join(errs...)
}

// CleanClientTemps removes the client temp files in dirs last written
// before cutoff: uploads a client gave up on, which the pipeline never
// takes. It is safe while the server runs: a client still writing a temp
// file keeps its modification time fresh, and an idle session is closed
// long before any sensible cutoff. It returns what it removed.
func CleanClientTemps(dirs []string, cutoff time.Time) ([]ClientTemp, error) {
	temps, err := ClientTemps(dirs)
	var removed []ClientTemp
	errs := []error{err}
	for _, t := range temps {
		if !t.ModTime.Before(cutoff) {
			continue
		}
		// Looked at again just before removing: a client may have resumed
		// the upload since the listing.
		fi, err := os.Lstat(t.Path)
		if err != nil || !fi.Mode().IsRegular() || !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(t.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("clean client temps: %w", err))
			continue
		}
		removed = append(removed, t)
	}
	return removed, errors.Join(errs...)
}
