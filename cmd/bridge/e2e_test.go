package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// testBridge is a bridge on real folders, a real journal and the fake
// Atlar over HTTP.
type testBridge struct {
	t    *testing.T
	root string
	cfg  *config.Config
	fake *atlartest.Server
	app  *app
	logs *sharedtest.LogBuffer
}

const testConfig = `
version = 1
[atlar]
base_url = "%s"
access_key = "demo-key"
secret_env = "TEST_ATLAR_SECRET"
[storage]
root = %q
[watch]
settle = "200ms"
rescan = "2s"
[[routes]]
name = "payables"
format = "csv"
[[routes]]
name = "sepa"
format = "pain001"
mode = "instruction"
connection_id = "auto"
[[routes]]
name = "sepa-transfers"
format = "pain001"
mode = "transfers"
[statements]
enabled = %v
format = "camt.053.001.02"
external_id_as_end_to_end_id = true
poll_interval = "1s"
[results]
poll_interval = "200ms"
max_poll = "1s"
`

func newTestBridge(t *testing.T, mutate ...func(*config.Config)) *testBridge {
	t.Helper()
	return newTestBridgeWith(t, true, appOptions{}, mutate...)
}

// newTestBridgeWith starts a bridge; mutate adjusts the parsed config.
func newTestBridgeWith(t *testing.T, statements bool, o appOptions, mutate ...func(*config.Config)) *testBridge {
	t.Helper()
	fake, url := atlartest.NewTest(t, atlartest.Options{
		BatchStep: 100 * time.Millisecond, PaymentStep: 100 * time.Millisecond, InstructionStep: 100 * time.Millisecond,
	})
	root := t.TempDir()
	cfg, err := config.Parse(strings.NewReader(fmt.Sprintf(testConfig, url, root, statements)), "test.toml")
	require.NoError(t, err)
	for _, m := range mutate {
		m(cfg)
	}
	cfg.Secret = "demo-secret"
	tb := &testBridge{t: t, root: root, cfg: cfg, fake: fake, logs: &sharedtest.LogBuffer{}}
	tb.start(o)
	return tb
}

