package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const vendorsRoute = `
[[routes]]
name = "vendors"
format = "csv"
kind = "counterparties"
`

const vendorsFile = "external_id,name,party_type,iban,currency,country,email\n" +
	"V-1,=Formula Trading GmbH,COMPANY,DE89 3704 0044 0532 0130 00,EUR,DE,ap@formula.example\n" +
	"V-2,Fournitures Martin SARL,COMPANY,FR14 2004 1010 0505 0001 3M02 606,EUR,FR,compta@martin.example\n" +
	"V-3,Jan de Vries,INDIVIDUAL,NL91 ABNA 0417 1643 00,EUR,NL,\n"

// newVendorsBridge is newTestBridge with a counterparties route.
func newVendorsBridge(t *testing.T) *testBridge {
	t.Helper()
	return newTestBridge(t, func(c *config.Config) {
		extra, err := config.Parse(strings.NewReader("version = 1\n[atlar]\nbase_url = \"http://x\"\naccess_key = \"k\"\nsecret_env = \"X\"\n"+
			"[storage]\nroot = "+fmt.Sprintf("%q", c.Storage.Root)+"\n"+vendorsRoute), "vendors.toml")
		require.NoError(t, err)
		c.Routes = append(c.Routes, extra.Routes...)
	})
}

// resultRows maps a result CSV's rows by their first column.
func resultRows(t *testing.T, data []byte) map[string][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Equal(t, "external_id,name,party_type,iban,currency,country,email,status,counterparty_id,external_account_id,reason", lines[0])
	out := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		out[f[0]] = f
	}
	return out
}

// TestBridge_VendorsTwiceThenPay is the "done when" for the vendor
// master: dropped twice with one row changed, the second drop sends exactly
// one PATCH and the result CSV says the rest are unchanged; a payments CSV
// then pays the vendor's account by its externalId.
func TestBridge_VendorsTwiceThenPay(t *testing.T) {
	tb := newVendorsBridge(t)
	tb.drop("vendors", "vendors-1.csv", []byte(vendorsFile))
	first := resultRows(t, tb.waitFile(20*time.Second, "outbox", "results", "vendors-1.csv.result.csv"))
	ids := map[string]string{}
	for _, v := range []string{"V-1", "V-2", "V-3"} {
		row := first[v]
		require.Len(t, row, 11, v)
		assert.Equal(t, "created", row[7], v)
		assert.NotEmpty(t, row[8], v)
		assert.NotEmpty(t, row[9], v)
		ids[v] = row[9]
	}
	assert.Equal(t, "=Formula Trading GmbH", first["V-1"][1], "the input is echoed byte for byte; only the bridge's own columns are escaped")
	_, err := os.Stat(tb.path("outbox", "results", "vendors-1.csv.ack.xml"))
	assert.True(t, os.IsNotExist(err), "no pain.002 ack for a vendor master file")

	changed := strings.Replace(vendorsFile, "compta@martin.example", "factures@martin.example", 1)
	tb.drop("vendors", "vendors-2.csv", []byte(changed))
	second := resultRows(t, tb.waitFile(20*time.Second, "outbox", "results", "vendors-2.csv.result.csv"))
	assert.Equal(t, "unchanged", second["V-1"][7])
	assert.Equal(t, "updated", second["V-2"][7])
	assert.Equal(t, "unchanged", second["V-3"][7])
	for v, id := range ids {
		assert.Equal(t, id, second[v][9], "%s keeps its account", v)
	}
	st := tb.fake.Stats()
	assert.Equal(t, 1, st.CounterpartyPatchAttempts, "exactly one PATCH")
	assert.Equal(t, 3, st.CounterpartiesCreated)

	// The ERP pays vendor V-2 by naming its account.
	pay := "external_id,source_iban,amount,currency,external_account_id,reference\n" +
		"P-1," + atlartest.SeedEURIBAN + ",120.50,EUR,external:V-2.FR1420041010050500013M02606,Invoice 7\n"
	tb.drop("payables", "pay.csv", []byte(pay))
	tb.waitFile(20*time.Second, "outbox", "results", "pay.csv.result.csv")
	var found bool
	for _, p := range tb.fake.Payments() {
		if p.ExternalID == "P-1" {
			found = true
			require.NotNil(t, p.Destination)
			assert.Equal(t, ids["V-2"], p.Destination.ID, "paid to the vendor's external account")
			assert.Equal(t, int64(12050), p.Amount.Value)
		}
	}
	require.True(t, found, "payment P-1 at Atlar")
	files := tb.waitFiles(5*time.Second, 3, state.Completed)
	require.Len(t, files, 3)
}

