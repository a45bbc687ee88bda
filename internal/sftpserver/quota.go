package sftpserver

import "sync"

// quotaTable counts, per user, the bytes of its uploads still open in any
// session: what it occupies on disk before the pipeline takes a file.
// User.Quota caps that sum, so that many sessions with many handles cannot
// fill the disk between them. The zero value is ready to use.
type quotaTable struct {
	mu   sync.Mutex
	used map[string]int64
}

// reserve adds n bytes to user's count unless that would pass limit
// (limit <= 0: no limit); it reports whether it did.
func (q *quotaTable) reserve(user string, n, limit int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if limit > 0 && q.used[user]+n > limit {
		return false
	}
	if q.used == nil {
		q.used = map[string]int64{}
	}
	q.used[user] += n
	return true
}

// release gives back n bytes of user's count.
func (q *quotaTable) release(user string, n int64) {
	if n == 0 {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.used[user] -= n; q.used[user] <= 0 {
		delete(q.used, user)
	}
}
