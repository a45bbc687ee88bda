package outbound

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

var intradayReports = []Report{
	{Name: "mt942", Format: ReportMT942, Encoding: "ascii", LineEnding: "\r\n", FileName: "{account}_{date}_{seq}.sta", Interval: time.Minute},
	{Name: "camt052", Format: ReportCamt052, Version: camt053.AccountReport08, FileName: "{account}_{date}_{seq}.xml", Interval: time.Minute},
	{Name: "camt052-v02", Format: ReportCamt052, Version: camt053.AccountReport02, FileName: "{seq}.xml", Interval: time.Minute, Accounts: []string{atlartest.SeedEURIBAN}},
}

// pay books one EUR payment with the given externalId at the fake: it is
// executed and booked (a Financial Data transaction) a few seconds later.
func (w *reportsWorld) pay(t *testing.T, externalID string, minor int64) {
	t.Helper()
	_, err := w.api.CreateCreditTransferBatch(t.Context(), &atlar.CreateCreditTransferBatchRequest{
		Treatment: "INDIVIDUAL_PAYMENTS", ExternalID: "b-" + externalID,
		Payments: []atlar.CreateCreditTransferRequest{{
			Amount: atlar.Amount{Currency: "EUR", Value: minor}, Scheme: "SCT",
			Date:        w.clock.Now().UTC().Format(time.DateOnly),
			Source:      atlar.AccountRef{Type: "ACCOUNT", ID: atlartest.SeedEURAccountID},
			Destination: atlar.AccountRef{Type: "EXTERNAL_ACCOUNT", ID: atlartest.SeedFournisseurExternalAccountID},
			Reference:   "Rechnung " + externalID, ExternalID: externalID,
		}},
	}, "idem-"+externalID)
	require.NoError(t, err)
	w.clock.Advance(5 * time.Second) // executed
	// The fake books lines when a listing looks (no background work);
	// the bridge's next poll is that look.
}

func fdCalls(w *reportsWorld) (txs, bals, accts int) {
	st := w.fake.Stats().ByEndpoint
	return st["GET /financial-data/v2/transactions"], st["GET /financial-data/v2/accounts/{id}/balances"], st["GET /financial-data/v2/accounts"]
}

