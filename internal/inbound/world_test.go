package inbound_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
)

// world is an inbound pipeline on a real journal and real folders, talking
// over HTTP to the fake Atlar, everything on one fake clock. It can be
// "restarted": close the pipeline and journal, open them again on the same
// files.
type world struct {
	t     *testing.T
	clock *clockwork.FakeClock
	fake  *atlartest.Server
	url   string
	lay   layout.Layout
	logs  *logBuffer

	store  *state.Store
	pipe   *inbound.Pipeline
	cancel context.CancelFunc
}

// Routes of every world: a CSV route and a pain.001 route forwarding
// instructions to the seeded connection.
var worldRoutes = []inbound.Route{
	{Name: "payables", Format: inbound.FormatCSV, CSV: csvpay.DefaultProfile()},
	{Name: "sepa", Format: inbound.FormatPain001, Mode: inbound.ModeInstruction, ConnectionID: "auto"},
	{Name: "marked", Format: inbound.FormatCSV, CSV: csvpay.DefaultProfile(), DoneMarker: ".done"},
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	fake, url := atlartest.NewTest(t, atlartest.Options{Clock: clock, SeedDays: -1})
	w := &world{t: t, clock: clock, fake: fake, url: url, lay: layout.Layout{Root: t.TempDir()}, logs: &logBuffer{}}
	require.NoError(t, w.lay.Ensure([]string{"payables", "sepa", "marked"}))
	t.Cleanup(w.close)
	return w
}

// worldOptions are the hooks and tuning of one start.
type worldOptions struct {
	Journal    state.Options
	MaxRetries int
	// RecoverOnly runs Recover but not Start: what a start has done before
	// the watcher and the SFTP server begin.
	RecoverOnly bool
	// WriterOpen replaces the check for a writer still holding a drop.
	WriterOpen func(path string) (open, supported bool, err error)
}

// start opens the journal and runs the pipeline: Recover, then Start.
func (w *world) start(o worldOptions) {
	w.t.Helper()
	require.Nil(w.t, w.pipe, "already started")
	o.Journal.Clock = w.clock
	var err error
	w.store, err = state.Open(w.lay.StateFile(), o.Journal)
	require.NoError(w.t, err)
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api, err := atlar.New(atlar.Config{
		BaseURL: w.url, AccessKey: "demo-key", Secret: "demo-secret", Clock: w.clock,
		MaxRetries: o.MaxRetries, Timeout: 5 * time.Second, Logger: log.With("component", "atlar"),
	})
	require.NoError(w.t, err)
	w.pipe, err = inbound.New(inbound.Options{
		Journal: w.store, API: api, Layout: w.lay, Routes: worldRoutes, Clock: w.clock,
		Logger: log.With("component", "inbound"), WriterOpen: o.WriterOpen,
	})
	require.NoError(w.t, err)
	require.NoError(w.t, w.pipe.Recover())
	if o.RecoverOnly {
		return
	}
	var ctx context.Context
	ctx, w.cancel = context.WithCancel(context.Background())
	require.NoError(w.t, w.pipe.Start(ctx))
}

// close stops the pipeline and closes the journal, as a crash would leave
// them: whatever was not journaled is forgotten.
func (w *world) close() {
	if w.pipe == nil {
		return
	}
	if w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(w.t, w.pipe.Close(ctx))
	require.NoError(w.t, w.store.Close(context.Background()))
	w.pipe, w.store = nil, nil
}

// drop puts a file in a route's inbox and claims it.
func (w *world) drop(route, name string, data []byte) string {
	w.t.Helper()
	path := filepath.Join(w.lay.Inbox(route), name)
	require.NoError(w.t, os.WriteFile(path, data, 0o644))
	id, err := w.pipe.Claim(context.Background(), inbound.Drop{Route: route, Path: path, Name: name, Source: "folder"})
	require.NoError(w.t, err)
	return id
}

