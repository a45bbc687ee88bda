package outbound

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resultFiles lists outbox/results by base name: the name before
// .ack.xml / .result.xml / .result.csv.
func resultFiles(t *testing.T, dir string) map[string][]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string][]string{}
	for _, e := range entries {
		for _, sfx := range suffix {
			if base, ok := strings.CutSuffix(e.Name(), "."+sfx); ok {
				out[base] = append(out[base], sfx)
			}
		}
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}

// TestOutbound_ResultBaseShared: the same input name on two routes, one
// writing pain.002 only and one also the result CSV, the first
// acknowledged before the second arrives and completed after it. Every
// result file of one input shares one base name, and the plain name is
// free again once both inputs' files were collected.
func TestOutbound_ResultBaseShared(t *testing.T) {
	ob, store, lay := newSweepOutbound(t)
	ob.routes.Store("payables", &Route{Name: "payables", Format: "pain001", Results: []string{"pain002", "csv"}})
	ctx := context.Background()

	a := &state.File{ID: "A", Route: "sepa", Format: "pain001", Name: "pay.xml", State: state.Submitted,
		Batches: []state.Batch{{ID: "batch-A", Count: 1}}, Payments: []state.Payment{{Row: 1, ExternalID: "E-A", Amount: 100, Currency: "EUR"}}}
	require.NoError(t, store.Create(a, ""))
	require.NoError(t, ob.WriteResults(ctx))
	assert.Equal(t, map[string][]string{"pay.xml": {"ack.xml"}}, resultFiles(t, lay.Results()))

	journal(t, store, "B", "payables", state.Completed)
	require.NoError(t, ob.WriteResults(ctx))
	_, err := store.Update("A", "completed", func(f *state.File) error {
		f.State = state.Completed
		f.Payments[0].Status, f.Payments[0].PaymentID = "EXECUTED", "p-A"
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, ob.WriteResults(ctx))

	assert.Equal(t, map[string][]string{
		"pay.xml":   {"ack.xml", "result.xml"},
		"pay.xml.B": {"ack.xml", "result.csv", "result.xml"},
	}, resultFiles(t, lay.Results()), "A keeps the plain name for all its files, B has its id in all of its")

	// The ERP collects everything; a later pay.xml gets the plain name.
	require.NoError(t, os.RemoveAll(lay.Results()))
	require.NoError(t, os.MkdirAll(lay.Results(), 0o750))
	journal(t, store, "C", "payables", state.Completed)
	require.NoError(t, ob.WriteResults(ctx))
	assert.Equal(t, map[string][]string{"pay.xml": {"ack.xml", "result.csv", "result.xml"}}, resultFiles(t, lay.Results()))

	// While C's files are uncollected, a D of that name is kept apart.
	journal(t, store, "D", "sepa", state.Rejected)
	require.NoError(t, ob.WriteResults(ctx))
	assert.Equal(t, []string{"ack.xml"}, resultFiles(t, lay.Results())["pay.xml.D"])
}
