package inbound

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// A writer that finished between the claim's hash and its move must not
// leave the journal with the half file's hash: duplicate checks would then
// compare against bytes that were never sent.
func TestPipeline_RecheckAfterMove(t *testing.T) {
	lay := layout.Layout{Root: t.TempDir()}
	require.NoError(t, lay.Ensure([]string{"payables"}))
	st, err := state.Open(lay.StateFile(), state.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	p := &Pipeline{j: st, lay: lay}

	half, full := []byte("external_id,amount\n"), []byte("external_id,amount\nA,1\n")
	inbox := filepath.Join(lay.Inbox("payables"), "run.csv")
	require.NoError(t, os.WriteFile(inbox, half, 0o644))
	before, err := os.Stat(inbox)
	require.NoError(t, err)
	sum := sha256.Sum256(half)
	f := &state.File{ID: state.NewID(time.Now()), Route: "payables", Format: "csv", Name: "run.csv",
		Size: int64(len(half)), SHA256: hex.EncodeToString(sum[:]), State: state.Received}
	f.Path = layout.ProcessingRel("payables", f.ID, f.Name)
	require.NoError(t, st.Create(f, "claimed"))

	// The writer appends the rest; then the move happens.
	require.NoError(t, os.WriteFile(inbox, full, 0o644))
	require.NoError(t, os.Chtimes(inbox, before.ModTime().Add(time.Second), before.ModTime().Add(time.Second)))
	require.NoError(t, os.Rename(inbox, lay.Abs(f.Path)))

	got, err := p.recheck(f, before, 0)
	require.NoError(t, err)
	want := sha256.Sum256(full)
	require.Equal(t, hex.EncodeToString(want[:]), got.SHA256)
	require.Equal(t, int64(len(full)), got.Size)
	require.Contains(t, got.Steps[len(got.Steps)-1].Note, "changed while it was claimed")

	// An unchanged file is left alone.
	same, err := os.Stat(lay.Abs(f.Path))
	require.NoError(t, err)
	again, err := p.recheck(got, same, 0)
	require.NoError(t, err)
	require.Len(t, again.Steps, len(got.Steps))
}
