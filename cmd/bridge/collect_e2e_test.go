package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/require"
)

// TestDemo_Collections drops a corrected pain.008 into the demo's
// collections inbox: an ack, the debtors' mandates and direct debits at the
// sandbox, a per-transaction pain.002 naming the pain.008, and the
// collections (EndToEndId) in the next camt.053.
func TestDemo_Collections(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan demoInfo, 1)
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, io.Discard, io.Discard, demoOptions{
			Dir: dir, SFTPListen: "127.0.0.1:0", Ready: func(i demoInfo) { ready <- i },
		})
	}()
	var info demoInfo
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped: %v", err)
	case <-time.After(120 * time.Second):
		t.Fatal("demo did not start")
	}
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "pain008", "testdata", "corrected", "nl-ing-voorbeeld.pain.008.001.02.xml"))
	require.NoError(t, err)
	// The sample's date is long past and its creditor account is not the
	// sandbox's: collect into the seeded EUR account the day after tomorrow.
	date := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	s := regexp.MustCompile(`<ReqdColltnDt>[^<]*</ReqdColltnDt>`).ReplaceAllString(string(data), "<ReqdColltnDt>"+date+"</ReqdColltnDt>")
	s = regexp.MustCompile(`(?s)(<CdtrAcct>\s*<Id>\s*<IBAN>)[^<]*(</IBAN>)`).ReplaceAllString(s, "${1}"+atlartest.SeedEURIBAN+"${2}")
	root := filepath.Join(dir, "data")
	require.NoError(t, os.WriteFile(filepath.Join(root, "inbox", "collections", "lastschrift.xml"), []byte(s), 0o644))

	results := filepath.Join(root, "outbox", "results")
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(results, "lastschrift.xml.ack.xml"))
		return err == nil
	}, 20*time.Second, 20*time.Millisecond, "ack")
	ack, err := os.ReadFile(filepath.Join(results, "lastschrift.xml.ack.xml"))
	require.NoError(t, err)
	require.Contains(t, string(ack), "<GrpSts>ACTC</GrpSts>", "ack:\n%s", ack)
	require.Eventually(t, func() bool { return len(info.Fake.DirectDebits()) == 1 }, 20*time.Second, 20*time.Millisecond, "direct debits")
	require.NotEmpty(t, info.Fake.Mandates())
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(results, "lastschrift.xml.result.xml"))
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "result pain.002")
	res, err := os.ReadFile(filepath.Join(results, "lastschrift.xml.result.xml"))
	require.NoError(t, err)
	require.Contains(t, string(res), "<OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>")
	require.Contains(t, string(res), "<OrgnlEndToEndId>E2EID001</OrgnlEndToEndId>")
	require.Eventually(t, func() bool {
		ids := statementEndToEndIDs(t, filepath.Join(root, "outbox", "statements"))
		return contains(ids, "E2EID001")
	}, 30*time.Second, 50*time.Millisecond, "the collection in a camt.053")

	// The README's walk-through: the example direct-debit CSV gives a
	// result CSV with each row's status and direct debit id.
	csvData, err := os.ReadFile(filepath.Join("..", "..", "examples", "debits.csv"))
	require.NoError(t, err)
	csvData = []byte(strings.ReplaceAll(string(csvData), "2099-01-15", date)) // as the README's sed does
	require.NoError(t, os.WriteFile(filepath.Join(root, "inbox", "debits", "debits.csv"), csvData, 0o644))
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(results, "debits.csv.result.csv"))
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "debits result csv")
	out, err := os.ReadFile(filepath.Join(results, "debits.csv.result.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 3, "%s", out)
	require.True(t, strings.HasSuffix(lines[0], ",status,atlar_direct_debit_id,atlar_mandate_id,reason"), lines[0])
	for _, l := range lines[1:] {
		require.Contains(t, l, ",EXECUTED,", l)
	}
	// atlar_mandate_id is the fake's id of the row's mandate reference.
	mandateIDs := map[string]string{}
	for _, m := range info.Fake.Mandates() {
		mandateIDs[m.Mandate.MandateReference] = m.Mandate.ID
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	require.NoError(t, err)
	head := rows[0]
	refCol, mandateCol := slices.Index(head, "mandate_reference"), slices.Index(head, "atlar_mandate_id")
	require.GreaterOrEqual(t, refCol, 0)
	require.GreaterOrEqual(t, mandateCol, 0)
	for _, r := range rows[1:] {
		require.NotEmpty(t, mandateIDs[r[refCol]], r[refCol])
		require.Equal(t, mandateIDs[r[refCol]], r[mandateCol], "row %v", r)
	}
}

// bridge validate reads a pain.008 (told by its namespace) and lists what
// it would create; the public sample as published is INVALID naming the
// creditor identifier.
func TestCLI_ValidatePain008(t *testing.T) {
	dir, repo := t.TempDir(), sharedtest.RepoRoot(t)
	t.Chdir(dir)
	data, err := os.ReadFile(filepath.Join(repo, "internal", "pain008", "testdata", "corrected", "nl-ing-voorbeeld.pain.008.001.02.xml"))
	require.NoError(t, err)
	date := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	good := filepath.Join(dir, "good.xml")
	require.NoError(t, os.WriteFile(good, regexp.MustCompile(`<ReqdColltnDt>[^<]*</ReqdColltnDt>`).ReplaceAll(data, []byte("<ReqdColltnDt>"+date+"</ReqdColltnDt>")), 0o600))
	out, errOut, code := runCLI(t, "validate", good)
	require.Equal(t, 0, code, errOut+out)
	require.Contains(t, out, "VALID")
	require.Contains(t, out, "1 collection(s)")
	require.Contains(t, out, "E2EID001")
	require.Contains(t, out, "MANDAATIDNR001")

	public := filepath.Join(repo, "..", "shared", "iso20022", "samples", "pain008", "nl-ing-voorbeeld.pain.008.001.02.xml")
	out, _, code = runCLI(t, "validate", public)
	require.Equal(t, 1, code)
	require.Contains(t, out, "INVALID")
	require.Contains(t, out, "CdtrSchmeId")
}
