package state

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Group commit. A bbolt commit costs two fdatasyncs whatever it holds, and
// bbolt runs one write transaction at a time, so with one transaction per
// write the journal caps the whole bridge at a few thousand writes a second
// (and a file's journey takes about twenty). Writes that arrive while a
// commit is under way therefore wait and then share the next transaction:
// one commit, one pair of syncs for all of them. A write alone is committed
// at once, without the delay bbolt's own DB.Batch adds.
//
// Every write still returns only once its transaction is durable, so
// "journal before side effect" holds for each caller exactly as before.

// writeCall is one write waiting to be committed.
type writeCall struct {
	fn func(tx *bolt.Tx) (*File, error)
	// wake receives true when the call is to lead the next commit, false
	// when another leader has committed (or failed) it.
	wake chan bool

	file     *File
	err      error
	panicked any
}

// errGroupAborted aborts a shared transaction because one of its writes
// failed; each write is then run again in a transaction of its own.
var errGroupAborted = errors.New("group commit aborted")

// commit runs c.fn in a write transaction, shared with the writes queued
// meanwhile, and returns once it is committed or has failed (c.err). The
// first caller to find no commit under way leads: it commits everything
// queued, then hands the lead to the first write queued during its commit.
func (s *Store) commit(c *writeCall) {
	c.wake = make(chan bool, 1)
	s.wmu.Lock()
	s.queue = append(s.queue, c)
	lead := !s.leading
	s.leading = true
	s.wmu.Unlock()
	if !lead && !<-c.wake {
		s.rethrow(c)
		return
	}

	s.wmu.Lock()
	group := s.queue
	s.queue = nil
	s.wmu.Unlock()

	s.runGroup(group)

	s.wmu.Lock()
	if len(s.queue) > 0 {
		next := s.queue[0]
		s.wmu.Unlock()
		next.wake <- true
	} else {
		s.leading = false
		s.wmu.Unlock()
	}
	for _, g := range group {
		if g != c {
			g.wake <- false
		}
	}
	s.rethrow(c)
}

// rethrow re-raises, in the caller's goroutine, a panic of its write
// function that the leader caught.
func (s *Store) rethrow(c *writeCall) {
	if c.panicked != nil {
		panic(c.panicked)
	}
}

// runGroup commits the calls in one transaction. If any of them fails,
// nothing of the shared transaction is kept and each call runs again alone,
// so that it gets its own outcome and one bad write cannot sink the others.
// A write function may therefore run more than once; only its last run
// counts (see Update).
func (s *Store) runGroup(group []*writeCall) {
	if len(group) > 1 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for _, g := range group {
				if !g.run(tx) {
					return errGroupAborted
				}
			}
			return nil
		})
		if err == nil {
			return
		}
	}
	for _, g := range group {
		if g.panicked != nil {
			continue // never again: it would panic in the leader
		}
		err := s.db.Update(func(tx *bolt.Tx) error {
			g.run(tx)
			return g.err
		})
		if g.err == nil && err != nil {
			g.err = err // the commit itself failed
		}
		if g.err != nil {
			g.file = nil
		}
	}
}

// run calls the write function once, catching a panic so that the leader
// survives it and the caller re-raises it. It reports success.
func (c *writeCall) run(tx *bolt.Tx) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.file, c.err, c.panicked = nil, fmt.Errorf("write panicked: %v", r), r
			ok = false
		}
	}()
	c.file, c.err = c.fn(tx)
	return c.err == nil
}
