package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/jonboulle/clockwork"
)

// Dir is one inbox folder and the route it feeds.
type Dir struct {
	Route string
	Path  string
	// DoneMarker, when set (e.g. ".done"), makes a file complete only when
	// <name><DoneMarker> exists in the same folder.
	DoneMarker string
}

// Candidate is a complete file offered to the Handler.
type Candidate struct {
	Route string
	// Path is absolute; Name is its last element.
	Path, Name string
	Size       int64
	ModTime    time.Time
	// Marker is the absolute path of the done marker, "" when the route has
	// none. The handler deletes it after claiming the file.
	Marker string
}

// Handler claims a candidate. nil means handled: the handler moved the file
// away. An error means "not now" (a writer still holds the file: a Windows
// sharing violation or a refused Linux write lease; a transient journal
// error): the watcher logs
// it, rate-limited, and offers the file again after a backoff (1s, 2s, 4s …
// capped at the rescan interval). Up to Options.Handlers calls run at once
// (default one at a time), never two for the same file, each with the
// context given to Start.
type Handler func(ctx context.Context, c Candidate) error

// Options tune a Watcher.
type Options struct {
	// Settle is how long a file's size and modification time must stay the
	// same before it is complete; default 2s.
	Settle time.Duration
	// Rescan is the interval of full folder scans that catch missed events;
	// default 30s.
	Rescan time.Duration
	// Clock drives settling, backoff and rescans; default the real clock.
	Clock clockwork.Clock
	// Logger receives handler errors (rate-limited) and scan errors;
	// default slog.Default().
	Logger *slog.Logger
	// Handlers is how many handler calls may run at once; default 1. A
	// claim waits for a journal commit, and claims made side by side
	// share one: with thousands of files dropped at once, more handlers
	// hand them over several times faster.
	Handlers int
}

// Watcher watches inbox folders. Construct it with New, then Start it, and
// Close it when done.
type Watcher struct {
	handler Handler
	settle  time.Duration
	rescan  time.Duration
	clock   clockwork.Clock
	log     *slog.Logger
	// handlers caps the handler calls in flight; busy counts them (loop).
	handlers int
	busy     int
	// handled brings each handler call's outcome back to the loop; it has
	// room for every call in flight, so a call never blocks on it.
	handled chan handled

	// mu guards the life cycle fields.
	mu      sync.Mutex
	dirs    []Dir // as given to New or SetDirs before Start
	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	done    chan struct{} // closed when the loop has exited
	// stopped is closed once Close has waited for every goroutine and
	// closed fsnotify; stopErr is fsnotify's answer.
	stopOnce sync.Once
	stopped  chan struct{}
	stopErr  error

	// Channels into the loop.
	wake      chan struct{} // events are waiting in dirty
	rescanReq chan struct{}
	setReq    chan setDirsReq

	// evMu guards what the event reader hands to the loop.
	evMu     sync.Mutex
	dirty    map[string]struct{}
	overflow bool

	// Owned by the loop goroutine (and by Start before it starts it).
	fsw    *fsnotify.Watcher
	routes map[string]*route // by absolute folder path
	files  map[string]*entry // by absolute file path
	due    dueHeap
	timer  clockwork.Timer
	ticker clockwork.Ticker
}

type setDirsReq struct {
	dirs  []Dir
	reply chan error
}

// errClosed is returned by calls on a closed watcher.
var errClosed = errors.New("watch: watcher is closed")