// TestCLI_ValidateVendors: validate reads a counterparties file with the
// route's rules: a valid one lists the rows, a bad one names row and field.
func TestCLI_ValidateVendors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TEST_ATLAR_SECRET", "demo-secret")
	cfgPath := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(fmt.Sprintf(testConfig, "http://127.0.0.1:1", filepath.Join(dir, "data"), false)+vendorsRoute), 0o600))
	good := filepath.Join(dir, "vendors.csv")
	require.NoError(t, os.WriteFile(good, []byte(vendorsFile), 0o600))
	out, errOut, code := runCLI(t, "validate", good, "--route", "vendors", "--config", cfgPath)
	require.Equal(t, 0, code, errOut+out)
	assert.Contains(t, out, "VALID: ")
	assert.Contains(t, out, "3 counterpart(ies)")
	assert.Regexp(t, `2\s+V-2\s+Fournitures Martin SARL\s+COMPANY\s+FR1420041010050500013M02606`, out)

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(vendorsFile, "INDIVIDUAL", "PERSON", 1)), 0o600))
	out, errOut, code = runCLI(t, "validate", bad, "--route", "vendors", "--config", cfgPath)
	require.NotEqual(t, 0, code)
	assert.Contains(t, out+errOut, "INVALID")
	assert.Regexp(t, `(?i)row 3.*party_type.*PERSON`, out+errOut)
}

// TestSFTP_VendorsRejectInBand: a vendors route with reject_in_band answers
// a bad upload's close with the row and field, writes the error report
// and a result CSV marking the rows rejected; a good upload is upserted.
func TestSFTP_VendorsRejectInBand(t *testing.T) {
	tb, signer, _ := sftpBridge(t, func(c *config.Config) {
		extra, err := config.Parse(strings.NewReader("version = 1\n[atlar]\nbase_url = \"http://x\"\naccess_key = \"k\"\nsecret_env = \"X\"\n"+
			"[storage]\nroot = "+fmt.Sprintf("%q", c.Storage.Root)+"\n"+vendorsRoute+"reject_in_band = true\n"), "vendors.toml")
		require.NoError(t, err)
		c.Routes = append(c.Routes, extra.Routes...)
		c.SFTP.Users[0].Routes = append(c.SFTP.Users[0].Routes, "vendors")
	})
	c := sftpClient(t, tb.app.sftp.Addr().String(), signer)
	upload := func(name, data string) error {
		t.Helper()
		w, err := c.Create("/inbox/vendors/" + name)
		require.NoError(t, err)
		_, err = w.Write([]byte(data))
		require.NoError(t, err)
		return w.Close()
	}
	err := upload("bad.csv", strings.Replace(vendorsFile, "INDIVIDUAL", "PERSON", 1))
	require.Error(t, err, "the ERP's close sees the rejection")
	assert.Contains(t, err.Error(), "party_type")
	rejected := tb.waitFiles(10*time.Second, 1, state.Rejected)[0]
	assert.Regexp(t, `(?i)row 3`, problemText(rejected))
	result := string(tb.waitFile(10*time.Second, "outbox", "results", "bad.csv.result.csv"))
	assert.Contains(t, result, "V-3,Jan de Vries,PERSON,NL91 ABNA 0417 1643 00,EUR,NL,,rejected,,,")
	assert.Contains(t, result, "V-1,=Formula Trading GmbH,COMPANY,DE89 3704 0044 0532 0130 00,EUR,DE,ap@formula.example,rejected,,,file rejected\n", "the other rows say why they were not sent")
	matches, err := filepath.Glob(tb.path("failed", "*", "*bad.csv.error.txt"))
	require.NoError(t, err)
	require.Len(t, matches, 1, "the error report beside the original")
	for _, cp := range tb.fake.Counterparties() {
		assert.NotEqual(t, "V-1", cp.Counterparty.ExternalID, "nothing of a rejected file reaches Atlar")
	}

	require.NoError(t, upload("good.csv", vendorsFile))
	tb.waitFiles(20*time.Second, 1, state.Completed)
	good := resultRows(t, tb.waitFile(10*time.Second, "outbox", "results", "good.csv.result.csv"))
	assert.Equal(t, "created", good["V-3"][7])
}
