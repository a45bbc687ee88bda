package outbound

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// obWorld is outbound on its own, with everything real but the clock: a
// bbolt journal in t.TempDir(), the layout's folders, and the fake Atlar
// over HTTP. Like inbound's world it can be "restarted" (outbound and
// journal closed and opened again on the same files), and at the end of
// every test it checks what must hold whatever happened (see check).
type obWorld struct {
	t     *testing.T
	o     obOptions
	clock *clockwork.FakeClock
	fake  *atlartest.Server
	api   *atlar.Client
	lay   layout.Layout
	logs  *sharedtest.LogBuffer

	store  *state.Store
	ob     *Outbound
	cancel context.CancelFunc

	mu        sync.Mutex
	delivered map[string]int  // kind → OnDelivered calls
	collected map[string]int  // outbox path (rel) → times the ERP took it
	foreign   map[string]bool // outbox paths (rel) someone else wrote
}

// obOptions shape a world; the zero value is the three routes of
// obRoutes, statements off, no [[reports]], no seeded statements.
type obOptions struct {
	Routes     []Route
	Statements Statements
	Reports    []Report
	SeedDays   int
	// Wrap, if set, stands between outbound and the journal of the next
	// start (a journal that fails its n-th write, …).
	Wrap func(*state.Store) Journal
}

// obRoutes: a CSV route writing both result kinds, a pain.001 route
// writing both, and one writing the pain.002 only.
var obRoutes = []Route{
	{Name: "payables", Format: "csv", Results: []string{"pain002", "csv"}, CSV: csvpay.DefaultProfile()},
	{Name: "sepa", Format: "pain001", Results: []string{"pain002", "csv"}},
	{Name: "xmlonly", Format: "pain001", Results: []string{"pain002"}},
}

func newOBWorld(t *testing.T, o obOptions) *obWorld {
	t.Helper()
	if o.Routes == nil {
		o.Routes = obRoutes
	}
	if o.SeedDays == 0 {
		o.SeedDays = -1
	}
	w := &obWorld{t: t, o: o, clock: clockwork.NewFakeClockAt(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)),
		logs: &sharedtest.LogBuffer{}, delivered: map[string]int{}, collected: map[string]int{}, foreign: map[string]bool{}}
	var url string
	w.fake, url = atlartest.NewTest(t, atlartest.Options{Clock: w.clock, SeedDays: o.SeedDays})
	var err error
	w.api, err = atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret", Clock: w.clock,
		Timeout: 5 * time.Second})
	require.NoError(t, err)
	w.lay = layout.Layout{Root: t.TempDir()}
	var names []string
	for _, r := range o.Routes {
		names = append(names, r.Name)
	}
	require.NoError(t, w.lay.Ensure(names))
	w.openStore()
	// Registered after atlartest's own cleanup, so it runs before it.
	t.Cleanup(func() {
		w.stop()
		w.check()
		require.NoError(t, w.store.Close(context.Background()))
	})
	return w
}

func (w *obWorld) openStore() {
	w.t.Helper()
	var err error
	w.store, err = state.Open(w.lay.StateFile(), state.Options{Clock: w.clock})
	require.NoError(w.t, err)
}

// build makes a fresh Outbound on the world's journal (through Wrap) and
// runs Recover, as a starting bridge does; run also Starts its loops.
func (w *obWorld) build(run bool) {
	w.t.Helper()
	require.Nil(w.t, w.ob, "already built")
	var j Journal = w.store
	if w.o.Wrap != nil {
		j = w.o.Wrap(w.store)
	}
	st := w.o.Statements
	if st.Format == "" {
		st.Format = camt053.V02
	}
	ob, err := New(Options{
		Journal: j, API: w.api, Layout: w.lay, Routes: w.o.Routes, Statements: st, Reports: w.o.Reports,
		Clock: w.clock, Workers: 4,
		Logger: slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		OnDelivered: func(kind string) {
			w.mu.Lock()
			w.delivered[kind]++
			w.mu.Unlock()
		},
	})
	require.NoError(w.t, err)
	require.NoError(w.t, ob.Recover())
	w.ob = ob
	if run {
		var ctx context.Context
		ctx, w.cancel = context.WithCancel(context.Background())
		require.NoError(w.t, ob.Start(ctx))
	}
}

// stop closes outbound (its loops, if started); the journal stays open.
func (w *obWorld) stop() {
	w.t.Helper()
	if w.ob == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
	require.NoError(w.t, w.ob.Close(ctx))
	w.ob = nil
}

// restart stops outbound, closes and reopens the journal, and builds
// outbound again: what survives is what reached the disk.
func (w *obWorld) restart(run bool) {
	w.t.Helper()
	w.stop()
	require.NoError(w.t, w.store.Close(context.Background()))
	w.openStore()
	w.build(run)
}

// create journals f as inbound would have left it; a CSV file's original
// (body) is put where the journal says it was archived.
func (w *obWorld) create(f *state.File, body string) {
	w.t.Helper()
	if f.Path == "" {
		f.Path = "archive/2026-03-10/" + f.ID + "_" + f.Name
	}
	if body != "" {
		require.NoError(w.t, os.MkdirAll(filepath.Dir(w.lay.Abs(f.Path)), 0o750))
		require.NoError(w.t, os.WriteFile(w.lay.Abs(f.Path), []byte(body), 0o640))
	}
	require.NoError(w.t, w.store.Create(f, "test"))
}

