package state

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// journalWithFiles writes a journal with n files and returns its path.
func journalWithFiles(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	for i := range n {
		f := newFile(NewID(t0.Add(0)), "payables")
		f.Name = "f" + string(rune('a'+i%26)) + ".csv"
		f.Problems = []Problem{{Message: string(make([]byte, 600))}} // a few pages' worth
		require.NoError(t, s.Create(f, "claimed"))
	}
	require.NoError(t, s.Close(context.Background()))
	return path
}

// TestOpen_Damaged is issue 12 item 5: a damaged journal is refused with
// "restore from a backup" in the error, never a SIGBUS, a panic or a
// silent fresh start. Each case damages a real journal file the way a
// disk, a copy or an operator does.
func TestOpen_Damaged(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"Truncated", func(t *testing.T, path string) {
			st, err := os.Stat(path)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(path, st.Size()/2))
		}, "it was cut short"},
		{"BothMetaPagesOverwritten", func(t *testing.T, path string) {
			scribble(t, path, 16, 64)
			scribble(t, path, 4096+16, 64)
		}, "both meta pages are bad"},
		{"RandomBytesInDataPages", func(t *testing.T, path string) {
			st, err := os.Stat(path)
			require.NoError(t, err)
			for off := int64(2 * 4096); off < st.Size(); off += 4096 {
				scribble(t, path, off, 4096)
			}
		}, "journal"},
		{"LeafPageBodies", func(t *testing.T, path string) {
			// Headers intact, contents garbage: only a walk of every
			// page finds it.
			for _, off := range leafPages(t, path) {
				scribble(t, path, off+16, 4096-16)
			}
		}, "journal"},
		{"NotAJournal", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, []byte("ledger,amount\n1,2\n"), 0o600))
		}, "journal"},
	}
	for _, tt := range tests {
		for _, ro := range []bool{false, true} {
			name := tt.name
			if ro {
				name += "/ReadOnly"
			}
			t.Run(name, func(t *testing.T) {
				path := journalWithFiles(t, 40)
				tt.damage(t, path)
				s, err := Open(path, Options{ReadOnly: ro})
				if ro && err == nil {
					// A read-only open checks the meta pages only: the
					// data pages are checked by Verify (bridge doctor).
					err = s.Verify()
					_ = s.Close(context.Background())
				}
				require.Error(t, err)
				require.ErrorIs(t, err, ErrDamaged)
				assert.Contains(t, err.Error(), "restore the journal from a backup")
				assert.Contains(t, err.Error(), path)
				assert.Contains(t, err.Error(), tt.want)
			})
		}
	}
}

// scribble overwrites n bytes at off with a fixed pattern (deterministic,
// so a failure can be reproduced).
func scribble(t *testing.T, path string, off int64, n int) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer fh.Close()
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = byte(i*131 + 7)
	}
	_, err = fh.WriteAt(buf, off)
	require.NoError(t, err)
}

func TestOpen_NoJournalWithHistory(t *testing.T) {
	for _, empty := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "state", "bridge.db")
		if empty {
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
			require.NoError(t, os.WriteFile(path, nil, 0o600))
		}
		_, err := Open(path, Options{History: "archive/ holds 27 files"})
		require.ErrorIs(t, err, ErrNoJournal)
		assert.Contains(t, err.Error(), "archive/ holds 27 files")
		assert.Contains(t, err.Error(), "restore state/bridge.db from a backup")
		assert.Contains(t, err.Error(), "--new-journal")

		// Without history (a first start, or the operator's explicit
		// --new-journal), a new journal is made.
		s, err := Open(path, Options{})
		require.NoError(t, err)
		require.NoError(t, s.Close(context.Background()))
		// Once it exists it opens whatever History says.
		s, err = Open(path, Options{History: "archive/ holds 27 files"})
		require.NoError(t, err)
		require.NoError(t, s.Close(context.Background()))
	}
}

// leafPages returns the offsets of the journal's leaf pages (page header
// flag 0x02) after the meta pages.
func leafPages(t *testing.T, path string) []int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var offs []int64
	for off := 2 * 4096; off+4096 <= len(data); off += 4096 {
		if data[off+8] == 0x02 {
			offs = append(offs, int64(off))
		}
	}
	require.NotEmpty(t, offs)
	return offs
}

func TestOpen_HealthyJournalVerifies(t *testing.T) {
	path := journalWithFiles(t, 40)
	// One bad meta page is what an interrupted commit leaves: bbolt uses
	// the other one, and so does the check.
	scribble(t, path, 4096+16, 64)
	s, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	defer s.Close(context.Background())
	require.NoError(t, s.Verify())
}
