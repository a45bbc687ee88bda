package sftpserver

import (
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// recentTTL is how long a handed-over upload still answers stat/ls/rm for
// its user: long enough for an ERP's post-upload check, short enough not to
// pretend the file is still in the inbox.
const recentTTL = 5 * time.Minute

// recentUploads remembers, per user, what was handed over lately. It is in
// memory only: after a restart a client's stat simply finds nothing.
type recentUploads struct {
	clock clockwork.Clock

	mu sync.Mutex
	m  map[recentKey]recentEntry
}

type recentKey struct{ user, route, name string }

type recentEntry struct {
	size    int64
	at      time.Time
	expires time.Time
}

func newRecentUploads(clock clockwork.Clock) *recentUploads {
	return &recentUploads{clock: clock, m: make(map[recentKey]recentEntry)}
}

func (r *recentUploads) add(k recentKey, size int64) {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, e := range r.m {
		if !now.Before(e.expires) {
			delete(r.m, key)
		}
	}
	r.m[k] = recentEntry{size: size, at: now, expires: now.Add(recentTTL)}
}

func (r *recentUploads) get(k recentKey) (recentEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.m[k]
	if !ok || !r.clock.Now().Before(e.expires) {
		return recentEntry{}, false
	}
	return e, true
}

// list returns the live entries of one user's route by name.
func (r *recentUploads) list(user, route string) map[string]recentEntry {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]recentEntry)
	for k, e := range r.m {
		if k.user == user && k.route == route && now.Before(e.expires) {
			out[k.name] = e
		}
	}
	return out
}
