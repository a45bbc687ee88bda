package state

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func changedIDs(t *testing.T, s *Store) []string {
	t.Helper()
	chs, err := s.Changed("", 100)
	require.NoError(t, err)
	var out []string
	for _, c := range chs {
		out = append(out, c.ID)
	}
	return out
}

func TestStore_Changed(t *testing.T) {
	t.Run("WritesMarkSeenForgets", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		for _, id := range []string{"A", "B", "C"} {
			require.NoError(t, s.Create(newFile(id, "payables"), ""))
		}
		assert.Equal(t, []string{"A", "B", "C"}, changedIDs(t, s))
		chs, err := s.Changed("", 100)
		require.NoError(t, err)
		require.NoError(t, s.Seen(chs))
		assert.Empty(t, changedIDs(t, s))

		_, err = s.Update("B", "validated", setState(Validated))
		require.NoError(t, err)
		assert.Equal(t, []string{"B"}, changedIDs(t, s), "a write marks the file again")
	})

	t.Run("WriteAfterLookStays", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		require.NoError(t, s.Create(newFile("A", "payables"), ""))
		chs, err := s.Changed("", 100)
		require.NoError(t, err)
		_, err = s.Update("A", "validated", setState(Validated)) // while the consumer looked
		require.NoError(t, err)
		require.NoError(t, s.Seen(chs))
		assert.Equal(t, []string{"A"}, changedIDs(t, s), "seen must not forget a later write")
	})

	t.Run("Pages", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		for _, id := range []string{"A", "B", "C", "D", "E"} {
			require.NoError(t, s.Create(newFile(id, "payables"), ""))
		}
		var got []string
		after := ""
		for {
			chs, err := s.Changed(after, 2)
			require.NoError(t, err)
			for _, c := range chs {
				got = append(got, c.ID)
			}
			if len(chs) < 2 {
				break
			}
			after = chs[len(chs)-1].ID
		}
		assert.Equal(t, []string{"A", "B", "C", "D", "E"}, got)
		_, err := s.Changed("", 0)
		assert.Error(t, err)
	})

	t.Run("DeleteForgets", func(t *testing.T) {
		s, _ := openTest(t, Options{})
		require.NoError(t, s.Create(newFile("A", "payables"), ""))
		require.NoError(t, s.Delete("A"))
		assert.Empty(t, changedIDs(t, s))
	})

	t.Run("OlderJournalCountsEveryFileChanged", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bridge.db")
		s, err := Open(path, Options{})
		require.NoError(t, err)
		for _, id := range []string{"A", "B"} {
			require.NoError(t, s.Create(newFile(id, "payables"), ""))
		}
		// What a bridge before change tracking left behind.
		require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketChanged) }))
		require.NoError(t, s.Close(context.Background()))

		s, err = Open(path, Options{})
		require.NoError(t, err)
		defer s.Close(context.Background())
		assert.Equal(t, []string{"A", "B"}, changedIDs(t, s))
		problems, err := s.Check()
		require.NoError(t, err)
		assert.Empty(t, problems)
	})
}
