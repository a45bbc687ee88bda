package reportcsv

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test -update")
	require.Equal(t, string(want), string(got))
}

func stmts() []bankstmt.Statement {
	return []bankstmt.Statement{bankstmttest.EUR(), bankstmttest.JPY(), bankstmttest.Empty()}
}

// TestTransactions reads the file back with encoding/csv: one row per
// entry, and the amounts add up to each statement's movement.
func TestTransactions(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Transactions(t.Context(), &b, stmts(), Options{}))
	golden(t, "transactions.csv", b.Bytes())
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Equal(t, TransactionColumns, rows[0])
	sums := map[string]int64{}
	n := 0
	for _, r := range rows[1:] {
		v, err := money.Parse(strings.TrimPrefix(r[4], "-"), r[1], '.', 0)
		require.NoError(t, err)
		if strings.HasPrefix(r[4], "-") {
			v = -v
		}
		sums[r[0]] += v
		n++
	}
	total := 0
	for _, st := range stmts() {
		assert.Equal(t, st.Closing-st.Opening, sums[st.Account()], st.Account())
		total += len(st.Entries)
	}
	assert.Equal(t, total, n)
	assert.Equal(t, "INV-2024-0042", rows[1][6], "end_to_end_id")
	assert.Equal(t, "Müller & Söhne Straßenbau GmbH", rows[1][9], "UTF-8 by default")
}

func TestBalances(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Balances(t.Context(), &b, stmts(), Options{LineEnding: "\n"}))
	golden(t, "balances.csv", b.Bytes())
	assert.NotContains(t, b.String(), "\r")
}

func TestWindows1252AndInjection(t *testing.T) {
	st := bankstmttest.EUR()
	st.Entries[1].CounterpartName = "=HYPERLINK(\"http://x\")"
	var b bytes.Buffer
	require.NoError(t, Transactions(t.Context(), &b, []bankstmt.Statement{st}, Options{Encoding: "windows-1252"}))
	assert.Contains(t, b.String(), "M\xfcller")
	assert.Contains(t, b.String(), `"'=HYPERLINK(""http://x"")"`)
	assert.Contains(t, b.String(), ",-250.75,DBIT,")
}

func TestErrors(t *testing.T) {
	st := bankstmttest.EUR()
	st.Opening++
	require.ErrorIs(t, Transactions(t.Context(), &bytes.Buffer{}, []bankstmt.Statement{st}, Options{}), bankstmt.ErrUnbalanced)
	require.ErrorIs(t, Balances(t.Context(), &bytes.Buffer{}, nil, Options{Encoding: "ebcdic"}), ErrOptions)
}
