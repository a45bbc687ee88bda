package outbound

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allReports = []Report{
	{Name: "mt940", Format: ReportMT940, Encoding: "ascii", LineEnding: "\r\n", FileName: "{account}_{date}_{seq}.sta"},
	{Name: "bai2", Format: ReportBAI2, LineEnding: "\r\n", FileName: "{account}_{date}_{seq}.bai2"},
	{Name: "transactions", Format: ReportCSVTransactions, LineEnding: "\r\n", FileName: "{account}_{date}_{seq}.csv"},
	{Name: "balances", Format: ReportCSVBalances, LineEnding: "\n", FileName: "{date}_{account}_{id}.csv"},
	{Name: "camt053-v08", Format: ReportCamt053, Version: camt053.V08, FileName: "{account}_{date}_{seq}.xml"},
	{Name: "camt054", Format: ReportCamt054, Version: camt053.Notification02, FileName: "{account}_{date}_{seq}.xml"},
	{Name: "raw", Format: ReportRaw, FileName: "{account}_{date}_{id}.dat"},
}

type reportsWorld struct {
	seedDays int
	clock    *clockwork.FakeClock
	fake     *atlartest.Server
	api      *atlar.Client
	lay      layout.Layout
	store    *state.Store
	log      *sharedtest.LogBuffer
}

func newReportsWorld(t *testing.T, seedDays int) *reportsWorld {
	t.Helper()
	w := &reportsWorld{seedDays: seedDays, clock: clockwork.NewFakeClockAt(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)), log: &sharedtest.LogBuffer{}}
	var url string
	w.fake, url = atlartest.NewTest(t, atlartest.Options{Clock: w.clock, SeedDays: w.seedDays})
	var err error
	w.api, err = atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret", Clock: w.clock})
	require.NoError(t, err)
	w.lay = layout.Layout{Root: t.TempDir()}
	require.NoError(t, w.lay.Ensure(nil))
	w.store, err = state.Open(w.lay.StateFile(), state.Options{Clock: w.clock})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, w.store.Close(context.Background())) })
	return w
}

