package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/outbound"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatus_Reports: bridge status lists the newest report per name and
// account and warns of each statement held because it does not add up.
func TestStatus_Reports(t *testing.T) {
	tb := newTestBridge(t, func(*config.Config) {})
	s := tb.app.store
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC).Format(time.RFC3339)
	require.NoError(t, s.SetMeta(outbound.MetaReportLast+"mt940.DE89370400440532013000", at))
	require.NoError(t, s.SetMeta(outbound.MetaReportHeld+"bai2.r-bad", "opening 1 + entries 2 = 3, but closing is 4"))
	require.NoError(t, s.SetMeta(outbound.MetaReportHeld+"mt940.r-fixed", ""))

	st, err := buildStatus(s, tb.app.config(), true)
	require.NoError(t, err)
	assert.Equal(t, []reportStatus{{Report: "mt940", Account: "DE89370400440532013000", Last: at}}, st.Reports)
	warnings := strings.Join(st.Warnings, "\n")
	assert.Contains(t, warnings, "report bai2 of statement r-bad held: opening 1 + entries 2 = 3, but closing is 4")
	assert.NotContains(t, warnings, "r-fixed", "a held report written since is no warning")

	var out bytes.Buffer
	printStatus(&out, st)
	assert.Contains(t, out.String(), "Reports (newest per account):\n  mt940  DE89370400440532013000  "+at)
}

func TestOutboundReports(t *testing.T) {
	cfg := &config.Config{Reports: []config.Report{
		{Name: "m", Format: "mt940", LineEnding: "lf", FileName: "{seq}.sta", Accounts: []string{"DE89"}},
		{Name: "b", Format: "bai2", LineEnding: "crlf", Sender: "S", Receiver: "R"},
	}}
	got := outboundReports(cfg)
	require.Len(t, got, 2)
	assert.Equal(t, "\n", got[0].LineEnding)
	assert.Equal(t, []string{"DE89"}, got[0].Accounts)
	assert.Equal(t, "\r\n", got[1].LineEnding)
	assert.Equal(t, "S", got[1].Sender)
}

// TestCLI_RedeliverReport: `bridge redeliver NAME/REPORT_ID` reaches the
// running bridge (the name/id pair is one escaped path segment) and
// writes that report's file again with the same statement number.
func TestCLI_RedeliverReport(t *testing.T) {
	tb := newTestBridge(t, func(c *config.Config) {
		c.Reports = []config.Report{{Name: "mt940", Format: "mt940", Encoding: "ascii", LineEnding: "crlf",
			FileName: "{account}_{date}_{seq}_{id}.sta"}}
	})
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	reports := tb.fake.Reports()
	require.NotEmpty(t, reports)
	id := reports[0].ID
	var first string
	require.Eventually(t, func() bool {
		entries, _ := os.ReadDir(tb.path("outbox", "mt940"))
		for _, e := range entries {
			if strings.Contains(e.Name(), id) && !strings.HasPrefix(e.Name(), ".") {
				first = e.Name()
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond)

	out, errOut, code := runCLI(t, "redeliver", "mt940/"+id, "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	again := strings.TrimSuffix(first, ".sta") + "_again.sta"
	require.Contains(t, out, again)
	want, err := os.ReadFile(tb.path("outbox", "mt940", first))
	require.NoError(t, err)
	got, err := os.ReadFile(tb.path("outbox", "mt940", again))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "the same statement, the same :28C: number")
}

// TestCLI_RedeliverIntraday: `bridge redeliver NAME/ACCOUNT/SEQ` writes a
// delivered MT942 again through the running bridge, and
// `bridge redeliver NAME/FILE` on its own once the bridge stopped: both
// byte for byte the original (same :28C:), named …_again.
func TestCLI_RedeliverIntraday(t *testing.T) {
	tb := newTestBridge(t, func(c *config.Config) {
		c.Reports = []config.Report{{Name: "mt942", Format: "mt942", Encoding: "ascii", LineEnding: "crlf",
			FileName: "{account}_{date}_{seq}.sta", Interval: config.D(5 * time.Second)}}
	})
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	tb.drop("payables", "p.csv", []byte("external_id,source_iban,amount,currency,external_account_id\nINTRA-CLI-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"))
	var first string
	require.Eventually(t, func() bool {
		entries, _ := os.ReadDir(tb.path("outbox", "mt942"))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), "_00001.sta") {
				first = e.Name()
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "the payment's intraday report")
	want, err := os.ReadFile(tb.path("outbox", "mt942", first))
	require.NoError(t, err)
	require.Contains(t, string(want), "INTRA-CLI-1")
	require.NoError(t, os.Remove(tb.path("outbox", "mt942", first)), "the ERP took it")

	out, errOut, code := runCLI(t, "redeliver", "mt942/DE89370400440532013000/1", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	again := strings.TrimSuffix(first, ".sta") + "_again.sta"
	require.Contains(t, out, again)
	got, err := os.ReadFile(tb.path("outbox", "mt942", again))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "the same report, the same :28C: number")

	// Stopped: the offline path, by the file name the ERP got, beside
	// the first copy.
	tb.stop()
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("\n[[reports]]\nname = \"mt942\"\nformat = \"mt942\"\ninterval = \"5s\"\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	out, errOut, code = runCLI(t, "redeliver", "mt942/"+first, "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	path := strings.TrimSpace(strings.TrimPrefix(out, "wrote "))
	require.NotContains(t, path, again)
	got, err = os.ReadFile(tb.path(path))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	_, errOut, code = runCLI(t, "redeliver", "mt942/DE89370400440532013000/7", "--config", cfgPath)
	require.Equal(t, 1, code)
	assert.Contains(t, errOut, `no delivered report "7"`)
}
