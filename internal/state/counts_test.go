package state

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestStore_CountsKept(t *testing.T) {
	t.Run("FollowEveryWrite", func(t *testing.T) {
		s, _ := openTest(t, Options{}) // its cleanup checks counts against the index
		for _, id := range []string{"A", "B", "C"} {
			require.NoError(t, s.Create(newFile(id, "payables"), ""))
		}
		_, err := s.Update("A", "", setState(Validated))
		require.NoError(t, err)
		_, err = s.Update("B", "", func(f *File) error { f.Route = "sepa"; return nil })
		require.NoError(t, err)
		require.NoError(t, s.Delete("C"))

		got, err := s.Counts()
		require.NoError(t, err)
		assert.Equal(t, map[string]map[State]int{
			"payables": {Validated: 1},
			"sepa":     {Received: 1},
		}, got)
	})

	t.Run("OlderJournalIsRecounted", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bridge.db")
		s, err := Open(path, Options{})
		require.NoError(t, err)
		loadFiles(t, s, 40)
		want, err := s.Counts()
		require.NoError(t, err)
		// What a bridge before kept counts left behind.
		require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketCounts) }))
		require.NoError(t, s.Close(context.Background()))

		s, err = Open(path, Options{})
		require.NoError(t, err)
		defer s.Close(context.Background())
		got, err := s.Counts()
		require.NoError(t, err)
		assert.Equal(t, want, got)
	})

	t.Run("CheckFindsAWrongCount", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		require.NoError(t, s.Create(newFile("A", "payables"), ""))
		require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCounts).Put(countKey("payables", Received), binary.BigEndian.AppendUint64(nil, 7))
		}))
		problems, err := s.Check()
		require.NoError(t, err)
		assert.Equal(t, []string{"counts: route payables, received: 7 kept, 1 in the state index"}, problems)
		// Put it right for the cleanup's check.
		require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketCounts).Put(countKey("payables", Received), binary.BigEndian.AppendUint64(nil, 1))
		}))
	})
}

// A journal of an earlier bridge, opened read-only (the CLI while no bridge
// runs) before any writable open built the counts, is counted from its
// state index and checks clean.
func TestStore_CountsReadOnlyOlderJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	loadFiles(t, s, 40)
	want, err := s.Counts()
	require.NoError(t, err)
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketCounts); err != nil {
			return err
		}
		return tx.DeleteBucket(bucketChanged)
	}))
	require.NoError(t, s.Close(context.Background()))

	s, err = Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer s.Close(context.Background())
	got, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	problems, err := s.Check()
	require.NoError(t, err)
	assert.Empty(t, problems)
}