// outbound is a fresh Outbound on the world's journal and folders, as a
// restarted bridge would build it.
func (w *reportsWorld) outbound(t *testing.T, api Atlar, reports []Report) *Outbound {
	t.Helper()
	ob, err := New(Options{
		Journal: w.store, API: api, Layout: w.lay, Clock: w.clock,
		Logger: slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Statements: Statements{Enabled: true, Format: camt053.V02, ExternalIDAsEndToEndID: true,
			PollInterval: time.Minute, Backfill: 7 * 24 * time.Hour},
		Reports: reports,
	})
	require.NoError(t, err)
	require.NoError(t, ob.Recover())
	return ob
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestReports_CrossFormat polls the fake Atlar's three seeded days of
// three accounts and checks that, for each account and day, the MT940
// (read by mt940js), the BAI2 (read by bai2check.py), both CSVs (read by
// encoding/csv) and the camt.053 of [statements] carry the same entries
// and balances; that MT940 statement numbers run on per account and each
// day opens with the previous day's closing; and that a restarted bridge
// writes nothing twice.
func TestReports_CrossFormat(t *testing.T) {
	w := newReportsWorld(t, 3)
	ob := w.outbound(t, w.api, allReports)
	require.NoError(t, ob.PollStatements(t.Context()))

	statements := files(t, w.lay.Statements())
	require.Len(t, statements, 9, "3 accounts × 3 days")
	for _, rep := range allReports {
		require.Len(t, files(t, w.lay.Abs("outbox/"+rep.Name)), 9, rep.Name)
	}

	type day struct{ acct, date string }
	camt := map[day]bankstmt.Statement{}
	for _, name := range statements {
		stmts, err := camt053.Read(read(t, filepath.Join(w.lay.Statements(), name)))
		require.NoError(t, err)
		st, err := bankstmt.FromCamt053(name, stmts[0])
		require.NoError(t, err)
		camt[day{st.Account(), st.Date.Format(time.DateOnly)}] = st
	}
	lastClosing := map[string]int64{}
	for _, name := range files(t, w.lay.Abs("outbox/mt940")) {
		parts := strings.Split(strings.TrimSuffix(name, ".sta"), "_")
		require.Len(t, parts, 3, name)
		st, ok := camt[day{parts[0], parts[1]}]
		require.True(t, ok, name)
		pages := bankstmttest.MT940JS(t, read(t, filepath.Join(w.lay.Abs("outbox/mt940"), name)))
		require.Len(t, pages, 1)
		p := pages[0]
		assert.Equal(t, st.Account(), p.Account)
		assert.Equal(t, parts[2], p.Statement, "the file name's {seq} is :28C:")
		assert.Equal(t, st.Opening, p.Opening, name)
		assert.Equal(t, st.Closing, p.Closing, name)
		if prev, ok := lastClosing[st.Account()]; ok {
			assert.Equal(t, prev, p.Opening, "%s opens with the previous day's closing", name)
		}
		lastClosing[st.Account()] = p.Closing
		require.Len(t, p.Transactions, len(st.Entries), name)
		for i, tx := range p.Transactions {
			e := st.Entries[i]
			assert.Equal(t, e.Signed(), tx.Amount, "%s entry %d", name, i)
			if e.EndToEndID != "" {
				assert.True(t, strings.HasPrefix(tx.Purpose(), "EREF+"+e.EndToEndID), "%s entry %d: %q", name, i, tx.Purpose())
			}
		}
	}
	// Statement numbers run 1, 2, 3 per account, in date order.
	for _, acct := range []string{atlartest.SeedEURIBAN, atlartest.SeedGBPIBAN, atlartest.SeedUSDAccountNumber} {
		var seqs []string
		for _, name := range files(t, w.lay.Abs("outbox/mt940")) {
			if strings.HasPrefix(name, acct+"_") {
				seqs = append(seqs, name[strings.LastIndexByte(name, '_')+1:])
			}
		}
		assert.Equal(t, []string{"00001.sta", "00002.sta", "00003.sta"}, seqs, acct)
	}

	for _, name := range files(t, w.lay.Abs("outbox/bai2")) {
		parts := strings.Split(strings.TrimSuffix(name, ".bai2"), "_")
		st := camt[day{parts[0], parts[1]}]
		accts := bankstmttest.BAI2Check(t, read(t, filepath.Join(w.lay.Abs("outbox/bai2"), name)))
		require.Len(t, accts, 1)
		a := accts[0]
		assert.Equal(t, st.Account(), a.Account)
		assert.Equal(t, st.Opening, a.Balances["010"], name)
		assert.Equal(t, st.Closing, a.Balances["015"], name)
		var cr, db int64
		for _, e := range st.Entries {
			if e.Credit {
				cr += e.Amount
			} else {
				db += e.Amount
			}
		}
		assert.Equal(t, cr, a.Summaries["100"], name)
		assert.Equal(t, db, a.Summaries["400"], name)
		assert.Equal(t, len(st.Entries), a.Details, name)
	}

	for _, name := range files(t, w.lay.Abs("outbox/transactions")) {
		rows, err := csv.NewReader(bytes.NewReader(read(t, filepath.Join(w.lay.Abs("outbox/transactions"), name)))).ReadAll()
		require.NoError(t, err)
		parts := strings.Split(name, "_")
		st := camt[day{parts[0], parts[1]}]
		require.Len(t, rows, len(st.Entries)+1, name)
		for i, r := range rows[1:] {
			e := st.Entries[i]
			v, err := money.Parse(strings.TrimPrefix(r[4], "-"), r[1], '.', 0)
			require.NoError(t, err)
			if strings.HasPrefix(r[4], "-") {
				v = -v
			}
			assert.Equal(t, e.Signed(), v, "%s row %d", name, i+1)
			assert.Equal(t, e.EndToEndID, r[6], "%s row %d", name, i+1)
			assert.Equal(t, e.BookingDate.Format(time.DateOnly), r[2], "%s row %d", name, i+1)
			assert.Equal(t, e.ValueDate.Format(time.DateOnly), r[3], "%s row %d", name, i+1)
		}
	}
	for _, name := range files(t, w.lay.Abs("outbox/balances")) {
		rows, err := csv.NewReader(bytes.NewReader(read(t, filepath.Join(w.lay.Abs("outbox/balances"), name)))).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 2)
		st := camt[day{rows[1][0], rows[1][2]}]
		assert.Equal(t, money.Format(st.Opening, st.Currency), rows[1][4], name)
		assert.Equal(t, money.Format(st.Closing, st.Currency), rows[1][5], name)
	}
	for _, name := range files(t, w.lay.Abs("outbox/camt054")) {
		doc := read(t, filepath.Join(w.lay.Abs("outbox/camt054"), name))
		sharedtest.XMLLint(t, doc, sharedtest.XSD(t, camt053.Notification02+".xsd"))
		parts := strings.Split(name, "_")
		st := camt[day{parts[0], parts[1]}]
		assert.Equal(t, len(st.Entries), strings.Count(string(doc), "<Ntry>"), name)
		for _, e := range st.Entries {
			if e.EndToEndID != "" {
				assert.Contains(t, string(doc), "<EndToEndId>"+e.EndToEndID+"</EndToEndId>", name)
			}
		}
	}
	for _, name := range files(t, w.lay.Abs("outbox/raw")) {
		id := strings.TrimSuffix(strings.SplitN(name, "_", 3)[2], ".dat")
		want, err := w.api.BankStatement(t.Context(), atlartest.SeedConnectionID, id)
		require.NoError(t, err)
		assert.Equal(t, want, read(t, filepath.Join(w.lay.Abs("outbox/raw"), name)), "%s: the bank's file byte for byte", name)
	}
	for _, name := range files(t, w.lay.Abs("outbox/camt053-v08")) {
		doc := read(t, filepath.Join(w.lay.Abs("outbox/camt053-v08"), name))
		h, err := camt053.ReadHeader(doc)
		require.NoError(t, err)
		assert.Equal(t, camt053.V08, h.Version)
	}

	// A restarted bridge polls again: nothing is written twice, and no
	// statement is downloaded again.
	downloads := func() int {
		n := 0
		for ep, c := range w.fake.Stats().ByEndpoint {
			if strings.HasSuffix(ep, "/content") {
				n += c
			}
		}
		return n
	}
	before := downloads()
	// One download per statement serves [statements] and every report;
	// only the camt.053 .08 report needs a second rendering (raw is the
	// bank-statement endpoint, not counted here).
	require.Equal(t, 9+9, before)
	ob2 := w.outbound(t, w.api, allReports)
	require.NoError(t, ob2.PollStatements(t.Context()))
	assert.Equal(t, before, downloads(), "a poll with nothing new downloads nothing")
	for _, rep := range allReports {
		assert.Len(t, files(t, w.lay.Abs("outbox/"+rep.Name)), 9, rep.Name)
	}
	assert.Len(t, files(t, w.lay.Statements()), 9)

	// bridge redeliver mt940/<id> writes that file again, same number.
	reps := w.fake.Reports()
	path, err := ob2.Redeliver(t.Context(), "mt940/"+reps[0].ID)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(path, "_00001_again.sta"), path)
	assert.Len(t, files(t, w.lay.Abs("outbox/mt940")), 10)
	_, err = ob2.Redeliver(t.Context(), "nope/"+reps[0].ID)
	require.ErrorContains(t, err, `no [[reports]] named "nope"`)
}

