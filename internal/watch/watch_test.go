package watch

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatcher_Settle(t *testing.T) {
	dir := t.TempDir()
	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle})

	path := drop(t, dir, "run.csv", "a,b\n1,2\n")
	h.pending(t)
	h.clock.Advance(testSettle - time.Millisecond)
	h.pending(t)
	assert.Zero(t, h.rec.count(), "handed over before settle")

	h.clock.Advance(time.Millisecond)
	h.waitCalls(t, 1)
	fi, err := os.Stat(filepath.Join(h.rec.claimed, "run.csv"))
	require.NoError(t, err)
	assert.Equal(t, Candidate{
		Route:   "payables",
		Path:    path,
		Name:    "run.csv",
		Size:    8,
		ModTime: fi.ModTime(),
	}, h.rec.last())
	h.waiters(t, 1) // nothing pending any more
}

func TestWatcher_Growing(t *testing.T) {
	dir := t.TempDir()
	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle})

	path := drop(t, dir, "big.csv", "header\n")
	h.pending(t)
	for i := range 3 {
		h.clock.Advance(testSettle / 2)
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = fmt.Fprintf(f, "row %d\n", i)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	// The first deadline has long passed, but the file kept changing.
	h.clock.Advance(testSettle / 2)
	h.pending(t)
	assert.Zero(t, h.rec.count(), "a growing file was handed over")

	require.Eventually(t, func() bool {
		h.clock.Advance(testSettle / 4)
		return h.rec.count() > 0
	}, waitFor, pollEvery)
	assert.Equal(t, int64(len("header\nrow 0\nrow 1\nrow 2\n")), h.rec.last().Size)
	assert.Equal(t, 1, h.rec.count())
}

func TestWatcher_Ignores(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "target.csv")
	require.NoError(t, os.WriteFile(outside, []byte("x"), 0o600))
	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle})

	for _, name := range []string{"a.tmp", "b.part", "c.filepart", "d.partial", "e.crdownload", "~$lock.xlsx", ".hidden.csv", ".f.csv.upload", "G.TMP"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.csv"), 0o700))
	if runtime.GOOS != "windows" {
		require.NoError(t, os.Symlink(outside, filepath.Join(dir, "link.csv")))
	}
	drop(t, dir, "real.csv", "x")

	require.Eventually(t, func() bool {
		h.clock.Advance(testSettle)
		return h.rec.count() > 0
	}, waitFor, pollEvery)
	// Rescans and more settle time hand over nothing else.
	h.w.Rescan()
	assert.Never(t, func() bool {
		h.clock.Advance(testRescan)
		return h.rec.count() > 1
	}, 200*time.Millisecond, pollEvery)
	assert.Equal(t, []string{"real.csv"}, h.rec.names())
}

func TestTempName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"payables.csv", false},
		{"pain001.xml", false},
		{"report.tmp.csv", false},
		{"x.done", false}, // markers are per route, see route.takes
		{"a.tmp", true},
		{"a.TMP", true},
		{"a.part", true},
		{"a.filepart", true},
		{"a.partial", true},
		{"a.crdownload", true},
		{"~$pay.xlsx", true},
		{".hidden", true},
		{".pay.csv.upload", true},
		{"", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, TempName(tt.name))
		})
	}
}

func TestWatcher_DoneMarker(t *testing.T) {
	dir := t.TempDir()
	h := start(t, []Dir{{Route: "sepa", Path: dir, DoneMarker: ".done"}}, Options{Settle: testSettle})

	path := drop(t, dir, "pain.xml", "<Document/>")
	drop(t, dir, "orphan.xml.done", "") // a marker without its file
	// Without its marker the file is never complete, however long it sits.
	h.w.Rescan()
	assert.Never(t, func() bool {
		h.clock.Advance(testSettle)
		return h.rec.count() > 0
	}, 200*time.Millisecond, pollEvery)
	h.waiters(t, 1) // and nothing is pending on a timer

	// The marker completes it at once: no settle wait.
	require.NoError(t, os.WriteFile(path+".done", nil, 0o600))
	h.waitCalls(t, 1)
	c := h.rec.last()
	assert.Equal(t, "sepa", c.Route)
	assert.Equal(t, path, c.Path)
	assert.Equal(t, path+".done", c.Marker)
	assert.NoFileExists(t, path+".done", "the handler consumed the marker")
	assert.FileExists(t, filepath.Join(dir, "orphan.xml.done"))
}

