package state

import "sync"

type subscriber struct {
	ch   chan struct{}
	once sync.Once
}

func (sub *subscriber) close() { sub.once.Do(func() { close(sub.ch) }) }

// Subscribe returns a channel that receives after every committed write, and
// a cancel func that closes it. Signals are coalesced: a subscriber busy
// while several writes commit sees one signal, never a blocked writer. The
// channel is also closed when the Store closes.
func (s *Store) Subscribe() (<-chan struct{}, func()) {
	sub := &subscriber{ch: make(chan struct{}, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		sub.close()
		return sub.ch, func() {}
	}
	s.subs[sub] = struct{}{}
	return sub.ch, func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
		sub.close()
	}
}

// notify wakes every subscriber without blocking.
func (s *Store) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		select {
		case sub.ch <- struct{}{}:
		default:
		}
	}
}
