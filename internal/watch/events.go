package watch

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// readEvents moves fsnotify events into the dirty set, so that the kernel's
// queue is drained even while a handler runs, and wakes the loop.
// Repeated events for one path (a file written in many chunks) coalesce.
func (w *Watcher) readEvents(ctx context.Context) {
	defer w.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			w.evMu.Lock()
			w.dirty[ev.Name] = struct{}{}
			w.evMu.Unlock()
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warn("watch events", "err", err)
			}
			// Events may have been lost either way: rescan.
			w.evMu.Lock()
			w.overflow = true
			w.evMu.Unlock()
		}
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// drainEvents observes every path that had events since the last turn.
func (w *Watcher) drainEvents() {
	w.evMu.Lock()
	var dirty map[string]struct{}
	if len(w.dirty) > 0 {
		dirty = w.dirty
		w.dirty = make(map[string]struct{}, len(dirty))
	}
	overflow := w.overflow
	w.overflow = false
	w.evMu.Unlock()

	if overflow {
		w.scanAll()
	}
	now := w.clock.Now()
	for path := range dirty {
		if r := w.routes[path]; r != nil {
			// An event on the inbox folder itself: if it was removed or
			// renamed, its watch went with it, even if it is back already.
			// The next scan watches it again (harmless if it never left).
			r.watched = false
			continue
		}
		if r := w.routes[filepath.Dir(path)]; r != nil {
			w.observe(r, filepath.Base(path), now, true)
		}
	}
}
