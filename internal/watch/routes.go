package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchBuffer is the event buffer on Windows (fsnotify's default is 64KiB):
// large enough for a few thousand names dropped at once; beyond that the
// overflow triggers a rescan. Other systems ignore it.
const watchBuffer = 256 << 10

// route is a watched folder as the loop keeps it.
type route struct {
	Dir // Path is absolute and clean
	// watched is false once the folder's watch went away (the folder was
	// deleted or renamed); scans try to watch it again.
	watched bool
	// lastErr rate-limits scan error logs.
	lastErr time.Time
}

// takes reports whether name is a file the route hands over (as opposed to
// temp files and done markers).
func (r *route) takes(name string) bool {
	return !TempName(name) && (r.DoneMarker == "" || !strings.HasSuffix(name, r.DoneMarker))
}

// prepare checks dirs and keys them by absolute folder path.
func prepare(dirs []Dir) (map[string]*route, error) {
	routes := make(map[string]*route, len(dirs))
	for _, d := range dirs {
		if d.Path == "" {
			return nil, fmt.Errorf("watch route %q: empty folder path", d.Route)
		}
		if strings.ContainsAny(d.DoneMarker, `/\`) {
			return nil, fmt.Errorf("watch route %q: done marker %q must be a name suffix, not a path", d.Route, d.DoneMarker)
		}
		abs, err := filepath.Abs(d.Path)
		if err != nil {
			return nil, fmt.Errorf("watch route %q: %w", d.Route, err)
		}
		if other := routes[abs]; other != nil {
			return nil, fmt.Errorf("watch routes %q and %q share the folder %s", other.Route, d.Route, abs)
		}
		d.Path = abs
		routes[abs] = &route{Dir: d, watched: true}
	}
	return routes, nil
}

// readFolder lists an inbox folder, with errors an operator can act on.
func readFolder(path string) ([]os.DirEntry, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("inbox folder %s does not exist", path)
	case err != nil:
		return nil, fmt.Errorf("inbox folder %s: %w", path, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("inbox folder %s is not a folder", path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("inbox folder %s is not readable: %w", path, err)
	}
	return entries, nil
}

// applyDirs makes dirs the watched set. New folders are listed and watched
// first; if any fails, the watched set is left as it was. Runs on the loop
// (or in Start before the loop exists).
func (w *Watcher) applyDirs(dirs []Dir) error {
	next, err := prepare(dirs)
	if err != nil {
		return err
	}
	listed := map[string][]os.DirEntry{}
	var added []string
	rollback := func() {
		for _, path := range added {
			_ = w.fsw.Remove(path)
		}
	}
	for path, r := range next {
		if w.routes[path] != nil {
			continue
		}
		// Watch before listing, so that a file created in between is seen
		// by one or the other.
		if err := w.fsw.AddWith(path, fsnotify.WithBufferSize(watchBuffer)); err != nil {
			rollback()
			if _, lerr := readFolder(path); lerr != nil {
				err = lerr
			}
			return fmt.Errorf("watch route %q: %w", r.Route, err)
		}
		added = append(added, path)
		entries, err := readFolder(path)
		if err != nil {
			rollback()
			return fmt.Errorf("watch route %q: %w", r.Route, err)
		}
		listed[path] = entries
	}

	for path, old := range w.routes {
		if next[path] == nil {
			_ = w.fsw.Remove(path) // gone already if the folder was deleted
			w.forgetFolder(path)
			w.log.Info("stopped watching inbox", "route", old.Route, "path", path)
			continue
		}
		next[path].watched, next[path].lastErr = old.watched, old.lastErr
	}
	w.routes = next

	now := w.clock.Now()
	for path, entries := range listed {
		r := next[path]
		w.log.Info("watching inbox", "route", r.Route, "path", path)
		w.observeListing(r, entries, now)
	}
	return nil
}

// scanAll lists every folder and observes the files it has not seen yet;
// known files are checked at their own deadline anyway.
func (w *Watcher) scanAll() {
	now := w.clock.Now()
	for path, r := range w.routes {
		if !r.watched {
			if err := w.fsw.AddWith(path, fsnotify.WithBufferSize(watchBuffer)); err == nil {
				r.watched = true
				w.log.Debug("watching inbox again", "route", r.Route, "path", path)
			}
		}
		entries, err := readFolder(path)
		if err != nil {
			// Rate-limited: a missing network share would otherwise log
			// every rescan.
			if r.lastErr.IsZero() || now.Sub(r.lastErr) >= logEvery {
				w.log.Error("scan inbox", "route", r.Route, "path", path, "err", err)
				r.lastErr = now
			}
			continue
		}
		r.lastErr = time.Time{}
		w.observeListing(r, entries, now)
	}
}

func (w *Watcher) observeListing(r *route, entries []os.DirEntry, now time.Time) {
	for _, de := range entries {
		if de.Type().IsRegular() {
			w.observe(r, de.Name(), now, false)
		}
	}
}
