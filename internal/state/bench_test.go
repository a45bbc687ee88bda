package state

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkUpdate measures one journal transition: load, change state,
// append a step, re-index, fsync.
func BenchmarkUpdate(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close()
	loadFiles(b, s, 1000)
	require.NoError(b, s.Create(newFile("B", "payables"), ""))

	next := map[State]State{Received: Validated, Validated: Received}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, err := s.Update("B", fmt.Sprintf("step %d", i%8), func(f *File) error {
			f.State = next[f.State]
			if len(f.Steps) > 16 {
				// Keep the record at a realistic size.
				f.Steps = f.Steps[len(f.Steps)-8:]
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCounts measures Counts over a journal of 100k files.
func BenchmarkCounts(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close()
	loadFiles(b, s, 100_000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Counts(); err != nil {
			b.Fatal(err)
		}
	}
}