func TestWatcher_HandlerError(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle, Logger: logger})
	h.rec.fail = func(c Candidate, n int) error {
		if n <= 3 {
			return errBusy
		}
		return nil
	}

	drop(t, dir, "locked.csv", "x")
	h.pending(t)
	h.clock.Advance(testSettle)
	h.waitCalls(t, 1)

	// Backoff 1s, 2s, 4s: never earlier, never a busy loop.
	for i, delay := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		h.pending(t)
		h.clock.Advance(delay - time.Millisecond)
		h.pending(t)
		assert.Equal(t, i+1, h.rec.count(), "offered again before its backoff")
		h.clock.Advance(time.Millisecond)
		h.waitCalls(t, i+2)
	}
	h.waiters(t, 1)
	assert.FileExists(t, filepath.Join(h.rec.claimed, "locked.csv"))

	// Three failures within a few seconds: logged once, with the keys.
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "inbox file not claimed"), out)
	assert.Contains(t, out, "route=payables")
	assert.Contains(t, out, "path="+filepath.Join(dir, "locked.csv"))
	assert.Contains(t, out, "sharing violation")
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i, w := range want {
		assert.Equal(t, w*time.Second, backoff(i+1, 30*time.Second), "failure %d", i+1)
	}
	assert.Equal(t, 500*time.Millisecond, backoff(1, 500*time.Millisecond))
	assert.Equal(t, 30*time.Second, backoff(1000, 30*time.Second))
}

func TestWatcher_StartupScan(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "overnight.csv")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
	old := time.Now().Add(-12 * time.Hour)
	require.NoError(t, os.Chtimes(path, old, old))

	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle})
	// Found at start-up, but still given a full settle: the bridge cannot
	// know whether the writer was interrupted.
	h.pending(t)
	h.clock.Advance(testSettle - time.Millisecond)
	h.pending(t)
	assert.Zero(t, h.rec.count())
	h.clock.Advance(time.Millisecond)
	h.waitCalls(t, 1)
	assert.Equal(t, path, h.rec.last().Path)
}

func TestWatcher_RescanFindsMissedFiles(t *testing.T) {
	tests := []struct {
		name    string
		trigger func(h *harness)
	}{
		{"Periodic", func(h *harness) { h.clock.Advance(testRescan) }},
		{"Requested", func(h *harness) { h.w.Rescan() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle, Rescan: testRescan})
			// Lose every event of the folder, like a network share does.
			require.NoError(t, h.w.fsw.Remove(dir))

			drop(t, dir, "missed.csv", "x")
			tt.trigger(h)
			h.pending(t)
			h.clock.Advance(testSettle)
			h.waitCalls(t, 1)
			assert.Equal(t, "missed.csv", h.rec.last().Name)
		})
	}
}

func TestWatcher_SetDirs(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	h := start(t, []Dir{{Route: "a", Path: a}}, Options{Settle: testSettle, Rescan: testRescan})
	drop(t, b, "waiting.csv", "x")

	t.Run("Add", func(t *testing.T) {
		require.NoError(t, h.w.SetDirs([]Dir{{Route: "a", Path: a}, {Route: "b", Path: b}}))
		h.pending(t) // the new folder was scanned
		h.clock.Advance(testSettle)
		h.waitCalls(t, 1)
		assert.Equal(t, "b", h.rec.last().Route)

		drop(t, b, "live.csv", "x") // and is watched
		h.pending(t)
		h.clock.Advance(testSettle)
		h.waitCalls(t, 2)
		assert.Equal(t, "live.csv", h.rec.last().Name)
	})
	t.Run("MissingFolderChangesNothing", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope")
		err := h.w.SetDirs([]Dir{{Route: "c", Path: missing}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `watch route "c": inbox folder `+missing+" does not exist")
		drop(t, a, "still.csv", "x")
		h.pending(t)
		h.clock.Advance(testSettle)
		h.waitCalls(t, 3)
		assert.Equal(t, "a", h.rec.last().Route)
	})
	t.Run("Remove", func(t *testing.T) {
		drop(t, a, "pending.csv", "x")
		h.pending(t)
		require.NoError(t, h.w.SetDirs([]Dir{{Route: "b", Path: b}}))
		h.waiters(t, 1) // a's pending file was forgotten
		assert.NotContains(t, h.w.fsw.WatchList(), a)

		drop(t, a, "ignored.csv", "x")
		assert.Never(t, func() bool {
			h.clock.Advance(testRescan)
			return h.rec.count() > 3
		}, 200*time.Millisecond, pollEvery)
	})
	t.Run("Rename", func(t *testing.T) {
		require.NoError(t, h.w.SetDirs([]Dir{{Route: "b2", Path: b}}))
		drop(t, b, "renamed.csv", "x")
		h.pending(t)
		h.clock.Advance(testSettle)
		h.waitCalls(t, 4)
		assert.Equal(t, "b2", h.rec.last().Route)
	})
}

