package inbound

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatedAtlar is the real client against the fake Atlar, with ListAccounts
// held at a gate until the test opens it: the test decides when the call
// that everyone waits for ends.
type gatedAtlar struct {
	Atlar
	calls   atomic.Int32
	started chan struct{} // one value per ListAccounts call
	gate    chan struct{}
	ctxErr  atomic.Value // the call's ctx.Err() when the gate opened
}

func (g *gatedAtlar) ListAccounts(ctx context.Context) ([]atlar.Account, error) {
	g.calls.Add(1)
	g.started <- struct{}{}
	<-g.gate
	g.ctxErr.Store(fmt.Sprint(ctx.Err()))
	return g.Atlar.ListAccounts(ctx)
}

func newGatedAccounts(t *testing.T) (*accounts, *gatedAtlar, *atlartest.Server) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(schedT0)
	fake, url := atlartest.NewTest(t, atlartest.Options{Clock: clock, SeedDays: -1})
	api, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret", Clock: clock, MaxRetries: -1})
	require.NoError(t, err)
	g := &gatedAtlar{Atlar: api, started: make(chan struct{}, 16), gate: make(chan struct{})}
	return newAccounts(g, clock, 10*time.Minute), g, fake
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, time.Millisecond, what)
}

// Concurrent lookups on a cold cache share one ListAccounts call: while
// it runs, every caller waits on it (none holds a lock over the call),
// and when it ends each gets its answer.
func TestAccounts_ConcurrentCallersShareOneFetch(t *testing.T) {
	a, g, fake := newGatedAccounts(t)
	iban := fake.Accounts()[0].IBAN()
	require.NotEmpty(t, iban)

	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	got := make([]*atlar.Account, n)
	for i := range n {
		wg.Go(func() { got[i], errs[i] = a.AccountByIBAN(context.Background(), iban) })
	}
	<-g.started
	waitFor(t, "all callers wait on the one call", func() bool { return a.waiting.Load() == n })
	close(g.gate)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "caller %d", i)
		assert.Equal(t, iban, got[i].IBAN(), "caller %d", i)
	}
	assert.EqualValues(t, 1, g.calls.Load(), "one ListAccounts call for all callers")
}

// A failing call is shared too: the callers waiting on it get its error
// once, instead of queueing to fail one after another.
func TestAccounts_SharedFailure(t *testing.T) {
	a, g, fake := newGatedAccounts(t)
	fake.Down(true)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = a.AccountByID(context.Background(), "any") })
	}
	<-g.started
	waitFor(t, "all callers wait on the one call", func() bool { return a.waiting.Load() == n })
	close(g.gate)
	wg.Wait()
	for i := range n {
		require.Error(t, errs[i], "caller %d", i)
		assert.NotErrorIs(t, errs[i], errUnknownAccount, "Atlar down is not the file's fault")
	}
	assert.EqualValues(t, 1, g.calls.Load())
}

// A caller whose context ends returns at once, while the call goes on
// for the others and fills the cache.
func TestAccounts_CancelledCallerReturnsPromptly(t *testing.T) {
	a, g, fake := newGatedAccounts(t)
	iban := fake.Accounts()[0].IBAN()

	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := a.AccountByIBAN(ctx, iban)
		cancelled <- err
	}()
	<-g.started
	other := make(chan error, 1)
	go func() {
		_, err := a.AccountByIBAN(context.Background(), iban)
		other <- err
	}()
	waitFor(t, "both callers wait on the one call", func() bool { return a.waiting.Load() == 2 })

	start := time.Now()
	cancel()
	select {
	case err := <-cancelled:
		require.ErrorIs(t, err, context.Canceled)
		t.Logf("cancelled caller returned after %s", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled caller still waits on the list call")
	}
	select {
	case err := <-other:
		t.Fatalf("the other caller returned before the call ended: %v", err)
	default:
	}

	close(g.gate)
	require.NoError(t, <-other, "the call went on for the caller still waiting")
	assert.Equal(t, "<nil>", g.ctxErr.Load(), "the call's context was not cancelled with the first caller's")
	assert.EqualValues(t, 1, g.calls.Load())
	acc, err := offlineAccounts{a}.AccountByIBAN(context.Background(), iban)
	require.NoError(t, err, "the call filled the cache")
	assert.Equal(t, iban, acc.IBAN())
}

// The offline resolver never calls Atlar: a cold cache is "cannot tell",
// a fresh one answers hits and misses.
func TestAccounts_Offline(t *testing.T) {
	a, g, fake := newGatedAccounts(t)
	off := offlineAccounts{a}
	iban := fake.Accounts()[0].IBAN()
	_, err := off.AccountByIBAN(context.Background(), iban)
	require.ErrorIs(t, err, errNotCached)
	_, err = off.ConnectionFor(context.Background(), "x")
	require.ErrorIs(t, err, errNotCached)
	require.EqualValues(t, 0, g.calls.Load())

	close(g.gate)
	_, err = a.AccountByIBAN(context.Background(), iban)
	require.NoError(t, err)
	acc, err := off.AccountByIBAN(context.Background(), iban)
	require.NoError(t, err)
	assert.Equal(t, iban, acc.IBAN())
	_, err = off.AccountByIBAN(context.Background(), "DE00000000000000000000")
	require.ErrorIs(t, err, errUnknownAccount, "a miss in a list fetched just now is the file's fault")
}
