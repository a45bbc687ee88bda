package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

var errCrash = errors.New("simulated crash")

// crashAt stops the journal dead after its k-th write: that write commits,
// every later one is refused, as if the process died right after step k.
type crashAt struct {
	k       int
	mu      sync.Mutex
	n       int
	crashed chan struct{}
	ops     []string
}

func newCrashAt(k int) *crashAt { return &crashAt{k: k, crashed: make(chan struct{})} }

func (c *crashAt) before(string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n >= c.k {
		return errCrash
	}
	return nil
}

func (c *crashAt) after(op string, _ *state.File) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.ops = append(c.ops, op)
	if c.n == c.k {
		close(c.crashed)
		return errCrash
	}
	return nil
}

// TestBridge_RestartAfterEveryStep stops the bridge right after each
// journal write of a file's whole journey in turn, restarts it on the same
// folders and journal, and checks the file was submitted exactly once and
// ended with all its outbox files.
func TestBridge_RestartAfterEveryStep(t *testing.T) {
	csv := "external_id,source_iban,amount,currency,external_account_id\n" +
		"R-%d-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n" +
		"R-%d-2,DE89370400440532013000,20.00,EUR,external:fournisseur-sarl-eur\n"
	// A journey without a crash counts the steps to cover.
	probe := newCrashAt(1 << 30)
	steps := func() int {
		tb := newRestartBridge(t, probe)
		tb.drop("payables", "probe.csv", []byte(fmt.Sprintf(csv, 0, 0)))
		waitDone(tb, "probe.csv")
		tb.stop()
		probe.mu.Lock()
		defer probe.mu.Unlock()
		return probe.n
	}()
	t.Logf("a file's journey is %d journal writes: %v", steps, probe.ops)
	require.Greater(t, steps, 8)

	for k := 1; k <= steps; k++ {
		t.Run(fmt.Sprintf("step%02d", k), func(t *testing.T) {
			t.Parallel()
			c := newCrashAt(k)
			tb := newRestartBridge(t, c)
			name := fmt.Sprintf("run%d.csv", k)
			tb.drop("payables", name, []byte(fmt.Sprintf(csv, k, k)))
			// Polls make journeys differ in length: a run that finishes
			// before its k-th write simply has nothing to restart.
			require.Eventuallyf(t, func() bool {
				select {
				case <-c.crashed:
					return true
				default:
				}
				files, err := tb.app.store.List(state.Filter{States: []state.State{state.Completed}})
				return err == nil && len(files) == 1
			}, 30*time.Second, 10*time.Millisecond, "neither crash nor completion\nlogs:\n%s", tb.logs)
			tb.stop()
			tb.start(appOptions{}) // the restart: same folders, same journal
			waitDone(tb, name)

			batches := tb.fake.Batches()
			require.Len(t, batches, 1, "exactly one batch at Atlar after a crash at step %d (%s)", k, c.ops[len(c.ops)-1])
			require.Len(t, tb.fake.Payments(), 2)
			for _, dir := range []string{"inbox/payables", "processing/payables"} {
				entries, err := os.ReadDir(tb.path(filepath.FromSlash(dir)))
				require.NoError(t, err)
				require.Empty(t, entries, "%s must be empty", dir)
			}
			results, err := os.ReadDir(tb.path("outbox", "results"))
			require.NoError(t, err)
			var names []string
			for _, e := range results {
				names = append(names, e.Name())
			}
			require.ElementsMatch(t, []string{name + ".ack.xml", name + ".result.csv", name + ".result.xml"}, names)
			assertQuiet(t, tb)
		})
	}
}

func newRestartBridge(t *testing.T, c *crashAt) *testBridge {
	tb := newTestBridgeWith(t, false, appOptions{BeforeWrite: c.before, AfterCommit: c.after})
	return tb
}

// waitDone waits for a file to be completed with its three outbox files.
func waitDone(tb *testBridge, name string) {
	tb.t.Helper()
	tb.waitFiles(30*time.Second, 1, state.Completed)
	for _, sfx := range []string{".ack.xml", ".result.csv", ".result.xml"} {
		tb.waitFile(30*time.Second, "outbox", "results", name+sfx)
	}
	require.Eventually(tb.t, func() bool {
		d, err := tb.app.store.PendingDeliveries()
		return err == nil && len(d) == 0
	}, 10*time.Second, 20*time.Millisecond)
}
