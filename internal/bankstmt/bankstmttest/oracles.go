package bankstmttest

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/require"
)

// MT940Page is one statement page as the npm package mt940js read it,
// amounts converted to minor units.
type MT940Page struct {
	Account           string
	Statement, Page   string
	Currency          string
	Opening, Closing  int64
	Transactions      []MT940Tx
	ClosingAvailable  int64
	HasAvailable      bool
	TransactionRef    string
	OpeningBalanceDay string
}

// MT940Tx is one :61:/:86: pair as mt940js read it.
type MT940Tx struct {
	Amount        int64 // signed: credit positive
	Reversal      bool
	Reference     string // :61: account-owner reference
	BankReference string
	Details       map[string]string // DK subfields ("20", "gvc", …)
}

// Purpose joins the ?20–?29 subfields as DK readers do (no separator).
func (tx MT940Tx) Purpose() string {
	var b strings.Builder
	for k := 20; k <= 29; k++ {
		b.WriteString(tx.Details[string(rune('0'+k/10))+string(rune('0'+k%10))])
	}
	return b.String()
}

// MT940JS parses doc with mt940js (strict: required tags and every page's
// balance arithmetic); the test fails when it refuses the file. It skips
// like sharedtest.Tool when node or the package is missing.
func MT940JS(t testing.TB, doc []byte) []MT940Page {
	t.Helper()
	node, dir := sharedtest.NodeModule(t, "mt940js")
	f := filepath.Join(t.TempDir(), "s.sta")
	require.NoError(t, os.WriteFile(f, doc, 0o600))
	out, err := exec.CommandContext(t.Context(), node, filepath.Join(dir, "cli.js"), f).CombinedOutput()
	require.NoError(t, err, "mt940js refused:\n%s\n%s", out, doc)
	var pages []MT940Page
	for _, part := range strings.Split(string(out), "\n--\n") {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "--"))
		var s struct {
			TransactionReference  string `json:"transactionReference"`
			AccountIdentification string `json:"accountIdentification"`
			Number                struct {
				Statement, Sequence string
			} `json:"number"`
			Currency                string   `json:"currency"`
			OpeningBalance          float64  `json:"openingBalance"`
			ClosingBalance          float64  `json:"closingBalance"`
			ClosingAvailableBalance *float64 `json:"closingAvailableBalance"`
			OpeningBalanceDate      string   `json:"openingBalanceDate"`
			Transactions            []struct {
				Amount            float64           `json:"amount"`
				IsReversal        bool              `json:"isReversal"`
				Reference         string            `json:"reference"`
				BankReference     string            `json:"bankReference"`
				StructuredDetails map[string]string `json:"structuredDetails"`
			} `json:"transactions"`
		}
		require.NoError(t, json.Unmarshal([]byte(part), &s), "%s", out)
		exp, ok := money.Exponent(s.Currency)
		require.True(t, ok, "currency %q", s.Currency)
		minor := func(f float64) int64 { return int64(math.Round(f * math.Pow10(exp))) }
		p := MT940Page{Account: s.AccountIdentification, Statement: s.Number.Statement, Page: s.Number.Sequence,
			Currency: s.Currency, Opening: minor(s.OpeningBalance), Closing: minor(s.ClosingBalance),
			TransactionRef: s.TransactionReference, OpeningBalanceDay: s.OpeningBalanceDate}
		if s.ClosingAvailableBalance != nil {
			p.ClosingAvailable, p.HasAvailable = minor(*s.ClosingAvailableBalance), true
		}
		for _, tx := range s.Transactions {
			p.Transactions = append(p.Transactions, MT940Tx{Amount: minor(tx.Amount), Reversal: tx.IsReversal,
				Reference: tx.Reference, BankReference: tx.BankReference, Details: tx.StructuredDetails})
		}
		pages = append(pages, p)
	}
	return pages
}

// BAI2Account is one account of a BAI2 file as bai2check.py read it.
type BAI2Account struct {
	Account   string           `json:"account"`
	Currency  string           `json:"currency"`
	Balances  map[string]int64 `json:"balances"`
	Summaries map[string]int64 `json:"summaries"`
	Details   int              `json:"details"`
}

// BAI2Check runs ../shared/formats/bai2/bai2check.py --strict (it
// recomputes every control total and record count) and fails the test on
// any error or warning; it returns the accounts of the file's groups.
func BAI2Check(t testing.TB, doc []byte) []BAI2Account {
	t.Helper()
	py := sharedtest.Tool(t, "python3", "python3")
	f := filepath.Join(t.TempDir(), "f.bai2")
	require.NoError(t, os.WriteFile(f, doc, 0o600))
	out, err := exec.CommandContext(t.Context(), py, sharedtest.Dir(t, "formats", "bai2", "bai2check.py"), f, "--json", "--strict").Output()
	var rep struct {
		Groups []struct {
			Accounts []BAI2Account `json:"accounts"`
		} `json:"groups"`
		Errors   []string `json:"errors"`
		Warnings []string `json:"warnings"`
	}
	require.NoError(t, json.Unmarshal(out, &rep), "%s", out)
	require.NoError(t, err, "bai2check: %v\n%s", rep.Errors, doc)
	require.Empty(t, rep.Errors)
	require.Empty(t, rep.Warnings)
	var accts []BAI2Account
	for _, g := range rep.Groups {
		accts = append(accts, g.Accounts...)
	}
	return accts
}