// TestIntraday_Incremental: the first poll after a payment reports it
// (with its externalId, the booked balance, number 1); the next reports
// only what is new (number 2); a poll with nothing new writes nothing and
// costs one transactions request per account — shared by all reports —
// and nothing else. MT942 parses with swiftmessageparser, camt.052 is
// valid against its XSD.
func TestIntraday_Incremental(t *testing.T) {
	w := newReportsWorld(t, 2)
	ob := w.outbound(t, w.api, intradayReports)
	ctx := t.Context()

	n, err := ob.PollIntraday(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing booked today yet; history is the end-of-day reports' job")

	w.pay(t, "ERP-INV-1", 123_45)
	w.clock.Advance(time.Minute)
	n, err = ob.PollIntraday(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n, "one file per report for the EUR account")

	w.pay(t, "ERP-INV-2", 10_00)
	w.pay(t, "ERP-INV-3", 5_50)
	w.clock.Advance(time.Minute)
	n, err = ob.PollIntraday(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)

	mtDir := w.lay.Abs("outbox/mt942")
	names := files(t, mtDir)
	require.Equal(t, []string{"DE89370400440532013000_2026-03-10_00001.sta", "DE89370400440532013000_2026-03-10_00002.sta"}, names)
	first, err := os.ReadFile(filepath.Join(mtDir, names[0]))
	require.NoError(t, err)
	second, err := os.ReadFile(filepath.Join(mtDir, names[1]))
	require.NoError(t, err)
	assert.Contains(t, string(first), ":28C:00001/001\r\n")
	assert.Contains(t, string(first), "ERP-INV-1")
	assert.Contains(t, string(first), ":90D:1EUR123,45\r\n")
	assert.Contains(t, string(second), ":28C:00002/001\r\n")
	assert.NotContains(t, string(second), "ERP-INV-1", "only what is new")
	assert.Contains(t, string(second), ":90D:2EUR15,50\r\n")
	oracle942(t, first, []int64{-123_45})
	oracle942(t, second, []int64{-10_00, -5_50})

	// camt.052: valid, only new entries, the booked balance after them.
	sharedtest.Tool(t, "xmllint", "libxml2-utils")
	bal, err := w.api.ListBalances(ctx, atlar.BalanceQuery{AccountID: atlartest.SeedEURAccountID, Type: "BOOKED", MostRecent: true})
	require.NoError(t, err)
	for _, rep := range intradayReports[1:] {
		dir := w.lay.Abs("outbox/" + rep.Name)
		names := files(t, dir)
		require.Len(t, names, 2, rep.Name)
		for i, name := range names {
			doc, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			sharedtest.XMLLint(t, doc, sharedtest.XSD(t, rep.Version+".xsd"))
			assert.Contains(t, string(doc), fmt.Sprintf("<ElctrncSeqNb>%d</ElctrncSeqNb>", i+1))
			assert.Equal(t, i+1, strings.Count(string(doc), "<Ntry>"), "%s %s", rep.Name, name)
			if i == 1 {
				assert.Contains(t, string(doc), "<EndToEndId>ERP-INV-2</EndToEndId>")
				assert.NotContains(t, string(doc), "ERP-INV-1")
				assert.Contains(t, string(doc), `<Amt Ccy="EUR">`+bal[0].Amount.StringValue+`</Amt>`, "ITBD is the booked balance")
			}
		}
	}

	// Steady state: nothing new costs one request per account.
	tx0, bal0, acct0 := fdCalls(w)
	w.clock.Advance(time.Minute)
	n, err = ob.PollIntraday(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	tx1, bal1, acct1 := fdCalls(w)
	accts, err := w.api.ListAccounts(ctx)
	require.NoError(t, err)
	// The fake serves pages of 2 whatever the limit (to catch clients that
	// stop early); Atlar serves up to limit=500, so there this is one
	// request per account until a day has more than 500 transactions.
	today, err := w.api.ListTransactions(ctx, atlar.TransactionQuery{AccountID: atlartest.SeedEURAccountID, DateFrom: "2026-03-10"})
	require.NoError(t, err)
	require.Len(t, today, 3)
	pages := len(accts) - 1 + (len(today)+1)/2
	assert.Equal(t, pages, tx1-tx0, "one transactions listing per account for all three reports")
	tx1, _, _ = fdCalls(w) // our own listing above
	assert.Zero(t, bal1-bal0, "no balance request when nothing is new")
	assert.Zero(t, acct1-acct0, "the account list is reused")

	// Not due yet: no request at all.
	n, err = ob.PollIntraday(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	tx2, _, _ := fdCalls(w)
	assert.Equal(t, tx1, tx2)

	// A restarted bridge continues the numbering and repeats nothing.
	w.pay(t, "ERP-INV-4", 1_00)
	n, err = w.outbound(t, w.api, intradayReports).PollIntraday(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	names = files(t, mtDir)
	require.Len(t, names, 3)
	third, err := os.ReadFile(filepath.Join(mtDir, names[2]))
	require.NoError(t, err)
	assert.Contains(t, string(third), ":28C:00003/001\r\n")
	oracle942(t, third, []int64{-1_00})
}

// oracle942 parses an MT942 with the npm swiftmessageparser and checks its
// signed amounts.
func oracle942(t *testing.T, doc []byte, want []int64) {
	t.Helper()
	node, dir := sharedtest.NodeModule(t, "swiftmessageparser")
	f := filepath.Join(t.TempDir(), "r.sta")
	require.NoError(t, os.WriteFile(f, doc, 0o600))
	out, err := exec.CommandContext(t.Context(), node, filepath.Join(dir, "scripts", "cli.js"), "-t", "mt942", f).Output()
	require.NoError(t, err, "swiftmessageparser refused:\n%s", doc)
	var got []struct {
		Transactions []struct {
			Amount string `json:"amount"`
		} `json:"transactions"`
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	require.Len(t, got, 1)
	var amounts []int64
	for _, tx := range got[0].Transactions {
		var units, cents int64
		neg := strings.HasPrefix(tx.Amount, "-")
		_, err := fmt.Sscanf(strings.TrimPrefix(tx.Amount, "-"), "%d.%d", &units, &cents)
		if err != nil {
			_, err = fmt.Sscanf(strings.TrimPrefix(tx.Amount, "-"), "%d", &units)
		}
		require.NoError(t, err, tx.Amount)
		v := units*100 + cents
		if strings.Count(tx.Amount, ".") == 1 && len(strings.SplitN(tx.Amount, ".", 2)[1]) == 1 {
			v = units*100 + cents*10
		}
		if neg {
			v = -v
		}
		amounts = append(amounts, v)
	}
	assert.Equal(t, want, amounts)
}

// TestIntraday_CrashAtEveryJournalWrite stops the intraday poller after
// each of its journal writes in turn, restarts it on the same journal and
// folders, and checks that each report is delivered exactly once with
// number 1, and that the next report has number 2 with only the new entry.
func TestIntraday_CrashAtEveryJournalWrite(t *testing.T) {
	reports := intradayReports[:1]
	for n := 1; ; n++ {
		w := newReportsWorld(t, 1)
		w.pay(t, "ERP-C-1", 7_00)
		ob := w.outbound(t, w.api, reports)
		cj := &crashingJournal{Store: w.store, left: n}
		ob.j = cj
		_, err := ob.PollIntraday(t.Context())
		crashed := cj.left <= 0 && err != nil
		if !crashed {
			require.NoError(t, err)
		}

		restarted := w.outbound(t, w.api, reports)
		_, err = restarted.PollIntraday(t.Context())
		require.NoError(t, err, "crash after write %d", n)
		dir := w.lay.Abs("outbox/mt942")
		names := files(t, dir)
		require.Len(t, names, 1, "crash after write %d: %v", n, names)
		require.False(t, atomicfile.IsTemp(names[0]))

		w.pay(t, "ERP-C-2", 8_00)
		w.clock.Advance(time.Minute)
		_, err = restarted.PollIntraday(t.Context())
		require.NoError(t, err, "crash after write %d", n)
		names = files(t, dir)
		require.Len(t, names, 2, "crash after write %d: %v", n, names)
		var docs []string
		for _, name := range names {
			b, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			docs = append(docs, string(b))
		}
		slices.Sort(names)
		assert.Contains(t, docs[0], ":28C:00001/001\r\n", "crash after write %d", n)
		assert.Contains(t, docs[0], "ERP-C-1")
		assert.NotContains(t, docs[0], "ERP-C-2")
		assert.Contains(t, docs[1], ":28C:00002/001\r\n", "crash after write %d", n)
		assert.Contains(t, docs[1], "ERP-C-2")
		assert.NotContains(t, docs[1], "ERP-C-1", "crash after write %d: nothing twice", n)
		if !crashed {
			t.Logf("%d crash points, each restarted to exactly-once delivery", n-1)
			return
		}
	}
}