// unbalancedAtlar serves one statement whose closing balance is one cent
// off its entries.
type unbalancedAtlar struct{ doc []byte }

func (unbalancedAtlar) ListConnections(context.Context) ([]atlar.Connection, error) {
	return []atlar.Connection{{ID: "c1"}}, nil
}

func (unbalancedAtlar) ListReports(context.Context, string) ([]atlar.Report, error) {
	return []atlar.Report{{ID: "r-bad", Type: "STATEMENT", AccountIDs: []string{"a1"}, Created: "2026-03-10T05:00:00Z"}}, nil
}

func (u unbalancedAtlar) ReportContent(context.Context, string, string, string, bool) ([]byte, error) {
	return u.doc, nil
}

// TestReports_HeldWhenNotAddingUp: a statement whose entries do not add
// up to its closing balance is written to no report, logged at ERROR
// once, recorded in the journal and counted; the camt.053 itself (Atlar's
// document) is still delivered.
func TestReports_HeldWhenNotAddingUp(t *testing.T) {
	w := newReportsWorld(t, 3)
	st := camt053.Statement{MsgID: "M1", ID: "S1", CreatedAt: w.clock.Now(), From: w.clock.Now().Add(-24 * time.Hour), To: w.clock.Now(),
		Account: camt053.Account{IBAN: atlartest.SeedEURIBAN, Currency: "EUR"}, Opening: 10000, Closing: 10001,
		Entries: []camt053.Entry{{Amount: 500, Currency: "EUR", Credit: true, BookingDate: "2026-03-10", EndToEndID: "E1"}}}
	doc, err := camt053.Render(camt053.V02, st)
	require.NoError(t, err)
	ob := w.outbound(t, unbalancedAtlar{doc: doc}, allReports[:2])
	var held []string
	ob.o.OnReportHeld = func(h HeldReport) { held = append(held, h.Format) }
	require.NoError(t, ob.PollStatements(t.Context()))
	require.NoError(t, ob.PollStatements(t.Context()))

	assert.Len(t, files(t, w.lay.Statements()), 1)
	for _, rep := range allReports[:2] {
		if entries, err := os.ReadDir(w.lay.Abs("outbox/" + rep.Name)); err == nil {
			assert.Empty(t, entries, rep.Name)
		}
	}
	why, ok, err := w.store.GetMeta(MetaReportHeld + "bai2.r-bad")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Contains(t, why, "opening 10000 + entries 500 = 10500, but closing is 10001")
	assert.Equal(t, []string{"mt940", "bai2"}, held, "counted once per report, not per poll")
	logs := w.log.String()
	assert.Equal(t, 2, strings.Count(logs, "level=ERROR msg=\"statement held"), logs)
	assert.True(t, slices.ContainsFunc(strings.Split(logs, "\n"), func(l string) bool {
		return strings.Contains(l, "report_id=r-bad") && strings.Contains(l, "statement does not add up")
	}), logs)
}
