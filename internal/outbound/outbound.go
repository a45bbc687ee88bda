// Package outbound turns journal outcomes and Atlar reports into files in
// the outbox: acknowledgements, status reports and result CSVs per input
// file, and camt.053 statements. Every file is written through a journaled
// delivery (temp file synced, intent recorded, rename, done recorded), so
// each is delivered exactly once across crashes.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/backoff"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/keyedmutex"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
)

// Journal is what outbound needs of the state store (*state.Store; the
// compile-time assertion is in state's tests).
//
// Error contract, as for inbound.Journal: each write (Update, PutDelivery,
// SetMeta, Seen) is one bbolt transaction, durable when the call returns
// nil, and an error means nothing of it was written (except state's
// test-only AfterCommit hook, which returns its error with the write
// committed). Reads have no side effect. Not-found is an error matching
// state.ErrNotFound (errors.Is). Every other error is the journal failing:
// outbound reports it and tries again (resultsRetry, the next sweep or
// start), except the statement poll's informational metas, whose write
// errors it ignores. Outputs are written only via deliveries, so trying
// again never writes an outbox file twice.
type Journal interface {
	ChangeFeed
	// List returns the records matching the filter, by id. Errors: a
	// negative Limit; the journal.
	List(f state.Filter) ([]*state.File, error)
	// Update runs fn on the freshly read record and commits it; outbound
	// records the outputs written (File.Outputs). Errors: fn's own error,
	// as is; state.ErrNotFound. fn may run more than once and runs inside
	// the transaction: it only sets fields of the File it is given. If the
	// call fails after the delivery was done, the next try finds the
	// delivery done and only records it.
	Update(id, note string, fn func(f *state.File) error) (*state.File, error)
	// UpdateRows is Update for a step naming the rows it touches; outbound
	// names none (an output written changes the header only), so the
	// step does not read or copy a big file's payments. fn gets the header
	// (Payments and Batches nil). Errors and rules for fn: as Update.
	UpdateRows(id, note string, rows state.Rows, fn func(f *state.File, pays []*state.Payment, batches []*state.Batch) error) (*state.File, error)
	// PutDelivery records d under d.Key, replacing what was there, and
	// keeps it pending until put again with Done. Putting the same record
	// twice is harmless. Errors: an empty key or path. Called with the
	// intent after the temp file is synced and before the rename, and
	// with Done after the rename.
	PutDelivery(d *state.Delivery) error
	// GetDelivery returns the delivery under key. Errors:
	// state.ErrNotFound when none was ever journaled, which deliver takes
	// as "write it now"; a done one is never written again.
	GetDelivery(key string) (*state.Delivery, error)
	// PendingDeliveries returns the deliveries not yet done (Recover
	// finishes or removes their temp files). Errors: a pending mark
	// without its record (a damaged journal), or the journal.
	PendingDeliveries() ([]*state.Delivery, error)
	// GetMeta returns the value under key and whether it exists; a
	// missing key is ok == false, not an error.
	GetMeta(key string) (string, bool, error)
	// SetMeta stores value under key, replacing it. Errors: an empty key.
	SetMeta(key, value string) error
	// Get returns a copy of the file's record. Errors: state.ErrNotFound
	// for a claim inbound withdrew since it was written; skip it.
	Get(id string) (*state.File, error)
}

// ChangeFeed is how outbound learns which files were written, so that it
// reads those instead of every file the journal holds: Feed for the files
// written while it runs (in memory, coalesced), Changed and Seen for the
// change marks kept in the journal, which survive a restart and catch what
// a feed missed.
type ChangeFeed interface {
	// Feed subscribes to file writes; it never fails (on a closed Store,
	// C is closed at once), and the caller Closes it. C signals after
	// each committed write (several writes may give one signal); Take
	// returns the ids of files written since the previous Take. Nothing is
	// kept across a restart: that is what Changed is for.
	Feed() *state.Feed
	// Changed returns up to limit files written since they were last
	// marked seen, ordered by id, after the id after ("" for the first
	// page); it reads only the marks. Errors: limit <= 0; a damaged mark.
	Changed(after string, limit int) ([]state.Change, error)
	// Seen forgets the given changes, except those of files written again
	// since Changed returned them (their Token differs), so no write is
	// ever lost. Idempotent. On an error nothing is forgotten: the files
	// are read once more, which is harmless.
	Seen(changes []state.Change) error
}

// Atlar is what outbound needs of the Atlar API.
type Atlar interface {
	ListConnections(ctx context.Context) ([]atlar.Connection, error)
	ListReports(ctx context.Context, connectionID string) ([]atlar.Report, error)
	ReportContent(ctx context.Context, connectionID, reportID, version string, externalIDAsEndToEndID bool) ([]byte, error)
}

