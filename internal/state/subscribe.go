package state

import "sync"

type subscriber struct {
	ch   chan struct{}
	once sync.Once
	// ids collects the files written since the feed's last Take (nil for
	// plain subscribers); guarded by Store.mu.
	ids map[string]struct{}
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

// notify wakes every subscriber without blocking; id is the file the
// write touched ("" for other writes).
func (s *Store) notify(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		if sub.ids != nil && id != "" {
			sub.ids[id] = struct{}{}
		}
		select {
		case sub.ch <- struct{}{}:
		default:
		}
	}
}

// Feed tells a consumer which files were written, so it can look at those
// instead of scanning the journal after every write.
type Feed struct {
	s   *Store
	sub *subscriber
}

// Feed subscribes to file writes. C signals (coalesced) after each write;
// Take returns the ids written since the previous Take.
func (s *Store) Feed() *Feed {
	sub := &subscriber{ch: make(chan struct{}, 1), ids: map[string]struct{}{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		sub.close()
	} else {
		s.subs[sub] = struct{}{}
	}
	return &Feed{s: s, sub: sub}
}

// C is closed when the feed or the store closes.
func (f *Feed) C() <-chan struct{} { return f.sub.ch }

// Take returns and forgets the ids of files written since the last call.
func (f *Feed) Take() []string {
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	ids := make([]string, 0, len(f.sub.ids))
	for id := range f.sub.ids {
		ids = append(ids, id)
	}
	clear(f.sub.ids)
	return ids
}

// Close unsubscribes.
func (f *Feed) Close() {
	f.s.mu.Lock()
	delete(f.s.subs, f.sub)
	f.s.mu.Unlock()
	f.sub.close()
}
