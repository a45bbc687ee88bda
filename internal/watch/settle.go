package watch

import (
	"container/heap"
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxChecksPerTurn bounds how many due files the loop checks before it looks
// at events, reloads and Close again.
const maxChecksPerTurn = 256

// logEvery is how often a file that keeps failing, or a folder that keeps
// failing to scan, is logged again.
const logEvery = 5 * time.Minute

// entry is a file the watcher is waiting on.
type entry struct {
	path, name, dir string

	// size and mod are what was last observed; since is when the watcher
	// first saw that pair. size is -1 until the first observation.
	size  int64
	mod   time.Time
	since time.Time

	// failures counts handler errors; retryAt is when it may be offered
	// again; lastLog rate-limits the error log.
	failures int
	retryAt  time.Time
	lastLog  time.Time

	due   time.Time // when to check next; the heap's key
	index int       // in the heap, -1 when not in it

	// busy is set while the handler has the file; again notes an event
	// meanwhile (the path may hold a new file once the handler is done).
	busy, again bool
}

// handled is the outcome of one handler call.
type handled struct {
	e   *entry
	err error
}

// observe notes that dir/name exists or changed. An event makes the watcher
// check the file at once; a scan only adds files it did not know (those it
// knows are checked at their own deadline).
func (w *Watcher) observe(r *route, name string, now time.Time, event bool) {
	if r.DoneMarker != "" && strings.HasSuffix(name, r.DoneMarker) {
		name = strings.TrimSuffix(name, r.DoneMarker)
	}
	if !r.takes(name) {
		return
	}
	path := filepath.Join(r.Path, name)
	e := w.files[path]
	switch {
	case e == nil:
		e = &entry{path: path, name: name, dir: r.Path, size: -1, index: -1}
		w.files[path] = e
	case e.busy:
		e.again = e.again || event
		return
	case !event:
		return
	}
	w.schedule(e, now)
}

// runDue checks the files whose deadline has passed, at most
// maxChecksPerTurn of them; more reports that some are still due. It stops
// when every handler is busy: a handler coming back wakes the loop.
func (w *Watcher) runDue(ctx context.Context) (more bool) {
	now := w.clock.Now()
	for n := 0; len(w.due) > 0 && !w.due[0].due.After(now); n++ {
		if w.busy >= w.handlers {
			return false
		}
		if n == maxChecksPerTurn || ctx.Err() != nil {
			return true
		}
		w.check(ctx, heap.Pop(&w.due).(*entry))
	}
	return false
}

// check looks at a file whose deadline came and either hands it over,
// schedules its next look, or forgets it.
func (w *Watcher) check(ctx context.Context, e *entry) {
	r := w.routes[e.dir]
	if r == nil {
		w.forget(e)
		return
	}
	now := w.clock.Now()
	fi, err := os.Lstat(e.path)
	if err != nil || !fi.Mode().IsRegular() {
		// Gone (claimed, deleted, renamed), or a folder or symlink.
		w.forget(e)
		return
	}
	size, mod := fi.Size(), fi.ModTime()
	var marker string
	if r.DoneMarker != "" {
		marker = e.path + r.DoneMarker
		if _, err := os.Lstat(marker); err != nil {
			// Not complete until its marker appears; the marker's event
			// (or a rescan) brings the file back.
			w.forget(e)
			return
		}
	} else {
		if size != e.size || !mod.Equal(e.mod) {
			e.size, e.mod, e.since = size, mod, now
		}
		if settled := e.since.Add(w.settle); now.Before(settled) {
			w.schedule(e, settled)
			return
		}
	}
	if now.Before(e.retryAt) {
		w.schedule(e, e.retryAt)
		return
	}

	c := Candidate{Route: r.Route, Path: e.path, Name: e.name, Size: size, ModTime: mod, Marker: marker}
	e.busy = true
	w.busy++
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.handled <- handled{e: e, err: w.handler(ctx, c)}
	}()
}

// finish takes a handler call's outcome: the file is forgotten once
// handed over, or offered again after a backoff.
func (w *Watcher) finish(ctx context.Context, h handled) {
	w.busy--
	e, err := h.e, h.err
	e.busy = false
	r := w.routes[e.dir]
	if w.files[e.path] != e || r == nil {
		return // its folder is no longer watched
	}
	if err == nil {
		if e.again {
			// Something happened at the path meanwhile: look again, as
			// at a new file, before forgetting it.
			e.again, e.size, e.failures, e.retryAt = false, -1, 0, time.Time{}
			w.schedule(e, w.clock.Now())
			return
		}
		w.forget(e)
		return
	}
	if ctx.Err() != nil {
		return // closing; the file is offered again after restart
	}
	e.failures++
	delay := backoff(e.failures, w.rescan)
	now := w.clock.Now()
	e.retryAt = now.Add(delay)
	if e.failures == 1 || now.Sub(e.lastLog) >= logEvery {
		w.log.Warn("inbox file not claimed, will offer it again",
			"route", r.Route, "path", e.path, "failures", e.failures, "retry_in", delay, "err", err)
		e.lastLog = now
	}
	w.schedule(e, e.retryAt)
}

// backoff is 1s, 2s, 4s … capped at limit. No jitter: the retries hit the
// local disk and our own journal, not a server shared with other clients.
func backoff(failures int, limit time.Duration) time.Duration {
	d := time.Second
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func (w *Watcher) schedule(e *entry, at time.Time) {
	e.due = at
	if e.index >= 0 {
		heap.Fix(&w.due, e.index)
		return
	}
	heap.Push(&w.due, e)
}

func (w *Watcher) forget(e *entry) {
	if e.index >= 0 {
		heap.Remove(&w.due, e.index)
	}
	delete(w.files, e.path)
}

// forgetFolder drops every pending file of a folder no longer watched.
func (w *Watcher) forgetFolder(dir string) {
	for _, e := range w.files {
		if e.dir == dir {
			w.forget(e)
		}
	}
}

// armTimer points the single timer at the earliest deadline, or at once
// when a turn ended with files still due. While every handler is busy it
// waits for one to come back instead.
func (w *Watcher) armTimer(now bool) {
	switch {
	case w.busy >= w.handlers:
		w.timer.Stop()
	case now:
		w.timer.Reset(0)
	case len(w.due) == 0:
		w.timer.Stop()
	default:
		w.timer.Reset(max(w.clock.Until(w.due[0].due), 0))
	}
}

// dueHeap orders pending files by deadline, then path, so that files dropped
// together are handed over in name order.
type dueHeap []*entry

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].path < h[j].path
}
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*h = old[:len(old)-1]
	return e
}
