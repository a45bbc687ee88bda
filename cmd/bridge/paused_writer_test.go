//go:build linux

package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// TestBridge_PausedWriterNotClaimed is issue 12 item 2: the ERP writes 5 of
// 10 rows, pauses far longer than settle with the file still open, then
// writes the rest and closes it. The bridge must not claim the half file:
// the write lease tells the paused writer from a finished one. It claims
// the whole file once closed and pays all 10 payments.
func TestBridge_PausedWriterNotClaimed(t *testing.T) {
	tb := newTestBridge(t)
	var head, tail strings.Builder
	head.WriteString("external_id,source_iban,amount,currency,external_account_id,reference\n")
	for i := 1; i <= 10; i++ {
		row := fmt.Sprintf("PAUSE-%02d,DE89370400440532013000,%d.00,EUR,external:fournisseur-sarl-eur,Invoice %d\n", i, i, i)
		if i <= 5 {
			head.WriteString(row)
		} else {
			tail.WriteString(row)
		}
	}
	path := tb.path("inbox", "payables", "x.csv")
	erp, err := os.Create(path)
	require.NoError(t, err)
	defer erp.Close()
	_, err = erp.WriteString(head.String())
	require.NoError(t, err)
	if _, supported, _ := inbound.WriterOpen(path); !supported {
		t.Skip("the temp dir's file system has no write leases")
	}

	// The file has settled (200ms) and the watcher offered it: the claim
	// saw the open writer and left the file alone.
	require.Eventuallyf(t, func() bool { return strings.Contains(tb.logs.String(), "still has the file open") },
		15*time.Second, 20*time.Millisecond, "the claim refused while the ERP holds the file\nlogs:\n%s", tb.logs)
	files, err := tb.app.store.List(state.Filter{})
	require.NoError(t, err)
	require.Empty(t, files, "nothing claimed while the writer holds the file")
	require.FileExists(t, path)
	require.Empty(t, tb.fake.Batches())

	_, err = erp.WriteString(tail.String())
	require.NoError(t, err)
	require.NoError(t, erp.Close())

	files = tb.waitFiles(30*time.Second, 1, state.Completed)
	f := files[0]
	whole := head.String() + tail.String()
	require.Equal(t, int64(len(whole)), f.Size, "claimed whole")
	require.Len(t, f.Payments, 10)
	require.Len(t, tb.fake.Batches(), 1)
	require.Len(t, tb.fake.Payments(), 10, "all 10 paid")
	require.Equal(t, whole, string(tb.original(f)), "the archive holds the bytes that were hashed and paid")
	result := tb.waitFile(15*time.Second, "outbox", "results", "x.csv.result.csv")
	require.Equal(t, 10, strings.Count(string(result), "EXECUTED"), string(result))
	assertQuiet(t, tb)
}
