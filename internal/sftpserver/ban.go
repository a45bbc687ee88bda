package sftpserver

import (
	"net/netip"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// banList counts failed logins per source address over a sliding window
// and bans an address that reaches the limit for a while. All its methods
// are safe for concurrent use.
type banList struct {
	clock  clockwork.Clock
	after  int // failures that trigger a ban; <= 0 disables banning
	window time.Duration
	banFor time.Duration

	mu    sync.Mutex
	addrs map[netip.Addr]*banEntry
}

type banEntry struct {
	failures []time.Time // within window, oldest first
	until    time.Time   // banned before this instant
}

// banPruneAt is the table size above which stale entries are dropped, so a
// scan from many addresses cannot grow memory without bound.
const banPruneAt = 1024

func newBanList(clock clockwork.Clock, after int, window, banFor time.Duration) *banList {
	return &banList{clock: clock, after: after, window: window, banFor: banFor, addrs: make(map[netip.Addr]*banEntry)}
}

// bannedUntil reports whether a is banned now, and until when.
func (b *banList) bannedUntil(a netip.Addr) (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.addrs[a]
	if !ok || !b.clock.Now().Before(e.until) {
		return time.Time{}, false
	}
	return e.until, true
}

// fail records a failed login from a. It returns the failures counted in the
// window and, when this failure started a ban, the ban's end.
func (b *banList) fail(a netip.Addr) (count int, bannedUntil time.Time) {
	if b.after <= 0 {
		return 0, time.Time{}
	}
	now := b.clock.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.addrs) > banPruneAt {
		b.prune(now)
	}
	e := b.addrs[a]
	if e == nil {
		e = &banEntry{}
		b.addrs[a] = e
	}
	e.failures = append(dropBefore(e.failures, now.Add(-b.window)), now)
	count = len(e.failures)
	if count >= b.after && !now.Before(e.until) {
		e.until = now.Add(b.banFor)
		// A new ban starts a new count: after it ends, the address gets the
		// full allowance again instead of being banned on its next mistake.
		e.failures = e.failures[:0]
		return count, e.until
	}
	return count, time.Time{}
}

func (b *banList) prune(now time.Time) {
	for a, e := range b.addrs {
		e.failures = dropBefore(e.failures, now.Add(-b.window))
		if len(e.failures) == 0 && !now.Before(e.until) {
			delete(b.addrs, a)
		}
	}
}

// dropBefore removes the leading times that are before cut.
func dropBefore(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	return append(ts[:0], ts[i:]...)
}
