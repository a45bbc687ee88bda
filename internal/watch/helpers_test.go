package watch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testSettle = 2 * time.Second
	testRescan = 30 * time.Second
	waitFor    = 10 * time.Second
	pollEvery  = 5 * time.Millisecond
)

// recorder is a Handler that records candidates and, unless fail says
// otherwise, claims each file by moving it (and deleting its marker) like
// the inbound claimer does.
type recorder struct {
	t       testing.TB
	claimed string // folder claimed files are moved to

	mu    sync.Mutex
	calls []Candidate
	// fail, if set, decides per call whether to refuse the file.
	fail func(c Candidate, n int) error

	inFlight atomic.Int32
}

func newRecorder(t testing.TB) *recorder {
	return &recorder{t: t, claimed: t.TempDir()}
}

func (r *recorder) handle(ctx context.Context, c Candidate) error {
	if r.inFlight.Add(1) != 1 {
		r.t.Errorf("handler called concurrently for %s", c.Path)
	}
	defer r.inFlight.Add(-1)

	// The call is recorded when the handler is done, so that a test that
	// saw it also sees what the handler did.
	r.mu.Lock()
	n := len(r.calls) + 1
	fail := r.fail
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.calls = append(r.calls, c)
		r.mu.Unlock()
	}()
	if fail != nil {
		if err := fail(c, n); err != nil {
			return err
		}
	}
	if err := os.Rename(c.Path, filepath.Join(r.claimed, c.Name)); err != nil {
		return err
	}
	if c.Marker != "" {
		return os.Remove(c.Marker)
	}
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

func (r *recorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		out = append(out, c.Name)
	}
	return out
}

func (r *recorder) last() Candidate {
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(r.t, r.calls)
	return r.calls[len(r.calls)-1]
}

// harness is a started watcher on a fake clock.
type harness struct {
	w     *Watcher
	clock *clockwork.FakeClock
	rec   *recorder
}

func start(t *testing.T, dirs []Dir, o Options) *harness {
	t.Helper()
	h := &harness{clock: clockwork.NewFakeClock(), rec: newRecorder(t)}
	o.Clock = h.clock
	if o.Logger == nil {
		o.Logger = quiet
	}
	h.w = New(dirs, h.rec.handle, o)
	require.NoError(t, h.w.Start(t.Context()))
	t.Cleanup(func() { assert.NoError(t, h.w.Close(context.Background())) })
	return h
}

// waiters blocks until the fake clock has n waiters: the rescan ticker is
// one; the deadline timer is the second while any file is pending.
func (h *harness) waiters(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	require.NoError(t, h.clock.BlockUntilContext(ctx, n), "watcher never reached %d clock waiters", n)
}

// pending waits until the watcher has armed its deadline timer.
func (h *harness) pending(t *testing.T) { h.waiters(t, 2) }

func (h *harness) waitCalls(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return h.rec.count() >= n }, waitFor, pollEvery,
		"handler called %d times, want %d", h.rec.count(), n)
	assert.Equal(t, n, h.rec.count())
}

// drop writes a file the way the SFTP server and careful ERPs do: to a
// hidden temp name, then renamed into place, so that the watcher sees it
// appear complete in one event.
func drop(t testing.TB, dir, name, data string) string {
	t.Helper()
	tmp := filepath.Join(dir, "."+name+".upload")
	require.NoError(t, os.WriteFile(tmp, []byte(data), 0o600))
	path := filepath.Join(dir, name)
	require.NoError(t, os.Rename(tmp, path))
	return path
}

var quiet = slog.New(slog.DiscardHandler)

var errBusy = errors.New("sharing violation: file in use")

// syncWriter serialises writes to a buffer the test reads after the
// watcher's goroutines have written to it.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
