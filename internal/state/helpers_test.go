package state

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// openTest opens a journal in a fresh temp dir on a fake clock and closes it
// at cleanup, after checking that the journal is still consistent.
func openTest(t testing.TB, o Options) (*Store, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(t0)
	if o.Clock == nil {
		o.Clock = clock
	}
	s, err := Open(filepath.Join(t.TempDir(), "state", "bridge.db"), o)
	require.NoError(t, err)
	t.Cleanup(func() {
		problems, err := s.Check()
		require.NoError(t, err)
		require.Empty(t, problems, "journal inconsistent at cleanup")
		require.NoError(t, s.Close(context.Background()))
	})
	return s, clock
}

// newFile returns a file as inbound records it when claiming.
func newFile(id, route string) *File {
	return &File{
		ID:        id,
		Route:     route,
		Format:    "csv",
		Name:      id + ".csv",
		Size:      42,
		SHA256:    "sha-" + id,
		Source:    "folder",
		State:     Received,
		Path:      "inbox/" + route + "/" + id + ".csv",
		InboxPath: "inbox/" + route + "/" + id + ".csv",
	}
}

func ids(files []*File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.ID
	}
	return out
}

func setState(st State) func(*File) error {
	return func(f *File) error { f.State = st; return nil }
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return data
}
