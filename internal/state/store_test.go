package state

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestOpen_CreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "state")
	path := filepath.Join(dir, "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	defer s.Close(context.Background())

	assert.Equal(t, path, s.Path())
	if runtime.GOOS != "windows" {
		di, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
}

func TestOpen_Locked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	defer s.Close(context.Background())

	tests := []struct {
		name string
		o    Options
	}{
		{"Writer", Options{}},
		{"ReadOnly", Options{ReadOnly: true}},
		{"ShortTimeout", Options{Timeout: 200 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			s2, err := Open(path, tt.o)
			elapsed := time.Since(start)
			require.Error(t, err)
			assert.Nil(t, s2)
			assert.ErrorIs(t, err, ErrLocked)
			assert.Less(t, elapsed, 2*time.Second, "a second bridge must fail fast")
			assert.Contains(t, err.Error(), "state file "+path+" is in use by another bridge process")
		})
	}
}

func TestOpen_ReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Create(newFile("F1", "payables"), "claimed"))
	require.NoError(t, s.SetMeta("k", "v"))
	require.NoError(t, s.Close(context.Background()))

	ro, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer ro.Close(context.Background())

	// Readers share the lock.
	ro2, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	require.NoError(t, ro2.Close(context.Background()))

	f, err := ro.Get("F1")
	require.NoError(t, err)
	assert.Equal(t, "payables", f.Route)
	v, ok, err := ro.GetMeta("k")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "v", v)
	problems, err := ro.Check()
	require.NoError(t, err)
	assert.Empty(t, problems)

	err = ro.SetMeta("k", "w")
	assert.ErrorIs(t, err, bolt.ErrDatabaseReadOnly)
}

func TestOpen_ReadOnlyMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "bridge.db")
	_, err := Open(path, Options{ReadOnly: true})
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.NoDirExists(t, filepath.Dir(path), "a read-only open must not create anything")
}

func TestOpen_NewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSchema).Put([]byte("version"), []byte("99"))
	}))
	require.NoError(t, s.Close(context.Background()))

	_, err = Open(path, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `schema version "99" is not supported`)
}

var errCrash = errors.New("simulated crash")

func TestStore_AfterCommit(t *testing.T) {
	type call struct {
		op string
		id string
	}
	tests := []struct {
		name  string
		write func(s *Store) error
		want  call
		check func(t *testing.T, s *Store)
	}{
		{
			name:  "Create",
			write: func(s *Store) error { return s.Create(newFile("F1", "payables"), "claimed") },
			want:  call{"create", "F1"},
			check: func(t *testing.T, s *Store) {
				f, err := s.Get("F1")
				require.NoError(t, err)
				assert.Equal(t, Received, f.State)
			},
		},
		{
			name: "Update",
			write: func(s *Store) error {
				_, err := s.Update("F0", "validated 3 rows", setState(Validated))
				return err
			},
			want: call{"update:validated 3 rows", "F0"},
			check: func(t *testing.T, s *Store) {
				f, err := s.Get("F0")
				require.NoError(t, err)
				assert.Equal(t, Validated, f.State)
				assert.Equal(t, "validated 3 rows", f.Steps[len(f.Steps)-1].Note)
			},
		},
		{
			name: "Delivery",
			write: func(s *Store) error {
				return s.PutDelivery(&Delivery{Key: "report/R1", Path: "outbox/statements/x.xml"})
			},
			want: call{"delivery", ""},
			check: func(t *testing.T, s *Store) {
				_, err := s.GetDelivery("report/R1")
				require.NoError(t, err)
			},
		},
		{
			name:  "Meta",
			write: func(s *Store) error { return s.SetMeta("lastPoll", "x") },
			want:  call{"meta", ""},
			check: func(t *testing.T, s *Store) {
				v, ok, err := s.GetMeta("lastPoll")
				require.NoError(t, err)
				assert.True(t, ok)
				assert.Equal(t, "x", v)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bridge.db")
			var calls []call
			crash := false
			s, err := Open(path, Options{AfterCommit: func(op string, f *File) error {
				c := call{op: op}
				if f != nil {
					c.id = f.ID
				}
				calls = append(calls, c)
				if crash {
					return errCrash
				}
				return nil
			}})
			require.NoError(t, err)
			require.NoError(t, s.Create(newFile("F0", "payables"), "claimed"))

			crash = true
			err = tt.write(s)
			require.ErrorIs(t, err, errCrash)
			assert.Same(t, errCrash, err, "the hook's error is returned as is")
			assert.Equal(t, []call{{"create", "F0"}, tt.want}, calls)
			require.NoError(t, s.Close(context.Background()))

			// The write committed before the "crash": a restart sees it.
			s, err = Open(path, Options{})
			require.NoError(t, err)
			defer s.Close(context.Background())
			tt.check(t, s)
		})
	}
}

