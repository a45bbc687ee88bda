package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/keyedmutex"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
)

// Journal is what inbound needs of the state store.
type Journal interface {
	Create(f *state.File, note string) error
	Get(id string) (*state.File, error)
	Update(id, note string, fn func(f *state.File) error) (*state.File, error)
	List(f state.Filter) ([]*state.File, error)
	Delete(id string) error
	FindDuplicate(route, sha256, msgID string, since time.Time, excludeID string) (*state.File, error)
	FindTxDuplicate(route string, fingerprints []string, since time.Time, excludeID string) (*state.File, []string, error)
	Unindex(id string) error
	PutBlob(key string, data []byte) error
	GetBlob(key string) ([]byte, error)
	DeleteBlobs(prefix string) error
}

// Atlar is what inbound needs of the Atlar API.
type Atlar interface {
	CreateCreditTransferBatch(ctx context.Context, req *atlar.CreateCreditTransferBatchRequest, idempotencyKey string) (*atlar.CreditTransferBatch, error)
	GetCreditTransferBatch(ctx context.Context, idOrExternal string) (*atlar.CreditTransferBatch, error)
	ListBatchResults(ctx context.Context, batchID string) ([]atlar.BatchResult, error)
	ListCreditTransfers(ctx context.Context, batchID string) ([]atlar.CreditTransfer, error)
	ListAccounts(ctx context.Context) ([]atlar.Account, error)
	ListConnections(ctx context.Context) ([]atlar.Connection, error)
	CreateInstruction(ctx context.Context, connectionID, fileName string, content []byte, contentType, idempotencyKey string) (*atlar.Instruction, error)
	GetInstruction(ctx context.Context, connectionID, id string) (*atlar.Instruction, error)
	ListInstructions(ctx context.Context, connectionID string) ([]atlar.Instruction, error)
}

// Options are the pipeline's dependencies and tuning.
type Options struct {
	Journal Journal
	API     Atlar
	Layout  layout.Layout
	Routes  []Route
	Clock   clockwork.Clock
	Logger  *slog.Logger
	// Workers is how many files advance at once (default 16).
	Workers int
	// PollInterval is the first wait before asking Atlar about a submitted
	// file; MaxPoll caps the backoff; MaxWait is when waiting is reported
	// as a failure (results.max_wait).
	PollInterval, MaxPoll, MaxWait time.Duration
	// AccountsTTL is how long the account list is cached.
	AccountsTTL time.Duration
	// OnSubmitted, if set, is told each file Atlar accepted (metrics).
	OnSubmitted func(f *state.File)
	// WriterOpen tells whether another process still has an inbox file
	// open (default: the system's WriterOpen). Tests replace it to stand
	// for a file system or user where the check is not possible.
	WriterOpen func(path string) (open, supported bool, err error)
	// Sweep is how often every unfinished file is read from the journal
	// to catch one the tracker's timetable lost (default 1m): a safety
	// net only.
	Sweep time.Duration
}

// Pipeline moves inbox files through their journey: claim, validate,
// submit, track. Every step is journaled before its side effect and
// confirmed after, so Recover can resume any file from the journal alone.
type Pipeline struct {
	j      Journal
	api    Atlar
	lay    layout.Layout
	clock  clockwork.Clock
	log    *slog.Logger
	opts   Options
	routes atomic.Pointer[map[string]*Route]
	acct   *accounts

	// claims serialises claims of one path so the folder watcher and the
	// SFTP server never journal the same bytes twice.
	claims keyedmutex.Mutex
	// dupMu makes the duplicate check and entering Submitting atomic.
	dupMu sync.Mutex
	// noLease remembers the routes already warned about that the bridge
	// cannot tell whether a writer still has their files open.
	noLease sync.Map

	queue   chan string
	mu      sync.Mutex
	pending map[string]bool // queued or running
	again   map[string]bool // changed while running: run once more
	sched   *schedule       // when each unfinished file is next due
	fails   map[string]failLog

	wg     sync.WaitGroup
	cancel context.CancelFunc
}

