package inbound

import (
	"context"
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
	t.Cleanup(func() { _ = st.Close(context.Background()) })
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
	f.InboxPath = layout.InboxDir + "/payables/run.csv"
	require.NoError(t, st.Create(f, "claimed"))

	// The writer appends the rest; then the move happens.
	require.NoError(t, os.WriteFile(inbox, full, 0o644))
	require.NoError(t, os.Chtimes(inbox, before.ModTime().Add(time.Second), before.ModTime().Add(time.Second)))
	require.NoError(t, os.MkdirAll(filepath.Dir(lay.Abs(f.Path)), 0o750))
	require.NoError(t, os.Rename(inbox, p.claimedAbs(f)))
	require.NoError(t, copyFile(p.claimedAbs(f), lay.Abs(f.Path)))

	got, err := p.recheck(f, before, 0)
	require.NoError(t, err)
	want := sha256.Sum256(full)
	require.Equal(t, hex.EncodeToString(want[:]), got.SHA256)
	require.Equal(t, int64(len(full)), got.Size)
	require.Contains(t, got.Steps[len(got.Steps)-1].Note, "changed while it was claimed")

	// An unchanged file is left alone.
	same, err := os.Stat(p.claimedAbs(f))
	require.NoError(t, err)
	again, err := p.recheck(got, same, 0)
	require.NoError(t, err)
	require.Len(t, again.Steps, len(got.Steps))
}

// changedSinceClaim tells every way a claimed file can change: the ERP's
// original grows, is rewritten in place with the same size (only the hash
// tells), or the copy in processing/ is altered.
func TestPipeline_ChangedSinceClaim(t *testing.T) {
	claimed := []byte("external_id,amount\nA,1\n")
	tests := []struct {
		name   string
		change func(t *testing.T, orig, cp string)
		full   bool
		want   string // "" = unchanged
	}{
		{"Unchanged", func(*testing.T, string, string) {}, true, ""},
		{"OriginalGrew", func(t *testing.T, orig, _ string) { appendTo(t, orig, "B,2\n") }, false, "23 bytes when claimed, 27 now"},
		{"OriginalRewrittenSameSizeAndTime", func(t *testing.T, orig, _ string) {
			st, err := os.Stat(orig)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(orig, []byte("external_id,amount\nA,9\n"), 0o644))
			require.NoError(t, os.Chtimes(orig, st.ModTime(), st.ModTime()))
		}, true, "the same size but other bytes now"},
		{"OriginalSameSizeNotHashed", func(t *testing.T, orig, _ string) {
			st, err := os.Stat(orig)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(orig, []byte("external_id,amount\nA,9\n"), 0o644))
			require.NoError(t, os.Chtimes(orig, st.ModTime(), st.ModTime()))
		}, false, ""},
		{"CopyAltered", func(t *testing.T, _, cp string) { appendTo(t, cp, "C,3\n") }, true, "23 bytes when claimed, 27 now"},
		{"OriginalGone", func(t *testing.T, orig, _ string) { require.NoError(t, os.Remove(orig)) }, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lay := layout.Layout{Root: t.TempDir()}
			require.NoError(t, lay.Ensure([]string{"payables"}))
			p := &Pipeline{lay: lay}
			sum := sha256.Sum256(claimed)
			f := &state.File{ID: state.NewID(time.Now()), Route: "payables", Name: "run.csv", Source: "folder",
				Size: int64(len(claimed)), SHA256: hex.EncodeToString(sum[:]), InboxPath: "inbox/payables/run.csv"}
			f.Path = layout.ProcessingRel("payables", f.ID, f.Name)
			orig, cp := p.claimedAbs(f), lay.Abs(f.Path)
			require.NoError(t, os.MkdirAll(filepath.Dir(cp), 0o750))
			require.NoError(t, os.WriteFile(orig, claimed, 0o644))
			require.NoError(t, copyFile(orig, cp))
			st, err := os.Stat(orig)
			require.NoError(t, err)
			f.ClaimedModTime = st.ModTime().UTC()

			tt.change(t, orig, cp)
			got, err := p.changedSinceClaim(f, nil, tt.full)
			require.NoError(t, err)
			if tt.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tt.want)
		})
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = fh.WriteString(s)
	require.NoError(t, err)
	require.NoError(t, fh.Close())
}
