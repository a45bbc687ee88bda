package inbound_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPipeline_InstructionTxDuplicate is issue 12 item 7: an ERP re-export
// of the same payments (same debtor, EndToEndIds, amounts) under a fresh
// MsgId is not forwarded again; the rejection names the EndToEndId and the
// earlier file, and bridge retry --force sends it on purpose.
func TestPipeline_InstructionTxDuplicate(t *testing.T) {
	w := newWorld(t)
	w.start(worldOptions{})

	first := w.drop("sepa", "pay.xml", painData("MSG-TX-1"))
	w.waitReal(func() bool { return sent(w.file(first).State) }, "the first file forwarded")
	require.Len(t, w.fake.Instructions(), 1)

	// The re-export: a fresh MsgId, otherwise the same transactions.
	again := bytes.Replace(painData("MSG-TX-1"), []byte("<MsgId>MSG-TX-1</MsgId>"), []byte("<MsgId>MSG-TX-2</MsgId>"), 1)
	require.NotEqual(t, painData("MSG-TX-1"), again)
	second := w.drop("sepa", "pay-again.xml", again)
	w.waitReal(w.inState(second, state.Rejected), "the re-export rejected")

	f := w.file(second)
	assert.Equal(t, first, f.DuplicateOf)
	require.Len(t, f.Problems, 1)
	p := f.Problems[0]
	assert.Equal(t, "DU01", p.Code)
	assert.Contains(t, p.Value, "EndToEndId MSG-TX-1-E2E")
	assert.Contains(t, p.Value, "1 of 1 transactions already forwarded")
	assert.Contains(t, p.Value, "file "+first+" (pay.xml)")
	assert.Contains(t, p.Expected, "bridge retry "+second+" --force")
	assert.Len(t, w.fake.Instructions(), 1, "the re-export was not forwarded")
	w.waitReal(func() bool { _, err := os.Stat(w.lay.Abs(w.file(second).Path)); return err == nil }, "the original kept in failed/")
	got, err := os.ReadFile(w.lay.Abs(w.file(second).Path))
	require.NoError(t, err)
	assert.Equal(t, again, got, "the original kept byte for byte")

	// A different amount for the same EndToEndId is another transaction.
	other := bytes.ReplaceAll(painData("MSG-TX-3"), []byte("MSG-TX-3-E2E"), []byte("MSG-TX-1-E2E"))
	other = bytes.ReplaceAll(other, []byte("12.34"), []byte("12.35"))
	third := w.drop("sepa", "pay-other.xml", other)
	w.waitReal(func() bool { return sent(w.file(third).State) }, "a different amount forwarded")
	require.Len(t, w.fake.Instructions(), 2)

	// The operator sends the re-export on purpose.
	require.NoError(t, w.pipe.Retry(second, true))
	w.waitReal(func() bool { return sent(w.file(second).State) }, "the forced retry forwarded")
	assert.Len(t, w.fake.Instructions(), 3)
}

// sent reports whether Atlar has accepted the file.
func sent(s state.State) bool { return s == state.Submitted || s == state.Completed }
