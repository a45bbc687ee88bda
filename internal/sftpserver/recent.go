package sftpserver

import (
	"fmt"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// recentTTL is how long a handed-over upload makes rm and rename by its
// user fail with the reason instead of "no such file", and still answers
// stat in the session that uploaded it (clients check an upload's size
// right after it). Listings never show it, and other sessions' stat does
// not find it: the file is no longer in the inbox, and a client that
// believed it still there would delete it before its next upload of that
// name (WinSCP does before renaming its .filepart).
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
	sess    *session // the session that uploaded it
	fileID  string
	size    int64
	at      time.Time
	expires time.Time
}

func newRecentUploads(clock clockwork.Clock) *recentUploads {
	return &recentUploads{clock: clock, m: make(map[recentKey]recentEntry)}
}

func (r *recentUploads) add(k recentKey, sess *session, fileID string, size int64) {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, e := range r.m {
		if !now.Before(e.expires) {
			delete(r.m, key)
		}
	}
	r.m[k] = recentEntry{sess: sess, fileID: fileID, size: size, at: now, expires: now.Add(recentTTL)}
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

// claimedError is the refusal of an operation on an upload the bridge has
// claimed: the file is in its pipeline, not in the inbox any more.
func claimedError(e recentEntry) error {
	return &deniedError{fmt.Sprintf("the file was taken by the bridge as %s at %s and is no longer in the inbox",
		e.fileID, e.at.UTC().Format(time.RFC3339))}
}