func TestWatcher_ManyFiles(t *testing.T) {
	const n = 2000
	dir := t.TempDir()
	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle, Rescan: testRescan})
	// Half are there at start-up...
	for i := range n / 2 {
		drop(t, dir, fmt.Sprintf("f%04d.csv", i), "x")
	}
	h.w.Rescan()
	// ...half arrive while the first half is being handed over.
	for i := n / 2; i < n; i++ {
		drop(t, dir, fmt.Sprintf("f%04d.csv", i), "x")
	}
	goroutines := runtime.NumGoroutine()

	require.Eventually(t, func() bool {
		h.clock.Advance(testSettle)
		return h.rec.count() >= n
	}, 60*time.Second, pollEvery)
	assert.Less(t, runtime.NumGoroutine(), goroutines+10, "no goroutine per file")

	// More rescans and time hand over nothing twice.
	for range 3 {
		h.w.Rescan()
		h.clock.Advance(testRescan)
	}
	h.waiters(t, 1)
	names := h.rec.names()
	assert.Len(t, names, n)
	slices.Sort(names)
	assert.Len(t, slices.Compact(names), n, "a file was handed over twice")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left)
}

func TestWatcher_Start(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		dirs []Dir
		want string
	}{
		{"Missing", []Dir{{Route: "payables", Path: missing}}, `watch route "payables": inbox folder ` + missing + " does not exist"},
		{"NotAFolder", []Dir{{Route: "payables", Path: file}}, `watch route "payables": inbox folder ` + file + " is not a folder"},
		{"Shared", []Dir{{Route: "a", Path: t.TempDir()}, {Route: "b", Path: missing}, {Route: "c", Path: missing}}, "share the folder"},
		{"EmptyPath", []Dir{{Route: "a"}}, `watch route "a": empty folder path`},
		{"MarkerPath", []Dir{{Route: "a", Path: missing, DoneMarker: "/x"}}, "must be a name suffix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New(tt.dirs, func(context.Context, Candidate) error { return nil }, Options{Logger: quiet})
			err := w.Start(t.Context())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			require.NoError(t, w.Close(context.Background()))
		})
	}
	t.Run("Unreadable", func(t *testing.T) {
		if runtime.GOOS == "windows" || os.Geteuid() == 0 {
			t.Skip("permissions do not stop root (or Windows ACLs here)")
		}
		dir := t.TempDir()
		require.NoError(t, os.Chmod(dir, 0o000))
		defer os.Chmod(dir, 0o700)
		w := New([]Dir{{Route: "a", Path: dir}}, func(context.Context, Candidate) error { return nil }, Options{Logger: quiet})
		err := w.Start(t.Context())
		require.Error(t, err)
		assert.Contains(t, err.Error(), `watch route "a"`)
	})
}

func TestWatcher_Close(t *testing.T) {
	dir := t.TempDir()
	entered := make(chan struct{})
	var ctxErr error
	w := New([]Dir{{Route: "payables", Path: dir, DoneMarker: ".ok"}}, func(ctx context.Context, c Candidate) error {
		close(entered)
		<-ctx.Done() // a handler stuck on a slow disk
		ctxErr = ctx.Err()
		return ctx.Err()
	}, Options{Logger: quiet})
	require.NoError(t, w.Start(t.Context()))
	require.Error(t, w.Start(t.Context()), "started twice")

	drop(t, dir, "x.csv", "x")
	drop(t, dir, "x.csv.ok", "")
	<-entered
	require.NoError(t, w.Close(context.Background())) // cancels the handler and waits for it
	assert.ErrorIs(t, ctxErr, context.Canceled)
	require.NoError(t, w.Close(context.Background()))
	assert.Error(t, w.SetDirs(nil))
	assert.Error(t, w.Start(t.Context()))
}

