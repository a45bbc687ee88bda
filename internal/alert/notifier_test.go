package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// recSender records deliveries and fails the first failN attempts.
type recSender struct {
	mu       sync.Mutex
	failN    int
	attempts int
	got      []Event
	block    chan struct{} // if set, Send waits on it
	sent     chan Event
}

func newRec(failN int) *recSender { return &recSender{failN: failN, sent: make(chan Event, 64)} }

func (r *recSender) Channel() string { return "rec" }
func (r *recSender) Send(ctx context.Context, e Event) error {
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.attempts++
	if r.attempts <= r.failN {
		r.mu.Unlock()
		return errors.New("relay down")
	}
	r.got = append(r.got, e)
	r.mu.Unlock()
	r.sent <- e
	return nil
}

func waitEvent(t *testing.T, ch chan Event) Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10s")
		return Event{}
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRaiseOnceResolveOnce(t *testing.T) {
	rec := newRec(0)
	n := New(Options{Logger: quiet()}, rec)
	n.Start()
	defer n.Close(context.Background())
	for range 3 {
		n.Raise("stuck/01A", Event{Kind: FileStuck, Message: "stuck", FileID: "01A"})
	}
	if e := waitEvent(t, rec.sent); e.Severity != Error || e.Kind != FileStuck {
		t.Fatalf("first delivery %+v", e)
	}
	n.Resolve("stuck/01A", "file 01A moved on")
	n.Resolve("stuck/01A", "again") // not active any more: nothing
	e := waitEvent(t, rec.sent)
	if e.Severity != Resolved || e.FileID != "01A" || e.Message != "file 01A moved on" {
		t.Fatalf("resolved delivery %+v", e)
	}
	// A new episode raises again.
	n.Raise("stuck/01A", Event{Kind: FileStuck, Message: "stuck again"})
	if e := waitEvent(t, rec.sent); e.Message != "stuck again" {
		t.Fatalf("second episode %+v", e)
	}
	select {
	case e := <-rec.sent:
		t.Fatalf("unexpected extra delivery %+v", e)
	default:
	}
	if got := n.Active("stuck/"); len(got) != 1 {
		t.Fatalf("active = %v", got)
	}
}

func TestRetryWithBackoffThenDeliver(t *testing.T) {
	clock := clockwork.NewFakeClock()
	rec := newRec(2)
	var mu sync.Mutex
	failures := 0
	n := New(Options{Logger: quiet(), Clock: clock, Backoff: time.Second, MaxBackoff: time.Minute,
		OnDeliveryFailed: func(string) { mu.Lock(); failures++; mu.Unlock() }}, rec)
	n.Start()
	defer n.Close(context.Background())
	n.Raise("k", Event{Kind: AtlarAuth, Message: "401"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// First failure: the worker waits 1s; second: 2s.
	for _, d := range []time.Duration{time.Second, 2 * time.Second} {
		if err := clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(d - time.Millisecond)
		select {
		case <-rec.sent:
			t.Fatal("retried before the backoff passed")
		default:
		}
		clock.Advance(time.Millisecond)
	}
	waitEvent(t, rec.sent)
	mu.Lock()
	defer mu.Unlock()
	if failures != 2 {
		t.Fatalf("failed attempts counted %d, want 2", failures)
	}
}

func TestGivesUpAfterAttempts(t *testing.T) {
	clock := clockwork.NewFakeClock()
	rec := newRec(100)
	dropped := make(chan string, 4)
	n := New(Options{Logger: quiet(), Clock: clock, Attempts: 3, Backoff: time.Second,
		OnDropped: func(_, reason string) { dropped <- reason }}, rec)
	n.Start()
	defer n.Close(context.Background())
	n.Raise("k", Event{Kind: DiskLow})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 2 {
		if err := clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	select {
	case r := <-dropped:
		if r != "gave_up" {
			t.Fatalf("dropped for %q", r)
		}
	case <-ctx.Done():
		t.Fatal("never gave up")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.attempts != 3 {
		t.Fatalf("attempts %d, want 3", rec.attempts)
	}
}

func TestRateLimitPerHour(t *testing.T) {
	clock := clockwork.NewFakeClock()
	rec := newRec(0)
	var mu sync.Mutex
	limited := 0
	n := New(Options{Logger: quiet(), Clock: clock, MaxPerHour: 3,
		OnDropped: func(_, r string) {
			mu.Lock()
			defer mu.Unlock()
			if r == "rate_limited" {
				limited++
			}
		}}, rec)
	n.Start()
	defer n.Close(context.Background())
	for i := range 5 {
		n.Raise(fmt.Sprint("file/", i), Event{Kind: FileRejected})
	}
	for range 3 {
		waitEvent(t, rec.sent)
	}
	mu.Lock()
	if limited != 2 {
		t.Fatalf("rate limited %d, want 2", limited)
	}
	mu.Unlock()
	clock.Advance(time.Hour)
	n.Raise("file/next", Event{Kind: FileRejected, Name: "after an hour"})
	if e := waitEvent(t, rec.sent); e.Name != "after an hour" {
		t.Fatalf("got %+v", e)
	}
}

func TestFullQueueNeverBlocks(t *testing.T) {
	rec := newRec(0)
	rec.block = make(chan struct{})
	var mu sync.Mutex
	full := 0
	n := New(Options{Logger: quiet(), QueueSize: 2,
		OnDropped: func(_, r string) {
			mu.Lock()
			defer mu.Unlock()
			if r == "queue_full" {
				full++
			}
		}}, rec)
	n.Start()
	done := make(chan struct{})
	go func() {
		for i := range 50 {
			n.Raise(fmt.Sprint("f", i), Event{Kind: FileFailed})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Raise blocked on a stuck channel")
	}
	close(rec.block)
	n.Close(context.Background())
	mu.Lock()
	defer mu.Unlock()
	// One in the worker's hands, two queued, the rest dropped.
	if full < 47 {
		t.Fatalf("queue_full drops %d, want >= 47", full)
	}
}

func TestExpireForgetsOldOneOffs(t *testing.T) {
	clock := clockwork.NewFakeClock()
	n := New(Options{Logger: quiet(), Clock: clock})
	n.Raise("file_rejected/1", Event{Kind: FileRejected})
	clock.Advance(time.Hour)
	n.Raise("file_rejected/2", Event{Kind: FileRejected})
	n.Raise("disk_low", Event{Kind: DiskLow})
	n.Expire("file_rejected/", clock.Now().Add(-30*time.Minute))
	if got := n.Active(""); len(got) != 2 || got[0] != "disk_low" || got[1] != "file_rejected/2" {
		t.Fatalf("active after expire: %v", got)
	}
}