func TestStore_Subscribe(t *testing.T) {
	s, _ := openTest(t, Options{})
	ch, cancel := s.Subscribe()
	other, cancelOther := s.Subscribe()
	defer cancelOther()

	select {
	case <-ch:
		t.Fatal("signal before any write")
	default:
	}

	// Three writes while nobody reads coalesce into one signal and never
	// block the writer.
	require.NoError(t, s.Create(newFile("F1", "payables"), ""))
	require.NoError(t, s.SetMeta("k", "v"))
	_, err := s.Update("F1", "", setState(Validated))
	require.NoError(t, err)

	require.Len(t, ch, 1)
	<-ch
	select {
	case <-ch:
		t.Fatal("signals were not coalesced")
	default:
	}
	require.Len(t, other, 1)

	// A failed write does not signal.
	_, err = s.Update("missing", "", setState(Validated))
	require.ErrorIs(t, err, ErrNotFound)
	assert.Empty(t, ch)

	cancel()
	_, open := <-ch
	assert.False(t, open, "cancel closes the channel")
	require.NoError(t, s.SetMeta("k", "w")) // no send on a closed channel
	cancel()                                // twice is fine
}

func TestStore_SubscribeClosedByClose(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bridge.db"), Options{})
	require.NoError(t, err)
	ch, cancel := s.Subscribe()
	require.NoError(t, s.Close(context.Background()))
	_, open := <-ch
	assert.False(t, open)
	cancel()
}

func TestStore_Backup(t *testing.T) {
	s, _ := openTest(t, Options{})
	require.NoError(t, s.Create(newFile("F1", "payables"), "claimed"))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "report/R1", Path: "outbox/statements/a.xml", Done: true}))

	var buf bytes.Buffer
	require.NoError(t, s.Backup(&buf))
	path := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))

	c, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer c.Close(context.Background())
	f, err := c.Get("F1")
	require.NoError(t, err)
	assert.Equal(t, "F1.csv", f.Name)
	d, err := c.GetDelivery("report/R1")
	require.NoError(t, err)
	assert.True(t, d.Done)
}

func TestStore_Meta(t *testing.T) {
	s, _ := openTest(t, Options{})
	_, ok, err := s.GetMeta("backfillStart")
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, s.SetMeta("backfillStart", "2025-03-07T00:00:00Z"))
	require.NoError(t, s.SetMeta("empty", ""))
	v, ok, err := s.GetMeta("backfillStart")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "2025-03-07T00:00:00Z", v)
	v, ok, err = s.GetMeta("empty")
	require.NoError(t, err)
	assert.True(t, ok, "an empty value still exists")
	assert.Empty(t, v)

	assert.Error(t, s.SetMeta("", "x"))
}

func TestStore_BeforeWrite(t *testing.T) {
	var ops []string
	refuse := false
	s, _ := openTest(t, Options{BeforeWrite: func(op string) error {
		ops = append(ops, op)
		if refuse {
			return errCrash
		}
		return nil
	}})
	require.NoError(t, s.Create(newFile("F1", "payables"), "claimed"))
	ch, cancel := s.Subscribe()
	defer cancel()

	refuse = true
	_, err := s.Update("F1", "validated", setState(Validated))
	require.ErrorIs(t, err, errCrash)
	assert.Equal(t, []string{"create", "update:validated"}, ops)
	f, err := s.Get("F1")
	require.NoError(t, err)
	assert.Equal(t, Received, f.State, "a refused write commits nothing")
	assert.Empty(t, ch, "and signals nothing")
}

// A reader that does not finish (a backup copied to a stalled disk) must
// not hang the service's stop: Close gives up when its context ends, and
// the journal closes once the reader is done.
func TestStore_CloseGivesUpOnStuckReader(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "bridge.db"), Options{})
	require.NoError(t, err)
	inView, release := make(chan struct{}), make(chan struct{})
	viewDone := make(chan error)
	go func() {
		viewDone <- s.db.View(func(*bolt.Tx) error {
			close(inView)
			<-release
			return nil
		})
	}()
	<-inView
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Close(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "transactions still running")

	close(release)
	require.NoError(t, <-viewDone)
	require.NoError(t, s.Close(context.Background()))
	require.NoError(t, s.Close(context.Background()), "a second Close is a no-op")
}
