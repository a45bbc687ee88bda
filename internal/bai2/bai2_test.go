package bai2

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
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

var created = time.Date(2024, 3, 16, 6, 0, 0, 0, time.UTC)

func TestRender_GoldenAndOracle(t *testing.T) {
	for _, c := range []struct {
		name  string
		stmts []bankstmt.Statement
		o     Options
	}{
		{"eur", []bankstmt.Statement{bankstmttest.EUR()}, Options{}},
		{"two-accounts", []bankstmt.Statement{bankstmttest.EUR(), bankstmttest.Empty()}, Options{Sender: "ATLAR, BRIDGE", Receiver: "NETSUITE/01"}},
		{"jpy-variable-lf", []bankstmt.Statement{bankstmttest.JPY()}, Options{RecordLength: -1, LineEnding: "\n"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, Render(t.Context(), &b, Header{FileID: 7, Created: created}, c.stmts, c.o))
			golden(t, c.name+".bai2", b.Bytes())
			if c.o.RecordLength == 0 {
				for i, l := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
					require.LessOrEqual(t, len(l), 80, "line %d: %q", i+1, l)
				}
			}
			checkBAI2(t, b.Bytes(), c.stmts)
		})
	}
}

type checkReport struct {
	Groups []struct {
		AsOfDate string `json:"as_of_date"`
		Accounts []struct {
			Account   string           `json:"account"`
			Currency  string           `json:"currency"`
			Balances  map[string]int64 `json:"balances"`
			Summaries map[string]int64 `json:"summaries"`
			Details   int              `json:"details"`
		} `json:"accounts"`
	} `json:"groups"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
}

// checkBAI2 runs the shared checker (../shared/formats/bai2/bai2check.py,
// written from the BAI spec; it recomputes every control total and record
// count) in strict mode and compares what it read with the statements.
func checkBAI2(t *testing.T, doc []byte, stmts []bankstmt.Statement) {
	t.Helper()
	py := sharedtest.Tool(t, "python3", "python3")
	f := filepath.Join(t.TempDir(), "f.bai2")
	require.NoError(t, os.WriteFile(f, doc, 0o600))
	out, err := exec.CommandContext(t.Context(), py, sharedtest.Dir(t, "formats", "bai2", "bai2check.py"), f, "--json", "--strict").Output()
	var rep checkReport
	require.NoError(t, json.Unmarshal(out, &rep), "%s", out)
	require.NoError(t, err, "bai2check: %v\n%s", rep.Errors, doc)
	require.Empty(t, rep.Errors)
	require.Empty(t, rep.Warnings)
	require.Len(t, rep.Groups, 1)
	require.Len(t, rep.Groups[0].Accounts, len(stmts))
	for i, a := range rep.Groups[0].Accounts {
		st := stmts[i]
		assert.Equal(t, st.Account(), a.Account)
		assert.Equal(t, st.Currency, a.Currency)
		assert.Equal(t, st.Opening, a.Balances["010"])
		assert.Equal(t, st.Closing, a.Balances["015"])
		if st.Available != nil {
			assert.Equal(t, *st.Available, a.Balances["045"])
		}
		var cr, db int64
		for _, e := range st.Entries {
			if e.Credit {
				cr += e.Amount
			} else {
				db += e.Amount
			}
		}
		assert.Equal(t, cr, a.Summaries["100"])
		assert.Equal(t, db, a.Summaries["400"])
		assert.Equal(t, len(st.Entries), a.Details)
	}
}

// TestRender_References puts the ERP's end-to-end id in the customer
// reference field of each 16 record.
func TestRender_References(t *testing.T) {
	st := bankstmttest.EUR()
	var b bytes.Buffer
	require.NoError(t, Render(t.Context(), &b, Header{FileID: 1, Created: created}, []bankstmt.Statement{st}, Options{RecordLength: -1}))
	var refs []string
	for _, l := range strings.Split(b.String(), "\r\n") {
		if strings.HasPrefix(l, "16,") {
			f := strings.Split(l, ",")
			i := 4 // after 16, type, amount, funds type
			if f[3] == "V" {
				i = 6
			}
			refs = append(refs, f[i+1])
		}
	}
	assert.Equal(t, []string{"INV-2024-0042", "DD-88812", "erp-payrun-2024-03-15-row-0007", "PAY 17", ""}, refs)
}

func TestRender_Errors(t *testing.T) {
	st := bankstmttest.EUR()
	st.Closing--
	err := Render(t.Context(), &bytes.Buffer{}, Header{}, []bankstmt.Statement{st}, Options{})
	require.ErrorIs(t, err, bankstmt.ErrUnbalanced)
	other := bankstmttest.Empty()
	other.Date = other.Date.AddDate(0, 0, 1)
	err = Render(t.Context(), &bytes.Buffer{}, Header{}, []bankstmt.Statement{bankstmttest.EUR(), other}, Options{})
	require.ErrorContains(t, err, "the file's date is 2024-03-15")
	require.ErrorIs(t, Render(t.Context(), &bytes.Buffer{}, Header{}, []bankstmt.Statement{bankstmttest.Empty()}, Options{RecordLength: 10}), ErrOptions)
}