// New builds a pipeline; call Recover, then Start.
func New(o Options) (*Pipeline, error) {
	if o.Journal == nil || o.API == nil || o.Layout.Root == "" {
		return nil, errors.New("inbound: journal, api and layout are required")
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 10 * time.Second
	}
	if o.MaxPoll <= 0 {
		o.MaxPoll = 10 * time.Minute
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 14 * 24 * time.Hour
	}
	if o.AccountsTTL <= 0 {
		o.AccountsTTL = 10 * time.Minute
	}
	if o.Sweep <= 0 {
		o.Sweep = time.Minute
	}
	p := &Pipeline{
		j: o.Journal, api: o.API, lay: o.Layout, clock: o.Clock, log: o.Logger, opts: o,
		acct:    newAccounts(o.API, o.Clock, o.AccountsTTL),
		queue:   make(chan string, 1<<16),
		pending: map[string]bool{},
		again:   map[string]bool{},
		sched:   newSchedule(),
		fails:   map[string]failLog{},
	}
	if err := p.SetRoutes(o.Routes); err != nil {
		return nil, err
	}
	return p, nil
}

// SetRoutes replaces the routes (config reload). Files in flight keep the
// journal's record of what they are; new claims use the new routes.
func (p *Pipeline) SetRoutes(routes []Route) error {
	m := make(map[string]*Route, len(routes))
	for i := range routes {
		r := routes[i]
		if err := r.check(); err != nil {
			return err
		}
		m[r.Name] = &r
	}
	p.routes.Store(&m)
	return nil
}

func (p *Pipeline) route(name string) (*Route, bool) {
	r, ok := (*p.routes.Load())[name]
	return r, ok
}

// Start runs the workers and the tracker until Close.
func (p *Pipeline) Start(ctx context.Context) error {
	ctx, p.cancel = context.WithCancel(ctx)
	for i := 0; i < p.opts.Workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.work(ctx)
		}()
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.track(ctx)
	}()
	return nil
}

// Close stops the pipeline and waits for in-flight steps, bounded by ctx.
// A step interrupted by Close is resumed by the next start's Recover.
func (p *Pipeline) Close(ctx context.Context) error {
	if p.cancel != nil {
		p.cancel()
	}
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("inbound: close: %w", ctx.Err())
	}
}

// enqueue schedules a file to advance. A file already queued is not queued
// twice; a file running now runs once more after.
func (p *Pipeline) enqueue(id string) {
	p.mu.Lock()
	if p.pending[id] {
		p.again[id] = true
		p.mu.Unlock()
		return
	}
	p.pending[id] = true
	p.mu.Unlock()
	select {
	case p.queue <- id:
	default:
		// The queue is full: the tracker offers the file again.
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
		p.sched.set(id, p.clock.Now().Add(retryStep))
	}
}

func (p *Pipeline) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-p.queue:
			p.run(ctx, id)
		}
	}
}

func (p *Pipeline) run(ctx context.Context, id string) {
	for {
		err := p.advance(ctx, id)
		if ctx.Err() == nil {
			p.logStep(id, err)
		}
		p.mu.Lock()
		if p.again[id] && ctx.Err() == nil {
			delete(p.again, id)
			p.mu.Unlock()
			continue
		}
		delete(p.pending, id)
		delete(p.again, id)
		p.mu.Unlock()
		p.reschedule(ctx, id, err)
		return
	}
}

// failLogEvery is how often a file whose step keeps failing is reported
// again; the retries in between log at debug level.
const failLogEvery = time.Minute

// failLog is the last report of a file's failing step.
type failLog struct {
	at   time.Time
	held int // failures since, logged at debug level only
}

// logStep reports a failed step, rate-limited per file: a step that fails
// every second (a folder that cannot be written, Atlar down) must not
// flood the log.
func (p *Pipeline) logStep(id string, err error) {
	now := p.clock.Now()
	p.mu.Lock()
	last, seen := p.fails[id]
	switch {
	case err == nil:
		delete(p.fails, id)
		p.mu.Unlock()
		return
	case seen && now.Sub(last.at) < failLogEvery:
		last.held++
		p.fails[id] = last
		p.mu.Unlock()
		p.log.Debug("file step failed; will retry", "file_id", id, "err", err)
		return
	}
	p.fails[id] = failLog{at: now}
	p.mu.Unlock()
	if last.held > 0 {
		p.log.Warn("file step failed; will retry", "file_id", id, "err", err, "failures_since_last_report", last.held)
		return
	}
	p.log.Warn("file step failed; will retry", "file_id", id, "err", err)
}
