package inbound

import "sync"

// pathLocks serialises claims of one path (the folder watcher and the SFTP
// server may offer the same file) while claims of different files run side
// by side, sharing journal commits.
type pathLocks struct {
	mu    sync.Mutex
	locks map[string]*pathLock
}

type pathLock struct {
	sync.Mutex
	users int // holders and waiters
}

// lock locks path and returns its unlock.
func (l *pathLocks) lock(path string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*pathLock{}
	}
	pl := l.locks[path]
	if pl == nil {
		pl = &pathLock{}
		l.locks[path] = pl
	}
	pl.users++
	l.mu.Unlock()
	pl.Lock()
	return func() {
		pl.Unlock()
		l.mu.Lock()
		if pl.users--; pl.users == 0 {
			delete(l.locks, path)
		}
		l.mu.Unlock()
	}
}