func (tb *testBridge) start(o appOptions) {
	tb.t.Helper()
	o.Logger = slog.New(slog.NewTextHandler(tb.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := startApp(context.Background(), tb.cfg, o)
	require.NoError(tb.t, err)
	tb.app = a
	tb.t.Cleanup(func() { tb.stop() })
}

func (tb *testBridge) stop() {
	if tb.app == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tb.app.Close(ctx); err != nil {
		tb.t.Logf("close: %v", err)
	}
	tb.app = nil
}

func (tb *testBridge) path(parts ...string) string {
	return filepath.Join(append([]string{tb.root}, parts...)...)
}

// drop writes a file into an inbox the way an ERP would: temp name, then
// rename.
func (tb *testBridge) drop(route, name string, data []byte) {
	tb.t.Helper()
	tmp := tb.path("inbox", route, name+".part")
	require.NoError(tb.t, os.WriteFile(tmp, data, 0o644))
	require.NoError(tb.t, os.Rename(tmp, tb.path("inbox", route, name)))
}

// waitFile waits for a file to appear and returns its bytes.
func (tb *testBridge) waitFile(timeout time.Duration, parts ...string) []byte {
	tb.t.Helper()
	p := tb.path(parts...)
	var data []byte
	require.Eventuallyf(tb.t, func() bool {
		b, err := os.ReadFile(p)
		data = b
		return err == nil
	}, timeout, 20*time.Millisecond, "waiting for %s\nlogs:\n%s", p, tb.logs)
	return data
}

// original waits for a file's original where the journal says it rests:
// the journal records the outcome first, then the original is moved.
func (tb *testBridge) original(f *state.File) []byte {
	tb.t.Helper()
	return tb.waitFile(10*time.Second, filepath.FromSlash(f.Path))
}

// waitState waits until every file of a route is in a final state.
func (tb *testBridge) waitFiles(timeout time.Duration, n int, states ...state.State) []*state.File {
	tb.t.Helper()
	var files []*state.File
	require.Eventuallyf(tb.t, func() bool {
		var err error
		files, err = tb.app.store.List(state.Filter{States: states})
		return err == nil && len(files) == n
	}, timeout, 20*time.Millisecond, "waiting for %d files in %v\nlogs:\n%s", n, states, tb.logs)
	return files
}

func TestBridge_CSVEndToEnd(t *testing.T) {
	tb := newTestBridge(t)
	csv := "external_id,source_iban,amount,currency,creditor_name,creditor_iban,external_account_id,reference\n" +
		"E2E-0001,DE89370400440532013000,1250.00,EUR,Müller GmbH,DE75512108001245126199,,Invoice 1\n" +
		"E2E-0002,DE89370400440532013000,89.90,EUR,,,external:fournisseur-sarl-eur,Invoice 2\n"
	start := time.Now()
	tb.drop("payables", "run1.csv", []byte(csv))

	ack := tb.waitFile(15*time.Second, "outbox", "results", "run1.csv.ack.xml")
	t.Logf("drop → ack: %s", time.Since(start))
	require.Contains(t, string(ack), "<GrpSts>ACTC</GrpSts>")
	sharedtest.XMLLint(t, ack, sharedtest.XSD(t, "pain.002.001.10.xsd"))

	result := tb.waitFile(15*time.Second, "outbox", "results", "run1.csv.result.csv")
	require.Contains(t, string(result), "status,atlar_payment_id,reason")
	require.Contains(t, string(result), "E2E-0001")
	require.Equal(t, 2, strings.Count(string(result), "EXECUTED"), string(result))
	resXML := tb.waitFile(15*time.Second, "outbox", "results", "run1.csv.result.xml")
	require.Contains(t, string(resXML), "<TxSts>ACSC</TxSts>")
	sharedtest.XMLLint(t, resXML, sharedtest.XSD(t, "pain.002.001.10.xsd"))

	// The executed payments come back on a statement, with the CSV's
	// external_id as EndToEndId: the reconciliation loop closes.
	var ids []string
	require.Eventuallyf(t, func() bool {
		ids = statementEndToEndIDs(t, tb.path("outbox", "statements"))
		return contains(ids, "E2E-0001") && contains(ids, "E2E-0002")
	}, 15*time.Second, 50*time.Millisecond, "statements: %v\nlogs:\n%s", ids, tb.logs)
	t.Logf("drop → statement: %s", time.Since(start))

	files := tb.waitFiles(5*time.Second, 1, state.Completed)
	f := files[0]
	require.Equal(t, "run1.csv", f.Name)
	require.Equal(t, csv, string(tb.original(f)), "the original is archived byte for byte")
	require.Equal(t, 1, len(tb.fake.Batches()))
	_, err := tb.app.store.GetBlob(fmt.Sprintf("batch/%s/0/0", f.ID))
	require.ErrorIs(t, err, state.ErrNotFound, "the journaled request body is dropped once Atlar accepted the file")
	assertQuiet(t, tb)
}

func TestBridge_BadInputRejected(t *testing.T) {
	tb := newTestBridge(t)
	cases := map[string]string{
		"rows.csv":     "external_id,source_iban,amount,currency,external_account_id\nA 1,DE89370400440532013000,12.345,EUR,external:x\nA2,DE00370400440532013000,-5,EUR,external:x\n",
		"currency.csv": "external_id,source_iban,amount,currency,external_account_id\nC1,DE89370400440532013000,10.00,XXY,external:fournisseur-sarl-eur\n",
		"empty.csv":    "",
		"garbage.csv":  "\x00\x01\x02\xff\xfe binary \x00",
	}
	for name, data := range cases {
		tb.drop("payables", name, []byte(data))
	}
	files := tb.waitFiles(15*time.Second, len(cases), state.Rejected)
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			require.NotEmpty(t, f.Problems)
			require.Equal(t, cases[f.Name], string(tb.original(f)), "original kept byte for byte")
			// The report is written before the original is moved beside it.
			report, err := os.ReadFile(tb.path(filepath.FromSlash(f.Path)) + ".error.txt")
			require.NoError(t, err)
			require.Contains(t, string(report), "nothing in it was paid")
			ack := tb.waitFile(10*time.Second, "outbox", "results", f.Name+".ack.xml")
			require.Contains(t, string(ack), "<GrpSts>RJCT</GrpSts>")
			sharedtest.XMLLint(t, ack, sharedtest.XSD(t, "pain.002.001.10.xsd"))
		})
	}
	byName := map[string]*state.File{}
	for _, f := range files {
		byName[f.Name] = f
	}
	require.Contains(t, problemText(byName["rows.csv"]), "row 1")
	require.Contains(t, problemText(byName["rows.csv"]), "row 2")
	require.Contains(t, problemText(byName["currency.csv"]), "XXY")
	require.Empty(t, tb.fake.Batches(), "nothing submitted")
}

func TestBridge_DuplicateRejected(t *testing.T) {
	tb := newTestBridge(t)
	csv := "external_id,source_iban,amount,currency,external_account_id\nDUP-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"
	tb.drop("payables", "a.csv", []byte(csv))
	tb.waitFile(15*time.Second, "outbox", "results", "a.csv.ack.xml")
	tb.drop("payables", "b.csv", []byte(csv))
	files := tb.waitFiles(15*time.Second, 1, state.Rejected)
	require.Equal(t, "b.csv", files[0].Name)
	require.NotEmpty(t, files[0].DuplicateOf)
	require.Contains(t, problemText(files[0]), "a.csv")
	require.Len(t, tb.fake.Batches(), 1, "the duplicate was not submitted")
}

func problemText(f *state.File) string {
	if f == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range f.Problems {
		b.WriteString(p.Message + "\n")
	}
	return b.String()
}

func statementEndToEndIDs(t *testing.T, dir string) []string {
	entries, _ := os.ReadDir(dir)
	var ids []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".xml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		got, err := camt053.EndToEndIDs(data)
		require.NoError(t, err)
		ids = append(ids, got...)
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// assertQuiet checks the journal's consistency and that the secret never
// reached the logs.
func assertQuiet(t *testing.T, tb *testBridge) {
	t.Helper()
	problems, err := tb.app.store.Check()
	require.NoError(t, err)
	require.Empty(t, problems)
	require.NotContains(t, tb.logs.String(), "demo-secret")
}
