package state

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// holdCommit starts a write that blocks inside its transaction until the
// returned release is called, so that the writes started meanwhile queue
// up behind it and share the next transaction. wait waits for the held
// write to return.
func holdCommit(t *testing.T, s *Store) (release func(), wait func()) {
	t.Helper()
	inside, free, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_, _, err := s.write("hold", func(*bolt.Tx) (*File, error) {
			close(inside)
			<-free
			return nil, nil
		})
		assert.NoError(t, err)
	}()
	<-inside
	return func() { close(free) }, func() { <-done }
}

// waitQueued waits until n writes wait for the next commit.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		s.wmu.Lock()
		defer s.wmu.Unlock()
		return len(s.queue) == n
	}, 5*time.Second, time.Millisecond, "%d writes queued", n)
}

func TestStore_GroupCommit(t *testing.T) {
	t.Run("ConcurrentWritesShareOneTransaction", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		for i := range 8 {
			require.NoError(t, s.Create(newFile(fmt.Sprintf("F%d", i), "payables"), ""))
		}
		var held int
		require.NoError(t, s.db.View(func(tx *bolt.Tx) error { held = tx.ID() + 1; return nil }))
		release, wait := holdCommit(t, s)
		var wg sync.WaitGroup
		txIDs := make([]int, 8)
		for i := range 8 {
			wg.Go(func() {
				_, _, err := s.write("update", func(tx *bolt.Tx) (*File, error) {
					txIDs[i] = tx.ID()
					f, err := getFile(tx, fmt.Sprintf("F%d", i))
					if err != nil {
						return nil, err
					}
					old := f.State
					f.State = Validated
					return f, putFile(tx, f, old)
				})
				assert.NoError(t, err)
			})
			waitQueued(t, s, i+1)
		}
		release()
		wait()
		wg.Wait()

		for i := range 8 {
			assert.Equal(t, held+1, txIDs[i], "write %d committed in the transaction after the held one", i)
			f, err := s.Get(fmt.Sprintf("F%d", i))
			require.NoError(t, err)
			assert.Equal(t, Validated, f.State)
		}
	})

	t.Run("FailedWriteDoesNotSinkTheGroup", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		require.NoError(t, s.Create(newFile("TAKEN", "payables"), ""))
		require.NoError(t, s.Create(newFile("B", "payables"), ""))
		release, wait := holdCommit(t, s)

		var wg sync.WaitGroup
		var errDup, errNew, errUpd, errFn error
		wg.Go(func() { errDup = s.Create(newFile("TAKEN", "payables"), "again") })
		waitQueued(t, s, 1)
		wg.Go(func() { errNew = s.Create(newFile("A", "payables"), "received") })
		waitQueued(t, s, 2)
		wg.Go(func() { _, errUpd = s.Update("B", "validated", setState(Validated)) })
		waitQueued(t, s, 3)
		refuse := errors.New("not now")
		wg.Go(func() { _, errFn = s.Update("B", "refused", func(*File) error { return refuse }) })
		waitQueued(t, s, 4)
		release()
		wait()
		wg.Wait()

		assert.ErrorIs(t, errDup, ErrExists)
		assert.ErrorIs(t, errFn, refuse)
		require.NoError(t, errNew)
		require.NoError(t, errUpd)
		a, err := s.Get("A")
		require.NoError(t, err)
		assert.Len(t, a.Steps, 1, "a write run again records its step once")
		b, err := s.Get("B")
		require.NoError(t, err)
		assert.Equal(t, Validated, b.State)
		assert.Len(t, b.Steps, 2)
		taken, err := s.Get("TAKEN")
		require.NoError(t, err)
		assert.Len(t, taken.Steps, 1, "the failed create changed nothing")
	})

	t.Run("PanicReachesItsCallerOnly", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		release, wait := holdCommit(t, s)
		var wg sync.WaitGroup
		var panicked any
		wg.Go(func() {
			defer func() { panicked = recover() }()
			_, _, _ = s.write("boom", func(*bolt.Tx) (*File, error) { panic("boom") })
		})
		waitQueued(t, s, 1)
		var errA error
		wg.Go(func() { errA = s.Create(newFile("A", "payables"), "") })
		waitQueued(t, s, 2)
		release()
		wait()
		wg.Wait()

		assert.Equal(t, "boom", panicked)
		require.NoError(t, errA)
		require.NoError(t, s.SetMeta("after", "ok"), "the journal still takes writes")
	})
}

// BenchmarkUpdate_Parallel measures journal transitions from 32 concurrent
// writers, as a backlog makes them: they share commits.
func BenchmarkUpdate_Parallel(b *testing.B) {
	s, _ := openTest(b, Options{})
	const files = 64
	for i := range files {
		require.NoError(b, s.Create(newFile(fmt.Sprintf("P%02d", i), "payables"), ""))
	}
	next := map[State]State{Received: Validated, Validated: Received}
	var mu sync.Mutex
	n := 0
	b.SetParallelism(16) // 32 writers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		id := fmt.Sprintf("P%02d", n%files)
		n++
		mu.Unlock()
		for pb.Next() {
			_, err := s.Update(id, "", func(f *File) error {
				f.State = next[f.State]
				if len(f.Steps) > 16 {
					f.Steps = f.Steps[len(f.Steps)-8:]
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