// New returns a watcher of dirs that hands complete files to h.
func New(dirs []Dir, h Handler, o Options) *Watcher {
	if o.Settle <= 0 {
		o.Settle = 2 * time.Second
	}
	if o.Rescan <= 0 {
		o.Rescan = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Handlers <= 0 {
		o.Handlers = 1
	}
	return &Watcher{
		handler:   h,
		settle:    o.Settle,
		rescan:    o.Rescan,
		clock:     o.Clock,
		log:       o.Logger,
		handlers:  o.Handlers,
		handled:   make(chan handled, o.Handlers),
		dirs:      append([]Dir(nil), dirs...),
		done:      make(chan struct{}),
		stopped:   make(chan struct{}),
		wake:      make(chan struct{}, 1),
		rescanReq: make(chan struct{}, 1),
		setReq:    make(chan setDirsReq),
		dirty:     map[string]struct{}{},
		routes:    map[string]*route{},
		files:     map[string]*entry{},
	}
}

// Start checks the folders (each must exist and be readable; Start does not
// create them), watches them, scans them once and starts watching in the
// background. Cancelling ctx stops the watcher like Close, but only Close
// waits for it.
func (w *Watcher) Start(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return errClosed
	case w.started:
		return errors.New("watch: already started")
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	w.fsw = fsw
	if err := w.applyDirs(w.dirs); err != nil {
		_ = fsw.Close()
		return err
	}
	w.ticker = w.clock.NewTicker(w.rescan)
	w.timer = w.clock.NewTimer(w.rescan)
	w.timer.Stop()
	w.armTimer(false)

	ctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	w.started = true
	w.wg.Add(2)
	go w.readEvents(ctx)
	go w.run(ctx)
	return nil
}

// Close stops the watcher and waits for its goroutines, including handler
// calls in progress (their context is cancelled), for as long as ctx
// allows: a handler that ignores its cancelled context (a claim stuck in a
// filesystem call) makes Close return ctx's error rather than hang the
// service's stop. A later Close waits again; once everything has stopped,
// Close returns nil.
func (w *Watcher) Close(ctx context.Context) error {
	w.mu.Lock()
	w.closed = true
	started := w.started
	w.mu.Unlock()
	if !started {
		return nil
	}
	w.stopOnce.Do(func() {
		w.cancel()
		go func() {
			w.wg.Wait()
			w.ticker.Stop()
			w.timer.Stop()
			w.stopErr = w.fsw.Close()
			close(w.stopped)
		}()
	})
	select {
	case <-w.stopped:
	case <-ctx.Done():
		return fmt.Errorf("watch: close: handlers still running: %w", ctx.Err())
	}
	if w.stopErr != nil {
		return fmt.Errorf("watch: close: %w", w.stopErr)
	}
	return nil
}

// SetDirs replaces the watched folders while running (a config reload).
// New folders are checked and scanned like at Start; if one fails, nothing
// changes and the error says which. Files pending in removed folders are
// forgotten. Before Start it only records dirs.
func (w *Watcher) SetDirs(dirs []Dir) error {
	dirs = append([]Dir(nil), dirs...)
	w.mu.Lock()
	switch {
	case w.closed:
		w.mu.Unlock()
		return errClosed
	case !w.started:
		defer w.mu.Unlock()
		if _, err := prepare(dirs); err != nil {
			return err
		}
		w.dirs = dirs
		return nil
	}
	w.mu.Unlock()

	req := setDirsReq{dirs: dirs, reply: make(chan error, 1)}
	select {
	case w.setReq <- req:
	case <-w.done:
		return errClosed
	}
	select {
	case err := <-req.reply:
		return err
	case <-w.done:
		return errClosed
	}
}

// Rescan asks for a scan of every folder now. It does not wait for it.
func (w *Watcher) Rescan() {
	select {
	case w.rescanReq <- struct{}{}:
	default:
	}
}

// run is the watcher's one worker: it turns events, timer deadlines and
// rescans into checks of pending files and calls the handler.
func (w *Watcher) run(ctx context.Context) {
	defer w.wg.Done()
	defer close(w.done)
	for {
		w.drainEvents()
		more := w.runDue(ctx)
		if ctx.Err() != nil {
			return
		}
		w.armTimer(more)
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-w.timer.Chan():
		case <-w.ticker.Chan():
			w.scanAll()
		case <-w.rescanReq:
			w.scanAll()
		case req := <-w.setReq:
			req.reply <- w.applyDirs(req.dirs)
		case h := <-w.handled:
			w.finish(ctx, h)
		}
	}
}