// pump moves the fake clock on in steps until cond holds or max of
// simulated time has passed, and reports whether cond held. Each step
// yields a moment of real time so the pipeline's goroutines (HTTP calls to
// the fake, journal writes) run.
func (w *world) pump(step, max time.Duration, cond func() bool) bool {
	w.t.Helper()
	realDeadline := time.Now().Add(60 * time.Second)
	for passed := time.Duration(0); ; passed += step {
		if cond() {
			return true
		}
		if passed >= max || time.Now().After(realDeadline) {
			return false
		}
		w.clock.Advance(step)
		time.Sleep(2 * time.Millisecond) // lets goroutines run; the clock is what the test controls
	}
}

// waitReal waits in real time (the pipeline acting on its own, e.g. a
// claimed file being validated and submitted) until cond holds.
func (w *world) waitReal(cond func() bool, what string) {
	w.t.Helper()
	require.Eventuallyf(w.t, cond, 20*time.Second, 5*time.Millisecond, "waiting for %s\nlogs:\n%s", what, w.logs)
}

func (w *world) file(id string) *state.File {
	w.t.Helper()
	f, err := w.store.Get(id)
	require.NoError(w.t, err)
	return f
}

func (w *world) inState(id string, st state.State) func() bool {
	return func() bool {
		f, err := w.store.Get(id)
		return err == nil && f.State == st
	}
}

// crash is a pair of journal hooks that simulate the process dying at a
// chosen moment: once armed, every later journal write is refused, as if
// nothing after that moment happened.
type crash struct {
	mu      sync.Mutex
	armed   bool
	refused int
	after   func(op string, f *state.File) bool // arms the crash when true
	hit     chan struct{}
	// atOnce makes the arming write itself report the crash, so its
	// caller stops right there (no side effect after the write).
	atOnce bool
}

var errCrashed = errors.New("simulated crash")

func newCrash(after func(op string, f *state.File) bool) *crash {
	return &crash{after: after, hit: make(chan struct{})}
}

func (c *crash) options() state.Options {
	return state.Options{
		AfterCommit: func(op string, f *state.File) error {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.armed && c.after(op, f) {
				c.armed = true
				if c.atOnce {
					c.refused++
					close(c.hit)
					return errCrashed
				}
			}
			return nil
		},
		BeforeWrite: func(op string) error {
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.armed {
				return nil
			}
			if c.refused++; c.refused == 1 {
				close(c.hit)
			}
			return errCrashed
		},
	}
}

// crashed reports whether a write was refused since the crash was armed.
func (c *crash) crashed() bool {
	select {
	case <-c.hit:
		return true
	default:
		return false
	}
}

// logBuffer is a log sink safe for the pipeline's goroutines.
type logBuffer struct{ sharedtest.LogBuffer }

// lines returns the log lines at level (e.g. "WARN") or above.
func (b *logBuffer) lines(levels ...string) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		for _, lv := range levels {
			if strings.Contains(l, "level="+lv) {
				out = append(out, l)
			}
		}
	}
	return out
}

const csvRun = "external_id,source_iban,amount,currency,external_account_id,reference\n" +
	"%[1]s-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur,Invoice %[1]s-1\n" +
	"%[1]s-2,DE89370400440532013000,20.50,EUR,external:fournisseur-sarl-eur,Invoice %[1]s-2\n"

func csvData(tag string) []byte { return fmt.Appendf(nil, csvRun, tag) }

const painInstruction = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">
  <CstmrCdtTrfInitn>
    <GrpHdr><MsgId>%[1]s</MsgId><CreDtTm>2026-03-10T08:00:00</CreDtTm><NbOfTxs>1</NbOfTxs><CtrlSum>12.34</CtrlSum>
      <InitgPty><Nm>World GmbH</Nm></InitgPty></GrpHdr>
    <PmtInf>
      <PmtInfId>%[1]s-1</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>1</NbOfTxs><CtrlSum>12.34</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>2026-03-10</ReqdExctnDt>
      <Dbtr><Nm>World GmbH</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
      <CdtTrfTxInf>
        <PmtId><EndToEndId>%[1]s-E2E</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">12.34</InstdAmt></Amt>
        <Cdtr><Nm>Creditor</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>DE75512108001245126199</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>Invoice %[1]s</Ustrd></RmtInf>
      </CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`

func painData(msgID string) []byte { return fmt.Appendf(nil, painInstruction, msgID) }