// Route is what outbound needs to know of an inbox route.
type Route struct {
	Name   string
	Format state.Format
	// Results lists the result files to write: "pain002", "csv".
	Results        []string
	Pain002Version string
	CSV            csvpay.Profile
	// MaxFileSize is the route's max_file_size: a larger original is
	// never read (0: no limit).
	MaxFileSize int64
	// KeepFormulas writes the text cells the bridge adds to result CSVs
	// as they are; by default one that a spreadsheet would run as a
	// formula is escaped (see escapeFormula).
	KeepFormulas bool
}

// Statements configures the statement poller.
type Statements struct {
	Enabled                bool
	Format                 string // camt.053.001.02 | .03 | .04 | .08
	ExternalIDAsEndToEndID bool
	PollInterval           time.Duration
	Backfill               time.Duration
	Connections            []string // empty = all
}

// Options are outbound's dependencies.
type Options struct {
	Journal    Journal
	API        Atlar
	Layout     layout.Layout
	Routes     []Route
	Statements Statements
	Clock      clockwork.Clock
	Logger     *slog.Logger
	// Sweep is how often the files written since the last sweep are
	// checked, beyond those the feed reported (default 1m): a safety net
	// only.
	Sweep time.Duration
	// OnDelivered, if set, is told the kind of each file delivered
	// ("ack", "result.xml", …, "statement") (metrics).
	OnDelivered func(kind string)
	// Workers is how many files' outputs are written at once (default 8).
	Workers int
	// Reports are the [[reports]] rendered from each statement (polled
	// with Statements' interval, backfill and connections, even when
	// Statements itself is not enabled).
	Reports []Report
	// OnReportHeld, if set, is told of a report held because its
	// statement does not add up or cannot be read (metrics, alerts);
	// OnReportReleased of a held one written after all.
	OnReportHeld     func(h HeldReport)
	OnReportReleased func(h HeldReport)
}

// HeldReport names a report held back from the outbox, and why.
type HeldReport struct {
	Report, Format, ReportID string
	Err                      error
}

// Outbound writes the outbox.
type Outbound struct {
	o      Options
	j      Journal
	lay    layout.Layout
	clock  clockwork.Clock
	log    *slog.Logger
	routes sync.Map // name → *Route

	pollNow chan struct{}
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	// names serialises deliveries to one name, so that the results
	// writers, the statement loop and a redeliver never race for it.
	names keyedmutex.Mutex
	// in is the intraday reports' poller state.
	in intraday
}

