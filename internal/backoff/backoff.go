// Package backoff is the bridge's one answer to "when do I try again?" and
// "do I log this again?": a capped exponential backoff with jitter, and a
// keyed log throttle. Both take the attempt count or the time from the
// caller, so a pipeline can journal the count and run on a fake clock.
//
// A stateful backoff (github.com/cenkalti/backoff) or a token bucket
// (golang.org/x/time/rate) would not do: the attempt count lives in the
// journal across restarts, and tests drive the time.
package backoff

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Policy is a capped exponential backoff: retry n waits between half and
// all of Base·2^(n-1), never more than Max. The jitter spreads the retries
// of many files (or many bridges) that failed together on one outage, and
// the floor of half keeps a retry from coming back at once.
type Policy struct {
	Base time.Duration // wait before the first retry, before jitter
	Max  time.Duration // cap; Base when smaller
}

// Next returns the wait before retry attempt (1-based; values below 1
// count as 1).
func (p Policy) Next(attempt int) time.Duration {
	return jitter(p.Ceiling(attempt))
}

// Ceiling is Next without the jitter: Base·2^(attempt-1) capped at Max.
func (p Policy) Ceiling(attempt int) time.Duration {
	if p.Base <= 0 {
		return 0
	}
	ceiling := max(p.Max, p.Base)
	d := p.Base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// jitter returns a random duration in [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return d - half + time.Duration(rand.Int64N(int64(half)+1))
}

// Throttle rate-limits the reports of conditions that repeat (a step
// failing every retry, Atlar down for every file): the first report of a
// key goes through, then at most one every Every, and the ones held back
// are counted so the next report can say how many there were. The zero
// value with Every 0 lets everything through; a Throttle is safe for
// concurrent use and must not be copied after first use.
type Throttle struct {
	Every time.Duration

	mu   sync.Mutex
	keys map[string]*throttled
}

type throttled struct {
	last time.Time
	held int
}

// Allow reports whether a report of key at now should be logged (at the
// caller's normal level; the others belong at Debug) and, when it should,
// how many reports of key were held back since the last one logged.
func (t *Throttle) Allow(key string, now time.Time) (ok bool, held int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = map[string]*throttled{}
	}
	e := t.keys[key]
	if e == nil {
		t.keys[key] = &throttled{last: now}
		return true, 0
	}
	if now.Sub(e.last) < t.Every {
		e.held++
		return false, 0
	}
	held = e.held
	e.last, e.held = now, 0
	return true, held
}

// Reset forgets key: its condition cleared, and the next report of it is
// logged at once. It reports whether key had been reported, and how many
// reports were held back since the last one logged.
func (t *Throttle) Reset(key string) (reported bool, held int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.keys[key]
	if e == nil {
		return false, 0
	}
	delete(t.keys, key)
	return true, e.held
}

// Active reports whether key has been reported and not Reset since.
func (t *Throttle) Active(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.keys[key]
	return ok
}
