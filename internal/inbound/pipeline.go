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
	"github.com/atlarbridge/bridge/internal/backoff"
	"github.com/atlarbridge/bridge/internal/keyedmutex"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"golang.org/x/sync/semaphore"
)

// Journal is what inbound needs of the state store (*state.Store; the
// compile-time assertion is in state's tests).
//
// Error contract of every write (Create, Update, Delete, Unindex, PutBlob,
// DeleteBlobs): each is one bbolt transaction, durable when the call
// returns nil. An error means nothing of that call was written — the only
// exception is state's test-only AfterCommit hook, which returns its error
// with the write committed, to simulate a crash just after it. Reads have
// no side effects. Not-found is reported as an error matching
// state.ErrNotFound (errors.Is); every other error is the journal failing
// (I/O, a record that does not decode, a closed store): the pipeline
// retries the step, and never fails a file for it.
type Journal interface {
	// Create records a new file and its first Step, filling f in only once
	// committed. Errors: state.ErrExists when the id is taken; an invalid
	// id or unknown state. Not idempotent: Claim never retries it, and a
	// failed Create leaves the file in the inbox to be offered again.
	Create(f *state.File, note string) error
	// Get returns a copy of the file's record, the caller's to keep.
	// Errors: state.ErrNotFound (a claim withdrawn by Delete).
	Get(id string) (*state.File, error)
	// Update runs fn on the freshly read record and commits what it
	// changed, appending a Step when note != "" or the state changed;
	// entering a sent state (submitting, submitted, completed) writes the
	// duplicate index in the same transaction. It returns the committed
	// record. Errors: fn's own error, returned as is with nothing written
	// (Requeue's ErrNotRetryable); state.ErrNotFound. fn may run more than
	// once (group commit): it must set fields from what it is given and
	// change nothing outside it, which is also what makes a step retried
	// after a failure safe. fn runs inside the transaction: no I/O, no
	// Journal calls.
	Update(id, note string, fn func(f *state.File) error) (*state.File, error)
	// UpdateRows is Update for a step that names the rows it touches
	// (rows): fn gets the header (Payments and Batches nil, Listed set)
	// and those rows to change in place, and only they and the header are
	// read and written, so the step costs the same on a file of 100k
	// payments as on one of one. It returns the header as written.
	// Errors: as Update, plus state.ErrNotFound for a named row the file
	// does not have, and a refusal to enter a sent state from another one
	// (that needs Update). Same rules for fn.
	UpdateRows(id, note string, rows state.Rows, fn func(f *state.File, pays []*state.Payment, batches []*state.Batch) error) (*state.File, error)
	// List returns the records matching the filter, by id; with States set
	// it reads the state index. Errors: a negative Limit; the journal.
	List(f state.Filter) ([]*state.File, error)
	// Delete withdraws a record with its state, change and duplicate index
	// entries, all or nothing. Used only for a claim whose move failed
	// and, in Recover, for a received file that vanished. Errors:
	// state.ErrNotFound.
	Delete(id string) error
	// FindDuplicate returns the earliest other file (not excludeID) sent
	// on route with the same sha256, or msgID when != "", indexed at or
	// after since. Errors: state.ErrNotFound when there is none — the
	// usual answer, checked with errors.Is. A read: the check and the move
	// to submitting are atomic only under the pipeline's dupMu.
	FindDuplicate(route, sha256, msgID string, since time.Time, excludeID string) (*state.File, error)
	// FindTxDuplicate returns the earliest other file (not excludeID)
	// on route, indexed at or after since, that forwarded any of the
	// given transaction fingerprints, with the fingerprints it shares.
	// Errors: state.ErrNotFound when there is none.
	FindTxDuplicate(route string, fingerprints []string, since time.Time, excludeID string) (*state.File, []string, error)
	// Unindex drops a file's duplicate index entries, so that a file that
	// failed with nothing accepted may be sent again. Idempotent while the
	// record exists. Errors: state.ErrNotFound when neither the record nor
	// any entry of it exists.
	Unindex(id string) error
	// PutBlob stores data under key, replacing what was there: journaling
	// the same plan again after a crash is harmless.
	PutBlob(key string, data []byte) error
	// GetBlob returns a copy of the bytes under key. Errors:
	// state.ErrNotFound (submit reports it; a planned batch has its body).
	GetBlob(key string) ([]byte, error)
	// DeleteBlobs removes every blob under prefix; idempotent. Errors: an
	// empty prefix. A failure only leaves dead weight, so submit logs it.
	DeleteBlobs(prefix string) error
}