// New builds outbound; call Recover, then Start.
func New(o Options) (*Outbound, error) {
	if o.Journal == nil || o.Layout.Root == "" {
		return nil, errors.New("outbound: journal and layout are required")
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Sweep <= 0 {
		o.Sweep = time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Statements.PollInterval <= 0 {
		o.Statements.PollInterval = 5 * time.Minute
	}
	if o.Statements.Backfill <= 0 {
		o.Statements.Backfill = 7 * 24 * time.Hour
	}
	if (o.Statements.Enabled || len(o.Reports) > 0) && o.API == nil {
		return nil, errors.New("outbound: statements need the Atlar API")
	}
	ob := &Outbound{o: o, j: o.Journal, lay: o.Layout, clock: o.Clock, log: o.Logger, pollNow: make(chan struct{}, 1)}
	ob.SetRoutes(o.Routes)
	return ob, nil
}

// SetRoutes replaces the routes (config reload).
func (ob *Outbound) SetRoutes(routes []Route) {
	ob.routes.Range(func(k, _ any) bool { ob.routes.Delete(k); return true })
	for i := range routes {
		r := routes[i]
		ob.routes.Store(r.Name, &r)
	}
}

func (ob *Outbound) route(name string) *Route {
	if r, ok := ob.routes.Load(name); ok {
		return r.(*Route)
	}
	// A route removed from the config: still acknowledge its files.
	return &Route{Name: name, Results: []string{"pain002", "csv"}}
}

// Start runs the results writer and the statement poller until Close.
func (ob *Outbound) Start(ctx context.Context) error {
	ctx, ob.cancel = context.WithCancel(ctx)
	feed := ob.j.Feed()
	ob.wg.Add(1)
	go func() {
		defer ob.wg.Done()
		defer feed.Close()
		ob.resultsLoop(ctx, feed)
	}()
	if ob.o.Statements.Enabled || len(ob.o.Reports) > 0 {
		ob.wg.Add(1)
		go func() {
			defer ob.wg.Done()
			ob.statementsLoop(ctx)
		}()
	}
	if len(ob.intradayReports()) > 0 {
		ob.wg.Add(1)
		go func() {
			defer ob.wg.Done()
			ob.intradayLoop(ctx)
		}()
	}
	return nil
}

// Close stops both loops and waits for them, bounded by ctx.
func (ob *Outbound) Close(ctx context.Context) error {
	if ob.cancel != nil {
		ob.cancel()
	}
	done := make(chan struct{})
	go func() { ob.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("outbound: close: %w", ctx.Err())
	}
}

// resultsLoop writes outputs for the files the journal says changed, and
// at start and every Sweep also sweeps every file written since the last
// sweep (the journal's change marks survive a restart), in case a write
// was missed (e.g. one that failed after a journal entry).
func (ob *Outbound) resultsLoop(ctx context.Context, feed *state.Feed) {
	t := ob.clock.NewTicker(ob.o.Sweep)
	defer t.Stop()
	fails := &failReport{th: backoff.Throttle{Every: failReportEvery}}
	full := true
	for {
		var err error
		if full {
			feed.Take()
			err = ob.WriteResults(ctx)
		} else {
			err = ob.writeResultsFor(ctx, feed.Take())
		}
		if ctx.Err() == nil {
			fails.report(ob.log, ob.clock.Now(), err)
		}
		// After an error, the next round sweeps everything again, and
		// comes soon even if nothing else changes (an operator fixed the
		// folder).
		full = err != nil
		var retry <-chan time.Time
		if err != nil {
			retry = ob.clock.After(resultsRetry)
		}
		select {
		case <-ctx.Done():
			return
		case <-feed.C():
		case <-retry:
		case <-t.Chan():
			full = true
		}
	}
}

// resultsRetry is how soon the results writer tries again after failing.
const resultsRetry = 5 * time.Second

// failReportEvery is how often the results writer repeats that it keeps
// failing: it retries on every journal event, and an outbox that cannot be
// written (disk full, permissions) must not flood the log.
const failReportEvery = time.Minute

// failReport rate-limits the results writer's error reports.
type failReport struct {
	th      backoff.Throttle
	failing bool // the last round failed
}

func (r *failReport) report(log *slog.Logger, now time.Time, err error) {
	const key = "results"
	switch {
	case err == nil && r.failing:
		log.Info("results written again after errors")
		r.th.Reset(key)
		r.failing = false
	case err == nil:
	default:
		r.failing = true
		if ok, held := r.th.Allow(key, now); ok {
			log.Error("write results", "err", err, "failures_since_last_report", held)
		} else {
			log.Debug("write results", "err", err)
		}
	}
}

// statementRetryBase is the first wait before polling statements again
// after Atlar was unreachable; the waits double (backoff.Policy) up to the
// poll interval, and are never shorter than Atlar's Retry-After. The
// client itself only retries blips, within seconds.
const statementRetryBase = 10 * time.Second

func (ob *Outbound) statementsLoop(ctx context.Context) {
	every := ob.o.Statements.PollInterval
	retry := backoff.Policy{Base: min(statementRetryBase, every), Max: every}
	// One report per outage: the first failure at Error, the ones after it
	// at Debug until a poll succeeds again (a reminder every 15 minutes).
	fails := backoff.Throttle{Every: 15 * time.Minute}
	const key = "statements"
	t := ob.clock.NewTimer(every)
	defer t.Stop()
	failures := 0
	for {
		next := every
		err := ob.PollStatements(ctx)
		switch {
		case ctx.Err() != nil:
		case err == nil:
			if reported, _ := fails.Reset(key); reported {
				ob.log.Info("statement poll works again", "after_failures", failures)
			}
			failures = 0
		case atlar.Temporary(err):
			failures++
			next = min(max(retry.Next(failures), atlar.RetryAfter(err)), max(every, atlar.RetryAfter(err)))
			if ok, held := fails.Allow(key, ob.clock.Now()); ok {
				ob.log.Error("statement poll failed: Atlar unreachable; will try again", "err", err, "next_in", next.String(), "failures_since_last_report", held)
			} else {
				ob.log.Debug("statement poll failed; will try again", "err", err, "next_in", next.String())
			}
		default:
			failures++
			fails.Allow(key, ob.clock.Now())
			ob.log.Error("statement poll failed; will try again", "err", err, "next_in", next.String())
		}
		t.Reset(next)
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		case <-ob.pollNow:
			if !t.Stop() {
				select { // fired meanwhile: do not poll twice
				case <-t.Chan():
				default:
				}
			}
		}
	}
}

// TriggerStatements asks the poller to poll now.
func (ob *Outbound) TriggerStatements() {
	select {
	case ob.pollNow <- struct{}{}:
	default:
	}
}
