package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBridge_FailedPaymentsVisible: a file whose payments Atlar accepted
// but some of which then ended REJECTED or FAILED is not shown as plain
// "completed": files, files --state, status, /metrics and a WARN log line
// all say how many payments did not go through.
func TestBridge_FailedPaymentsVisible(t *testing.T) {
	addr := sharedtest.FreeAddr(t)
	tb := newTestBridge(t, func(c *config.Config) { c.HTTP.Listen = addr })
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	csv := "external_id,source_iban,amount,currency,external_account_id,reference\n" +
		"F-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur,Invoice 1\n" +
		"F-2,DE89370400440532013000,20.00,EUR,external:fournisseur-sarl-eur,REJECT me\n" + // atlartest.MagicReject
		"F-3,DE89370400440532013000,999.99,EUR,external:fournisseur-sarl-eur,Invoice 3\n" // atlartest.MagicFailedAmount
	tb.drop("payables", "mixed.csv", []byte(csv))
	f := tb.waitFiles(20*time.Second, 1, state.Completed)[0]
	tb.waitFile(10*time.Second, "outbox", "results", "mixed.csv.result.csv")
	require.Equal(t, 2, f.PaymentsFailed())

	listed := tb.waitFiles(5*time.Second, 1, state.CompletedWithFailures)
	require.Equal(t, f.ID, listed[0].ID)

	out, errOut, code := runCLI(t, "files", "--json", "--state", "completed-with-failures", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	var files []fileSummary
	require.NoError(t, json.Unmarshal([]byte(out), &files), out)
	require.Len(t, files, 1)
	assert.Equal(t, "completed", files[0].State)
	assert.Equal(t, "completed-with-failures", files[0].Outcome)
	assert.Equal(t, 2, files[0].PaymentsFailed)
	assert.Equal(t, "2 of 3 payments rejected, failed or returned", files[0].Problem)

	out, errOut, code = runCLI(t, "files", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `completed-with-failures\s.*mixed\.csv\s+2 of 3 payments rejected, failed or returned`, out)

	out, errOut, code = runCLI(t, "files", "--json", "--state", "completed", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.NoError(t, json.Unmarshal([]byte(out), &files), out)
	require.Len(t, files, 1, "still a completed file: the payments that went through did")

	out, errOut, code = runCLI(t, "status", "--json", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	var st statusReport
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	assert.Equal(t, 1, st.Files["payables"]["completed"])
	assert.Equal(t, 1, st.Files["payables"]["completed-with-failures"])
	out, errOut, code = runCLI(t, "status", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `COMPLETED-WITH-FAILURES`, out)

	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	for _, want := range []string{
		`bridge_payments_total{route="payables",status="EXECUTED"} 1`,
		`bridge_payments_total{route="payables",status="REJECTED"} 1`,
		`bridge_payments_total{route="payables",status="FAILED"} 1`,
		`bridge_files{route="payables",state="completed-with-failures"} 1`,
	} {
		assert.Contains(t, string(body), want)
	}

	logs := tb.logs.String()
	assert.Regexp(t, `level=WARN msg="file completed with payments not executed".*payments=3 payments_failed=2`, logs)
	assert.NotContains(t, logs, `level=INFO msg="file completed"`)

	result := string(tb.waitFile(5*time.Second, "outbox", "results", "mixed.csv.result.xml"))
	assert.Contains(t, result, "<GrpSts>PART</GrpSts>")
	assert.Equal(t, 2, strings.Count(result, "<TxSts>RJCT</TxSts>"))
	// The bank's reason: an ISO code in Rsn/Cd, another code as NARR.
	assert.Regexp(t, `<OrgnlEndToEndId>F-2</OrgnlEndToEndId>\s*<TxSts>RJCT</TxSts>\s*<StsRsnInf>\s*<Rsn>\s*<Cd>AC04</Cd>\s*</Rsn>\s*<AddtlInf>Closed account number</AddtlInf>`, result)
	assert.Regexp(t, `<OrgnlEndToEndId>F-3</OrgnlEndToEndId>\s*<TxSts>RJCT</TxSts>\s*<StsRsnInf>\s*<Rsn>\s*<Cd>NARR</Cd>\s*</Rsn>\s*<AddtlInf>BANK-TIMEOUT: No answer from the receiving bank</AddtlInf>`, result)
	sharedtest.XMLLint(t, []byte(result), sharedtest.XSD(t, "pain.002.001.10.xsd"))
	csvOut := string(tb.waitFile(5*time.Second, "outbox", "results", "mixed.csv.result.csv"))
	assert.Contains(t, csvOut, "REJECT me,REJECTED,")
	assert.Contains(t, csvOut, ",AC04: Closed account number\n")
}

// TestBridge_PastExecutionDate: a requested execution date already past
// is treated alike on the CSV and pain.001 routes: the payments are sent
// for today (transfers) or the file forwarded unchanged (instruction), and
// the ack and the result CSV say so.
func TestBridge_PastExecutionDate(t *testing.T) {
	tb := newTestBridge(t)
	now := time.Now()
	today, past := now.Format(time.DateOnly), now.AddDate(0, 0, -3).Format(time.DateOnly)
	moved := "execution date " + past + " was past: "

	csv := "external_id,source_iban,amount,currency,external_account_id,execution_date\n" +
		"D-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur," + past + "\n" +
		"D-2,DE89370400440532013000,11.00,EUR,external:fournisseur-sarl-eur," + today + "\n"
	tb.drop("payables", "late.csv", []byte(csv))
	pain := strings.Replace(string(examplePain001(t)), "<ReqdExctnDt>2026-11-23</ReqdExctnDt>", "<ReqdExctnDt>"+past+"</ReqdExctnDt>", 1)
	require.Contains(t, pain, past)
	tb.drop("sepa-transfers", "late.xml", []byte(pain))
	tb.drop("sepa", "late-instr.xml", []byte(pain))

	ack := string(tb.waitFile(20*time.Second, "outbox", "results", "late.csv.ack.xml"))
	assert.Contains(t, ack, "<GrpSts>ACTC</GrpSts>")
	assert.Contains(t, ack, "<AddtlInf>"+moved+"1 payment(s) sent for "+today+" instead</AddtlInf>")
	sharedtest.XMLLint(t, []byte(ack), sharedtest.XSD(t, "pain.002.001.10.xsd"))
	res := string(tb.waitFile(20*time.Second, "outbox", "results", "late.csv.result.csv"))
	assert.Contains(t, res, ","+past+",EXECUTED,")
	assert.Regexp(t, `D-1,.*,EXECUTED,[0-9a-f-]{36},`+moved+`sent for `+today+" instead\n", res)
	assert.Regexp(t, `D-2,.*,EXECUTED,[0-9a-f-]{36},`+"\n", res)

	ack = string(tb.waitFile(20*time.Second, "outbox", "results", "late.xml.ack.xml"))
	assert.Contains(t, ack, "<AddtlInf>"+moved+"2 payment(s) sent for "+today+" instead</AddtlInf>")
	res = string(tb.waitFile(20*time.Second, "outbox", "results", "late.xml.result.csv"))
	assert.Equal(t, 2, strings.Count(res, moved+"sent for "+today+" instead"), res)

	ack = string(tb.waitFile(20*time.Second, "outbox", "results", "late-instr.xml.ack.xml"))
	assert.Contains(t, ack, "<AddtlInf>"+moved+"2 payment(s) forwarded unchanged, the bank decides</AddtlInf>")

	dates := map[string]int{}
	for _, p := range tb.fake.Payments() {
		dates[p.Date]++
	}
	assert.Equal(t, map[string]int{today: 4}, dates, "every payment made today, none refused")
}

// TestBridge_SameNameOnTwoRoutes: one input name dropped on two routes
// (one writing pain.002 only, one also the result CSV): each input's result
// files share one base name, and the two never mix.
func TestBridge_SameNameOnTwoRoutes(t *testing.T) {
	tb := newTestBridge(t, func(c *config.Config) {
		for i := range c.Routes {
			if c.Routes[i].Name == "sepa-transfers" {
				c.Routes[i].Results = []string{"pain002"}
			}
		}
	})
	tb.drop("sepa-transfers", "run.dat", examplePain001(t))
	tb.drop("payables", "run.dat", []byte("external_id,source_iban,amount,currency,external_account_id\n"+
		"N-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"))
	files := tb.waitFiles(30*time.Second, 2, state.Completed)
	want := map[string][]string{} // base → kinds, per route
	for _, f := range files {
		kinds := []string{"ack.xml", "result.xml"}
		if f.Route == "payables" {
			kinds = append(kinds, "result.csv")
		}
		f, err := tb.app.store.Get(f.ID)
		require.NoError(t, err)
		for _, k := range kinds {
			tb.waitFile(20*time.Second, "outbox", "results", f.ResultBase+"."+k)
		}
		want[f.ResultBase] = kinds
	}
	require.Len(t, want, 2, "two bases: %v", want)
	require.Contains(t, want, "run.dat", "one input keeps the plain name")
	entries, err := os.ReadDir(tb.path("outbox", "results"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	n := 0
	for _, kinds := range want {
		n += len(kinds)
	}
	assert.Len(t, names, n, "no result file outside the two bases: %v", names)
}

// TestCLI_ValidatePastDate: validate accepts a past execution date and
// says it would be sent for today.
func TestCLI_ValidatePastDate(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TEST_ATLAR_SECRET", "demo-secret")
	cfgPath := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(fmt.Sprintf(testConfig, "http://127.0.0.1:1", filepath.Join(dir, "data"), false)), 0o600))
	now := time.Now()
	today, past := now.Format(time.DateOnly), now.AddDate(0, 0, -2).Format(time.DateOnly)
	file := filepath.Join(dir, "late.csv")
	require.NoError(t, os.WriteFile(file, []byte("external_id,source_iban,amount,currency,external_account_id,execution_date\n"+
		"V-1,"+atlartest.SeedEURIBAN+",10.00,EUR,external:x,"+past+"\n"), 0o600))
	out, errOut, code := runCLI(t, "validate", file, "--route", "payables", "--config", cfgPath)
	require.Equal(t, 0, code, errOut+out)
	assert.Contains(t, out, "VALID")
	assert.Contains(t, out, "Row 1 asked for execution on "+past+", which is past: it would be sent for "+today)
}
