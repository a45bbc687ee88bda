package inbound_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noLease stands for a drop the bridge cannot lease: the ERP writes as
// another user (EACCES) or the inbox is on a share (EINVAL).
func noLease(string) (bool, bool, error) { return false, false, syscall.EACCES }

// TestPipeline_ChangedAfterClaim is issue 12 item 2 where the write lease
// cannot help: the ERP pauses longer than settle, the bridge claims the
// half file, and the ERP writes the rest into the file it still holds
// open. Nothing is sent; the file is rejected with the reason; failed/
// keeps exactly the bytes that were claimed.
func TestPipeline_ChangedAfterClaim(t *testing.T) {
	w := newWorld(t)
	// Claims wait in the queue until the pipeline starts.
	w.start(worldOptions{RecoverOnly: true, WriterOpen: noLease})

	var head, tail strings.Builder
	head.WriteString("external_id,source_iban,amount,currency,external_account_id,reference\n")
	for i := 1; i <= 10; i++ {
		row := fmt.Sprintf("P-%02d,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur,Invoice %d\n", i, i)
		if i <= 5 {
			head.WriteString(row)
		} else {
			tail.WriteString(row)
		}
	}
	path := filepath.Join(w.lay.Inbox("payables"), "x.csv")
	erp, err := os.Create(path)
	require.NoError(t, err)
	defer erp.Close()
	_, err = erp.WriteString(head.String())
	require.NoError(t, err)

	id, err := w.pipe.Claim(context.Background(), inbound.Drop{Route: "payables", Path: path, Name: "x.csv", Source: "folder"})
	require.NoError(t, err, "without a lease the paused writer looks finished")
	require.Equal(t, int64(head.Len()), w.file(id).Size)
	assert.Contains(t, w.logs.String(), "cannot tell whether a writer still has inbox files open")

	// The ERP goes on writing into the file it holds.
	_, err = erp.WriteString(tail.String())
	require.NoError(t, err)
	require.NoError(t, erp.Close())

	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	require.NoError(t, w.pipe.Start(ctx))
	w.waitReal(w.inState(id, state.Rejected), "the changed file rejected")

	f := w.file(id)
	require.Len(t, f.Problems, 1)
	msg := f.Problems[0].Message
	assert.Contains(t, msg, "the file changed after it was claimed")
	assert.Contains(t, msg, "when claimed")
	assert.Contains(t, msg, "done_marker")
	assert.Empty(t, w.fake.Batches(), "nothing was sent")
	var kept []byte
	w.waitReal(func() bool { kept, err = os.ReadFile(w.lay.Abs(f.Path)); return err == nil }, "the claimed copy in failed/")
	assert.Equal(t, head.String(), string(kept), "failed/ keeps the bytes that were claimed")
	report, err := os.ReadFile(w.lay.Abs(f.Path) + ".error.txt")
	require.NoError(t, err)
	assert.Contains(t, string(report), "nothing in it was paid")
	// The original is dropped right after the copy moved to failed/.
	w.waitReal(func() bool {
		entries, err := os.ReadDir(w.lay.Processing("payables"))
		return err == nil && len(entries) == 0
	}, "the claimed original not left behind")
}

// TestPipeline_StillOpenNotClaimed: with the lease check, a file another
// process holds open is not claimed; it stays in the inbox untouched.
func TestPipeline_StillOpenNotClaimed(t *testing.T) {
	w := newWorld(t)
	w.start(worldOptions{RecoverOnly: true})
	path := filepath.Join(w.lay.Inbox("payables"), "x.csv")
	erp, err := os.Create(path)
	require.NoError(t, err)
	_, err = erp.Write(csvData("OPEN"))
	require.NoError(t, err)

	_, supported, _ := inbound.WriterOpen(path)
	if !supported {
		require.NoError(t, erp.Close())
		t.Skip("no write leases here (not Linux, or a file system without them)")
	}
	_, err = w.pipe.Claim(context.Background(), inbound.Drop{Route: "payables", Path: path, Name: "x.csv", Source: "folder"})
	require.ErrorIs(t, err, inbound.ErrStillOpen)
	files, err := w.store.List(state.Filter{})
	require.NoError(t, err)
	assert.Empty(t, files, "nothing journaled")
	require.FileExists(t, path)

	require.NoError(t, erp.Close())
	id, err := w.pipe.Claim(context.Background(), inbound.Drop{Route: "payables", Path: path, Name: "x.csv", Source: "folder"})
	require.NoError(t, err)
	assert.Equal(t, int64(len(csvData("OPEN"))), w.file(id).Size)
	require.NoFileExists(t, path)
}