// outbox lists every file under outbox/, by path relative to the root.
func (w *obWorld) outbox() map[string][]byte {
	w.t.Helper()
	out := map[string][]byte{}
	root := w.lay.Abs(layout.OutboxDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err // folders; a test's symlink standing for a lost share
		}
		rel, err := w.lay.Rel(p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		out[rel] = b
		return err
	})
	require.NoError(w.t, err)
	return out
}

// results lists outbox/results as name → content.
func (w *obWorld) results() map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for rel, b := range w.outbox() {
		if dir, name := filepath.Split(filepath.FromSlash(rel)); filepath.Clean(dir) == filepath.Join(layout.OutboxDir, "results") {
			out[name] = string(b)
		}
	}
	return out
}

// collect is the ERP taking a file from the outbox.
func (w *obWorld) collect(rel string) {
	w.t.Helper()
	require.NoError(w.t, os.Remove(w.lay.Abs(rel)))
	w.mu.Lock()
	w.collected[rel]++
	w.mu.Unlock()
}

// put writes a file into the outbox that the bridge did not deliver (an
// ERP's leftover, an operator's copy).
func (w *obWorld) put(rel string, data []byte) {
	w.t.Helper()
	require.NoError(w.t, os.WriteFile(w.lay.Abs(rel), data, 0o640))
	w.foreign[rel] = true
}

// eventually polls cond in real time (outbound's loops acting on a journal
// write) until it holds, failing with the logs after a generous deadline
// for a loaded machine.
func (w *obWorld) eventually(cond func() bool, what string) {
	w.t.Helper()
	require.Eventuallyf(w.t, cond, 20*time.Second, 5*time.Millisecond, "waiting for %s\nlogs:\n%s", what, w.logs)
}

// waitTimers blocks until outbound's loops wait on n fake-clock timers
// (tickers and retry timers), i.e. until they are idle: advancing the
// clock then reaches them.
func (w *obWorld) waitTimers(n int) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(w.t, w.clock.BlockUntilContext(ctx, n), "outbound's loops never went idle\nlogs:\n%s", w.logs)
}

// check is what must hold at the end of any test, whatever it did: the
// journal is consistent, no delivery is left half-done, no temp file is
// left in the outbox, no file name is in two outbox folders, every outbox
// file has a done delivery in the journal whose size it has, and no path
// was delivered more often than the ERP made room for it.
func (w *obWorld) check() {
	t := w.t
	t.Helper()
	problems, err := w.store.Check()
	require.NoError(t, err)
	assert.Empty(t, problems, "journal Check()")
	pending, err := w.store.PendingDeliveries()
	require.NoError(t, err)
	assert.Empty(t, pending, "deliveries left half-done")

	all, err := w.store.Deliveries("")
	require.NoError(t, err)
	perPath := map[string][]*state.Delivery{}
	for _, d := range all {
		perPath[d.Path] = append(perPath[d.Path], d)
	}
	for path, ds := range perPath {
		assert.LessOrEqual(t, len(ds), 1+w.collected[path], "%s delivered %d times, the ERP took it %d times", path, len(ds), w.collected[path])
	}
	folders := map[string][]string{}
	for rel, b := range w.outbox() {
		dir, name := filepath.Split(filepath.FromSlash(rel))
		folders[name] = append(folders[name], dir)
		if atomicfile.IsTemp(name) {
			t.Errorf("temp file left in the outbox: %s", rel)
			continue
		}
		if w.foreign[rel] {
			continue
		}
		ds := perPath[rel]
		if !assert.NotEmpty(t, ds, "outbox file %s has no journaled delivery", rel) {
			continue
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i].At.Before(ds[j].At) })
		last := ds[len(ds)-1]
		assert.True(t, last.Done, "%s: delivery %s not done", rel, last.Key)
		assert.Equal(t, last.Bytes, int64(len(b)), "%s: size differs from its delivery %s", rel, last.Key)
	}
	for name, dirs := range folders {
		assert.Len(t, dirs, 1, "%s is in two outbox folders: %v", name, dirs)
	}
}

// suffixes lists the result files of one base, by suffix.
func suffixes(results map[string]string, base string) []string {
	var out []string
	for name := range results {
		if sfx, ok := strings.CutPrefix(name, base+"."); ok {
			if _, known := suffixKinds[sfx]; known {
				out = append(out, sfx)
			}
		}
	}
	sort.Strings(out)
	return out
}

var suffixKinds = func() map[string]string {
	m := map[string]string{}
	for k, s := range suffix {
		m[s] = k
	}
	return m
}()

// grpSts is the group status of a pain.002.
func grpSts(t *testing.T, doc string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "<GrpSts>")
	require.True(t, ok, "no GrpSts in\n%s", doc)
	st, _, _ := strings.Cut(rest, "</GrpSts>")
	return st
}

func (w *obWorld) String() string { return fmt.Sprintf("world at %s", w.lay.Root) }
