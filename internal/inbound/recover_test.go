package inbound_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// TestPipeline_RecoverFinishesClaims crashes a claim between its journal
// entry and the move to processing/, and checks that Recover alone — before
// the watcher and the SFTP server start — finishes the move. Otherwise the
// SFTP server's start-up clean-up deletes a hidden temp upload the journal
// took, or the watcher offers a visible file again as a new file, and the
// journal entry waits forever for a file that is gone.
func TestPipeline_RecoverFinishesClaims(t *testing.T) {
	for _, name := range []string{"pay.csv", ".pay.csv.3f2a9c.upload"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			c := newCrash(func(op string, _ *state.File) bool { return op == "create" })
			c.atOnce = true
			w.start(worldOptions{Journal: c.options()})
			path := filepath.Join(w.lay.Inbox("payables"), name)
			require.NoError(t, os.WriteFile(path, csvData("REC"), 0o644))
			_, err := w.pipe.Claim(context.Background(), inbound.Drop{Route: "payables", Path: path, Name: "pay.csv", Source: "sftp:erp"})
			require.ErrorIs(t, err, errCrashed)
			w.close()
			require.FileExists(t, path, "the crash left the file in the inbox")

			w.start(worldOptions{RecoverOnly: true})
			files, err := w.store.List(state.Filter{})
			require.NoError(t, err)
			require.Len(t, files, 1)
			require.NoFileExists(t, path)
			require.FileExists(t, w.lay.Abs(layout.ProcessingRel("payables", files[0].ID, "pay.csv")))
			w.close()

			w.start(worldOptions{})
			w.waitReal(w.inState(files[0].ID, state.Submitted), "the file submitted")
			require.Len(t, w.fake.Batches(), 1)
		})
	}
}

// TestPipeline_RecoverConsumesMarker crashes a claim on a done-marker
// route after the file moved but before its marker was consumed. Recover
// removes the stale marker — left behind, it would let a later file of the
// same name be taken before the ERP finished writing it — unless the ERP
// has marked a new file of that name since.
func TestPipeline_RecoverConsumesMarker(t *testing.T) {
	for _, remarked := range []bool{false, true} {
		name := "stale marker removed"
		if remarked {
			name = "marker of a new file kept"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			c := newCrash(func(op string, _ *state.File) bool { return op == "create" })
			c.atOnce = true
			w.start(worldOptions{Journal: c.options()})
			path := filepath.Join(w.lay.Inbox("marked"), "run.csv")
			require.NoError(t, os.WriteFile(path, csvData("MARK"), 0o644))
			require.NoError(t, os.WriteFile(path+".done", nil, 0o644))
			old := w.clock.Now().Add(-time.Minute)
			require.NoError(t, os.Chtimes(path+".done", old, old))
			_, err := w.pipe.Claim(context.Background(), inbound.Drop{Route: "marked", Path: path, Name: "run.csv", Marker: path + ".done", Source: "folder"})
			require.ErrorIs(t, err, errCrashed)
			w.close()
			// The crash came after the move, before the marker went.
			j, err := state.Open(w.lay.StateFile(), state.Options{})
			require.NoError(t, err)
			files, err := j.List(state.Filter{})
			require.NoError(t, err)
			require.NoError(t, j.Close(context.Background()))
			require.Len(t, files, 1)
			require.NoError(t, os.Rename(path, w.lay.Abs(files[0].Path)))
			if remarked {
				later := w.clock.Now().Add(time.Minute)
				require.NoError(t, os.Chtimes(path+".done", later, later))
			}

			w.start(worldOptions{RecoverOnly: true})
			if remarked {
				require.FileExists(t, path+".done")
			} else {
				require.NoFileExists(t, path+".done")
			}
		})
	}
}

// TestPipeline_RecoverCleansReportTemps: a crash while a rejected file's
// error report was being written leaves a temp file in failed/; placing
// the file after the restart removes it, so failed/ holds exactly the
// original and its report.
func TestPipeline_RecoverCleansReportTemps(t *testing.T) {
	w := newWorld(t)
	c := newCrash(func(op string, f *state.File) bool { return f != nil && f.State == state.Rejected })
	c.atOnce = true
	w.start(worldOptions{Journal: c.options()})
	id := w.drop("payables", "bad.csv", []byte("external_id,amount\nX 1,-1\n"))
	w.waitReal(c.crashed, "the crash after the rejection was journaled")
	w.close()
	j, err := state.Open(w.lay.StateFile(), state.Options{})
	require.NoError(t, err)
	f, err := j.Get(id)
	require.NoError(t, err)
	require.NoError(t, j.Close(context.Background()))
	require.Equal(t, state.Rejected, f.State)
	final := w.lay.Abs(f.Path)
	require.NoError(t, os.MkdirAll(filepath.Dir(final), 0o750))
	stale := filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+".error.txt.0123456789ab.tmp")
	require.NoError(t, os.WriteFile(stale, []byte("half a rep"), 0o640))

	w.start(worldOptions{})
	w.waitReal(func() bool { _, err := os.Stat(final + ".error.txt"); return err == nil }, "the error report")
	entries, err := os.ReadDir(filepath.Dir(final))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.ElementsMatch(t, []string{filepath.Base(final), filepath.Base(final) + ".error.txt"}, names)
}

// TestPipeline_RecoverFolderClaim crashes a folder drop's claim after the
// ERP's file was moved aside but before the private copy was made (the
// crash left a half-written copy temp): Recover makes the copy, drops the
// stale temp, and once the file is done neither the moved-aside original
// nor the temp is left in processing/.
func TestPipeline_RecoverFolderClaim(t *testing.T) {
	w := newWorld(t)
	c := newCrash(func(op string, _ *state.File) bool { return op == "create" })
	c.atOnce = true
	w.start(worldOptions{Journal: c.options()})
	path := filepath.Join(w.lay.Inbox("payables"), "pay.csv")
	require.NoError(t, os.WriteFile(path, csvData("RFC"), 0o644))
	_, err := w.pipe.Claim(context.Background(), inbound.Drop{Route: "payables", Path: path, Name: "pay.csv", Source: "folder"})
	require.ErrorIs(t, err, errCrashed)
	w.close()

	files, err := func() ([]*state.File, error) {
		j, err := state.Open(w.lay.StateFile(), state.Options{})
		require.NoError(t, err)
		defer j.Close(context.Background())
		return j.List(state.Filter{})
	}()
	require.NoError(t, err)
	require.Len(t, files, 1)
	id := files[0].ID
	// What a crash in the middle of the claim leaves: the ERP's file moved
	// aside, a copy temp cut short.
	proc := w.lay.Processing("payables")
	require.NoError(t, os.MkdirAll(proc, 0o750))
	require.NoError(t, os.Rename(path, filepath.Join(proc, "."+id+"_pay.csv.claimed")))
	stale := filepath.Join(proc, "."+id+"_pay.csv.0123456789ab.tmp")
	require.NoError(t, os.WriteFile(stale, []byte("external_id"), 0o640))

	w.start(worldOptions{RecoverOnly: true})
	require.NoFileExists(t, stale)
	got, err := os.ReadFile(w.lay.Abs(layout.ProcessingRel("payables", id, "pay.csv")))
	require.NoError(t, err)
	require.Equal(t, csvData("RFC"), got, "the copy holds the claimed bytes")
	w.close()

	w.start(worldOptions{})
	require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Completed)), "logs:\n%s", w.logs)
	w.waitReal(func() bool {
		entries, err := os.ReadDir(proc)
		return err == nil && len(entries) == 0
	}, "processing/ empty")
}