// Atlar is what inbound needs of the Atlar API (*atlar.Client, exercised
// in tests against the atlartest fake; the compile-time assertion is in
// atlar's tests).
//
// Error contract of every method: the client has already retried network
// errors and the statuses 408, 425, 429, 500, 502, 503 and 504 a few times
// within seconds (a Retry-After only when it fits), and fetched a new token
// once on a 401; it never waits out an outage. What comes back is one of:
//   - an *atlar.APIError (errors.As) for a final non-2xx answer; a 404
//     matches atlar.ErrNotFound (errors.Is). A failed token fetch is the
//     token endpoint's *APIError, wrapped: Atlar documents 401 there,
//     which submit never takes as the file's fault;
//   - an error for which atlar.Temporary is true: the fast attempts ran out
//     (*atlar.TemporaryError, errors.Is atlar.ErrTemporary, with the
//     Retry-After hint atlar.RetryAfter reads), the network, a cancelled
//     context, an undecodable 2xx answer. The outcome is unknown: a create
//     may have taken effect. The pipeline's timetable waits, not the call;
//   - anything else (a certificate error, an oversized 2xx body, a bad
//     argument such as an empty idempotency key): not Temporary, and not
//     the file's fault either.
//
// Reads (Get*, List*) have no side effect and are always safe to repeat; a
// list call returns every page or an error, never a part.
type Atlar interface {
	// CreateCreditTransferBatch creates a batch, sending idempotencyKey
	// (required) as Idempotency-Key. After a Temporary error the batch may
	// exist. Repeating the call with the same key and the same bytes is
	// meant to be harmless, but Atlar does not document the header
	// (ASSUMPTION, /work/shared/atlar/NOTES.md §2.6), so before any resend
	// submit looks the batch up by "external:<externalId>", and it takes a
	// 409 or a detail on externalId as "created already". A non-Temporary
	// *APIError other than 401/403 is Atlar's final no to the batch.
	CreateCreditTransferBatch(ctx context.Context, req *atlar.CreateCreditTransferBatchRequest, idempotencyKey string) (*atlar.CreditTransferBatch, error)
	// GetCreditTransferBatch reads a batch by Atlar id or
	// "external:<externalId>". Errors: atlar.ErrNotFound when there is no
	// such batch, which submit takes as "never created".
	GetCreditTransferBatch(ctx context.Context, idOrExternal string) (*atlar.CreditTransferBatch, error)
	// ListBatchResults returns a completed batch's per-record results
	// (recordIndex → payment id, or errors), all pages.
	ListBatchResults(ctx context.Context, batchID string) ([]atlar.BatchResult, error)
	// ListCreditTransfers returns a batch's payments with their status and
	// approval steps, all pages.
	ListCreditTransfers(ctx context.Context, batchID string) ([]atlar.CreditTransfer, error)
	// ListAccounts returns every account (the accounts cache). Any error
	// leaves a file received, to be validated again later.
	ListAccounts(ctx context.Context) ([]atlar.Account, error)
	// ListConnections returns every bank connection (connection_id "auto").
	ListConnections(ctx context.Context) ([]atlar.Connection, error)
	// CreateInstruction pushes a file's untouched bytes over a connection
	// with idempotencyKey (required). After a Temporary error the
	// instruction may exist, and it has no externalId: within the assumed
	// 24-hour key window the call is repeated with the same key; after it,
	// unknown.go lists the instructions instead of resending (ASSUMPTION:
	// the endpoint and its idempotency are not in Atlar's public spec).
	CreateInstruction(ctx context.Context, connectionID, fileName string, content []byte, contentType, idempotencyKey string) (*atlar.Instruction, error)
	// GetInstruction reads an instruction's status. Errors:
	// atlar.ErrNotFound when it does not exist (polling retries it).
	GetInstruction(ctx context.Context, connectionID, id string) (*atlar.Instruction, error)
	// ListInstructions returns every instruction of a connection, all
	// pages; only the unknown-outcome lookup reads it.
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
	// ParseBudget is how many bytes of input files are read and parsed at
	// once across all workers (default 256 MiB): parsing costs a few times
	// a file's size, so the workers must not multiply the peak. A file
	// larger than the budget is parsed alone.
	ParseBudget int64
	// InBandTimeout bounds the offline check Receive runs for a route with
	// reject_in_band before an SFTP close is answered (default 10s).
	InBandTimeout time.Duration
	// OnSubmitted, if set, is told each file Atlar accepted (metrics).
	OnSubmitted func(f *state.File)
	// OnFinal, if set, is told each file that Atlar's tracking ended
	// (completed or failed), with its payments' final statuses (metrics).
	OnFinal func(f *state.File)
	// WriterOpen tells whether another process still has an inbox file
	// open (default: the system's WriterOpen). Tests replace it to stand
	// for a file system or user where the check is not possible.
	WriterOpen func(path string) (open, supported bool, err error)
	// Sweep is how often every unfinished file is read from the journal
	// to catch one the tracker's timetable lost (default 1m): a safety
	// net only.
	Sweep time.Duration
	// CollectConcurrency is how many collections of one file are sent to
	// Atlar at once (default 32): a 10,000-collection file is then bounded
	// by Atlar's latency.
	CollectConcurrency int
	// Command is the bridge's command as the operator types it, for the
	// hints written into error reports and results ("atlar-bridge retry
	// ID"); default "bridge".
	Command string
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
	// parse is the memory budget of validation, weighted by file size.
	parse *semaphore.Weighted

	// claims serialises claims of one path so the folder watcher and the
	// SFTP server never journal the same bytes twice.
	claims keyedmutex.Mutex
	// dupMu makes the duplicate check and entering Submitting atomic.
	dupMu sync.Mutex
	// vendorMu serialises the upserts of one counterparty (vendors.go).
	vendorMu keyedmutex.Mutex
	// dd and ops are the collections path's API and journal (nil when
	// the given API or journal cannot create direct debits).
	dd  Collector
	ops OpJournal
	// parties serialises the creation of one counterparty or mandate
	// across files (parties.go).
	parties keyedmutex.Mutex
	// noLease remembers the routes already warned about that the bridge
	// cannot tell whether a writer still has their files open.
	noLease sync.Map

	queue   chan string
	mu      sync.Mutex
	pending map[string]bool // queued or running
	again   map[string]bool // changed while running: run once more
	sched   *schedule       // when each unfinished file is next due
	// waits counts the consecutive temporary failures of a file's step
	// that journals no retry time of its own (validation's account
	// lookups), for its backoff (reschedule).
	waits map[string]int

	// retry is the one backoff of every wait on Atlar: the journaled
	// retries (retryLater) and the in-memory ones (reschedule).
	retry backoff.Policy
	// stepLog rate-limits the reports of a file's failing step.
	stepLog backoff.Throttle
	// outage reports Atlar unreachable and back, once for all files.
	outage *outage

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
	if o.ParseBudget <= 0 {
		o.ParseBudget = 256 << 20
	}
	if o.InBandTimeout <= 0 {
		o.InBandTimeout = 10 * time.Second
	}
	if o.Sweep <= 0 {
		o.Sweep = time.Minute
	}
	if o.CollectConcurrency <= 0 {
		o.CollectConcurrency = 32
	}
	if o.Command == "" {
		o.Command = "bridge"
	}
	p := &Pipeline{
		j: o.Journal, lay: o.Layout, clock: o.Clock, log: o.Logger, opts: o,
		parse:   semaphore.NewWeighted(o.ParseBudget),
		queue:   make(chan string, 1<<16),
		pending: map[string]bool{},
		again:   map[string]bool{},
		sched:   newSchedule(),
		waits:   map[string]int{},
		retry:   backoff.Policy{Base: o.PollInterval, Max: o.MaxPoll},
		stepLog: backoff.Throttle{Every: failLogEvery},
	}
	p.dd, _ = o.API.(Collector)
	p.ops, _ = o.Journal.(OpJournal)
	p.outage = newOutage(o.Clock, o.Logger, p.atlarBack)
	p.api = watchedAtlar{Atlar: o.API, o: p.outage}
	p.acct = newAccounts(p.api, o.Clock, o.AccountsTTL)
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

// atlarDownKey is the outage report's throttle key: one outage is one
// condition, however many files wait on it.
const atlarDownKey = "\x00atlar"

// logStep reports a failed step, rate-limited per file: a step that fails
// every retry (a folder that cannot be written) must not flood the log.
// Atlar's temporary failures are reported once for all files (outage) and
// log at Debug here.
func (p *Pipeline) logStep(id string, err error) {
	if err == nil {
		p.stepLog.Reset(id)
		return
	}
	if atlar.Temporary(err) {
		p.log.Debug("file step failed; will retry", "file_id", id, "err", err)
		return
	}
	ok, held := p.stepLog.Allow(id, p.clock.Now())
	switch {
	case !ok:
		p.log.Debug("file step failed; will retry", "file_id", id, "err", err)
	case held > 0:
		p.log.Warn("file step failed; will retry", "file_id", id, "err", err, "failures_since_last_report", held)
	default:
		p.log.Warn("file step failed; will retry", "file_id", id, "err", err)
	}
}
