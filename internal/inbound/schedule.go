package inbound

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// retryStep is how soon a step that failed without journaling its own
// retry time (a journal or folder error) is tried again. A step that failed
// because Atlar was unreachable waits longer: see reschedule.
const retryStep = time.Second

// schedule is the tracker's timetable: when each unfinished file is next
// due (its journaled NextPollAt, or a retry after a failed step). The
// pipeline keeps it up to date after every run of a file, so the tracker
// wakes exactly when something is due instead of reading every unfinished
// file from the journal every second; with thousands of files in flight
// that read was most of the bridge's work.
type schedule struct {
	mu   sync.Mutex
	due  dueHeap
	byID map[string]*dueFile
	// wake tells the tracker an entry earlier than all others was added.
	wake chan struct{}
}

type dueFile struct {
	id    string
	at    time.Time
	index int // in the heap
}

func newSchedule() *schedule {
	return &schedule{byID: map[string]*dueFile{}, wake: make(chan struct{}, 1)}
}

// set makes id due at at, replacing what was scheduled for it.
func (s *schedule) set(id string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.byID[id]
	if e == nil {
		e = &dueFile{id: id, at: at}
		s.byID[id] = e
		heap.Push(&s.due, e)
	} else {
		e.at = at
		heap.Fix(&s.due, e.index)
	}
	if s.due[0] == e {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// drop forgets id (the file is final or gone).
func (s *schedule) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.byID[id]; e != nil {
		heap.Remove(&s.due, e.index)
		delete(s.byID, id)
	}
}

// take removes and returns the ids due at now, and tells when the next
// one is due (ok false when none is scheduled).
func (s *schedule) take(now time.Time) (ids []string, next time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.due) > 0 && !s.due[0].at.After(now) {
		e := heap.Pop(&s.due).(*dueFile)
		delete(s.byID, e.id)
		ids = append(ids, e.id)
	}
	if len(s.due) == 0 {
		return ids, time.Time{}, false
	}
	return ids, s.due[0].at, true
}

// when tells when id is due, if it is on the timetable.
func (s *schedule) when(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.byID[id]; e != nil {
		return e.at, true
	}
	return time.Time{}, false
}

// sooner makes id due at at if it is on the timetable for later; a file
// not on it (running, or final) is left alone.
func (s *schedule) sooner(id string, at time.Time) {
	s.mu.Lock()
	e := s.byID[id]
	later := e != nil && e.at.After(at)
	s.mu.Unlock()
	if later {
		s.set(id, at)
	}
}

// len is how many files are scheduled.
func (s *schedule) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.due)
}

// reschedule puts a file that has just run back on the timetable: at its
// journaled NextPollAt, or retryStep from now when it is due already (its
// step failed, or did not get further). A final file leaves it.
//
// A step that failed because Atlar was unreachable or busy (the client's
// fast attempts ran out: atlar.Temporary) and journaled no retry time of
// its own — validation listing the accounts — waits on the pipeline's
// backoff instead, and no less than the Retry-After Atlar sent. The
// count of such failures is kept in memory: a restart starts it again.
func (p *Pipeline) reschedule(ctx context.Context, id string, stepErr error) {
	if ctx.Err() != nil {
		return // stopping: Recover schedules it at the next start
	}
	now := p.clock.Now()
	var wait time.Duration
	if stepErr != nil && atlar.Temporary(stepErr) {
		p.mu.Lock()
		p.waits[id]++
		n := p.waits[id]
		p.mu.Unlock()
		wait = max(p.retry.Next(n), atlar.RetryAfter(stepErr))
	} else {
		p.mu.Lock()
		delete(p.waits, id)
		p.mu.Unlock()
	}
	f, err := p.j.Get(id)
	if err != nil {
		if stepErr == nil {
			// A withdrawn claim, or the journal failing: in the latter
			// case the slow sweep finds the file again.
			p.forget(id)
			return
		}
		p.sched.set(id, now.Add(max(retryStep, wait)))
		return
	}
	if f.State.Final() {
		p.forget(id)
		return
	}
	at := f.NextPollAt
	if !at.After(now) {
		at = now.Add(retryStep)
	}
	if wait > 0 {
		at = laterOf(at, now.Add(wait))
	}
	p.sched.set(id, at)
}

// forget takes a file off the timetable.
func (p *Pipeline) forget(id string) {
	p.sched.drop(id)
	p.mu.Lock()
	delete(p.waits, id)
	p.mu.Unlock()
}

// atlarBack makes the files waiting on Atlar in memory due now: Atlar
// answered again, and their backoff (up to MaxPoll) need not run out. Files
// whose retry is journaled (retryLater) keep it.
func (p *Pipeline) atlarBack() {
	p.mu.Lock()
	ids := make([]string, 0, len(p.waits))
	for id := range p.waits {
		ids = append(ids, id)
	}
	p.mu.Unlock()
	now := p.clock.Now()
	for _, id := range ids {
		p.sched.sooner(id, now)
	}
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// dueHeap orders files by when they are due.
type dueHeap []*dueFile

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *dueHeap) Push(x any) {
	e := x.(*dueFile)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