// A handler that ignores its cancelled context must not hang the service's
// stop: Close gives up when its context ends, and a later Close, once the
// handler has returned, finishes the job.
func TestWatcher_CloseGivesUpOnStuckHandler(t *testing.T) {
	dir := t.TempDir()
	entered, release := make(chan struct{}), make(chan struct{})
	w := New([]Dir{{Route: "payables", Path: dir}}, func(ctx context.Context, c Candidate) error {
		close(entered)
		<-release // stuck in a call that does not take a context
		return nil
	}, Options{Settle: time.Millisecond, Logger: quiet})
	require.NoError(t, w.Start(t.Context()))
	drop(t, dir, "x.csv", "x")
	<-entered

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := w.Close(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "handlers still running")

	close(release)
	require.NoError(t, w.Close(context.Background()))
}

func TestWatcher_SetDirsBeforeStart(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	clockless := New([]Dir{{Route: "a", Path: a}}, nil, Options{Logger: quiet})
	require.Error(t, clockless.SetDirs([]Dir{{Route: "x", Path: a}, {Route: "y", Path: a}}))
	require.NoError(t, clockless.SetDirs([]Dir{{Route: "b", Path: b}}))
	require.NoError(t, clockless.Close(context.Background()))

	rec := newRecorder(t)
	w := New([]Dir{{Route: "a", Path: a}}, rec.handle, Options{Settle: time.Millisecond, Logger: quiet})
	require.NoError(t, w.SetDirs([]Dir{{Route: "b", Path: b}}))
	require.NoError(t, w.Start(context.Background()))
	defer w.Close(context.Background())
	drop(t, b, "real-clock.csv", "x")
	require.Eventually(t, func() bool { return rec.count() == 1 }, waitFor, pollEvery)
	assert.Equal(t, "b", rec.last().Route)
}

func TestWatcher_RealClockLatency(t *testing.T) {
	const settle = 200 * time.Millisecond
	dir := t.TempDir()
	rec := newRecorder(t)
	called := make(chan time.Time, 1)
	w := New([]Dir{{Route: "payables", Path: dir}}, func(ctx context.Context, c Candidate) error {
		called <- time.Now()
		return rec.handle(ctx, c)
	}, Options{Settle: settle, Logger: quiet})
	require.NoError(t, w.Start(t.Context()))
	defer w.Close(context.Background())

	dropped := time.Now()
	drop(t, dir, "fast.csv", "x")
	select {
	case at := <-called:
		latency := at.Sub(dropped)
		t.Logf("handed over %s after the drop (settle %s)", latency, settle)
		assert.GreaterOrEqual(t, latency, settle)
		// The target is well under 100ms beyond settle; the bound is loose
		// because this machine is shared and -race is slow.
		assert.Less(t, latency, settle+time.Second, "deadline timer, not a coarse ticker")
	case <-time.After(waitFor):
		t.Fatal("file never handed over")
	}
}

func TestWatcher_Vanished(t *testing.T) {
	dir := t.TempDir()
	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle})
	path := drop(t, dir, "oops.csv", "x")
	h.pending(t)
	require.NoError(t, os.Remove(path)) // the ERP took it back

	assert.Never(t, func() bool {
		h.clock.Advance(testSettle)
		return h.rec.count() > 0
	}, 200*time.Millisecond, pollEvery)
	h.waiters(t, 1) // forgotten, nothing pending
}

func TestWatcher_FolderRecreated(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows does not delete a folder that is being watched")
	}
	dir := filepath.Join(t.TempDir(), "inbox")
	require.NoError(t, os.Mkdir(dir, 0o700))
	h := start(t, []Dir{{Route: "payables", Path: dir}}, Options{Settle: testSettle, Rescan: testRescan})

	require.NoError(t, os.Remove(dir))
	require.Eventually(t, func() bool { return !slices.Contains(h.w.fsw.WatchList(), dir) }, waitFor, pollEvery)
	h.clock.Advance(testRescan) // a scan of the missing folder logs and carries on
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.Eventually(t, func() bool {
		h.clock.Advance(testRescan)
		return slices.Contains(h.w.fsw.WatchList(), dir)
	}, waitFor, pollEvery, "the folder is watched again")

	drop(t, dir, "after.csv", "x")
	h.pending(t) // seen through the new watch, without waiting for a rescan
	h.clock.Advance(testSettle)
	h.waitCalls(t, 1)
	assert.Equal(t, "after.csv", h.rec.last().Name)
}
