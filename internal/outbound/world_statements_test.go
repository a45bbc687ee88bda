package outbound

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seededReports lists the fake's statements, as outbound sees them.
func (w *obWorld) seededReports() []atlar.Report {
	w.t.Helper()
	reports, err := w.api.ListReports(context.Background(), atlartest.SeedConnectionID)
	require.NoError(w.t, err)
	require.NotEmpty(w.t, reports)
	return reports
}

// names lists a folder's file names ("" for none).
func (w *obWorld) names(dir string) []string {
	w.t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(w.t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestWorld_StatementBackfill: the first poll takes the statements created
// within statements.backfill of now, no older one; the cut-off is
// journaled, so a restarted bridge with a longer backfill does not reach
// back further, and a poll with nothing new delivers nothing.
func TestWorld_StatementBackfill(t *testing.T) {
	const seedDays = 5 // three accounts each
	tests := []struct {
		name     string
		backfill time.Duration
		some     bool // some statements but not all are within it
	}{
		{name: "a day and a half", backfill: 36 * time.Hour, some: true},
		{name: "three days", backfill: 72 * time.Hour, some: true},
		{name: "a week", backfill: 7 * 24 * time.Hour},
		{name: "an hour", backfill: time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOBWorld(t, obOptions{SeedDays: seedDays,
				Statements: Statements{Enabled: true, Backfill: tc.backfill}})
			since := w.clock.Now().UTC().Add(-tc.backfill)
			want := map[string]bool{}
			all := w.seededReports()
			for _, r := range all {
				created, err := time.Parse(time.RFC3339Nano, r.Created)
				require.NoError(t, err)
				if !created.Before(since) {
					want[r.ID] = true
				}
			}
			if tc.some {
				require.True(t, len(want) > 0 && len(want) < len(all), "the case must cut the seeded days: %d of %d", len(want), len(all))
			}
			w.build(false)
			require.NoError(t, w.ob.PollStatements(context.Background()))

			got := map[string]bool{}
			for _, name := range w.names(w.lay.Statements()) {
				for _, r := range all {
					if strings.HasSuffix(name, "_"+r.ID+".xml") {
						got[r.ID] = true
					}
				}
			}
			assert.Equal(t, want, got)
			assert.Len(t, w.names(w.lay.Statements()), len(want), "every file is one wanted statement")
			v, _, err := w.store.GetMeta(MetaStatementsResult)
			require.NoError(t, err)
			assert.Equal(t, "ok: "+strconv.Itoa(len(want))+" statement(s) delivered", v)

			// A longer backfill after a restart does not reach back.
			w.o.Statements.Backfill = 30 * 24 * time.Hour
			w.restart(false)
			require.NoError(t, w.ob.PollStatements(context.Background()))
			assert.Len(t, w.names(w.lay.Statements()), len(want))
			v, _, err = w.store.GetMeta(MetaStatementsResult)
			require.NoError(t, err)
			assert.Equal(t, "ok: 0 statement(s) delivered", v)
		})
	}
}

// TestWorld_StatementsLoop: started, outbound polls at once and then
// every poll interval or when triggered (bridge poll), with the results
// loop beside it; Close stops both.
func TestWorld_StatementsLoop(t *testing.T) {
	w := newOBWorld(t, obOptions{SeedDays: 2, Statements: Statements{Enabled: true, PollInterval: 10 * time.Minute}})
	n := len(w.seededReports())
	w.build(true)
	w.eventually(func() bool { return len(w.names(w.lay.Statements())) == n }, "the first poll")
	lastPoll := func() string {
		v, _, err := w.store.GetMeta(MetaStatementsLast)
		require.NoError(t, err)
		return v
	}
	w.eventually(func() bool { return lastPoll() == w.clock.Now().UTC().Format(time.RFC3339) }, "the first poll's record")

	// Idle: the results sweep ticker and the poll ticker.
	w.waitTimers(2)
	w.clock.Advance(time.Second)
	w.ob.TriggerStatements()
	at := w.clock.Now().UTC().Format(time.RFC3339)
	w.eventually(func() bool { return lastPoll() == at }, "the triggered poll")

	w.waitTimers(2)
	w.clock.Advance(10 * time.Minute)
	at = w.clock.Now().UTC().Format(time.RFC3339)
	w.eventually(func() bool { return lastPoll() == at }, "the poll on the interval")
	assert.Len(t, w.names(w.lay.Statements()), n, "nothing delivered twice")
	// Each account's last delivery time feeds the statement-gap alert.
	accounts, err := w.store.MetaPrefix(MetaStatementAccount)
	require.NoError(t, err)
	assert.Len(t, accounts, len(w.fake.Accounts()), "%v", accounts)
	w.mu.Lock()
	assert.Equal(t, n, w.delivered["statement"])
	w.mu.Unlock()
}

// TestWorld_Redeliver: bridge redeliver writes a statement, and the
// [[reports]] files of it, again beside the first copy, whatever the
// first copy's state; "NAME/ID" only that report's file; unknown names
// and ids are clear errors.
func TestWorld_Redeliver(t *testing.T) {
	mt940 := Report{Name: "mt940", Format: ReportMT940, Encoding: "ascii", LineEnding: "\r\n", FileName: "{account}_{date}_{seq}.sta"}
	raw := Report{Name: "raw", Format: ReportRaw, FileName: "{account}_{date}_{id}.dat"}
	tests := []struct {
		name       string
		statements bool
		reports    []Report
		arg        func(id string) string
		collect    bool // the ERP took the first copies before
		want       []string
		err        string
	}{
		{name: "statement", statements: true, arg: func(id string) string { return id },
			want: []string{"statements/*_again.xml"}},
		{name: "statement already collected", statements: true, collect: true, arg: func(id string) string { return id },
			want: []string{"statements/*.xml"}},
		{name: "statement and its reports", statements: true, reports: []Report{mt940, raw}, arg: func(id string) string { return id },
			want: []string{"statements/*_again.xml", "mt940/*_again.sta", "raw/*_again.dat"}},
		{name: "one report", statements: true, reports: []Report{mt940, raw}, arg: func(id string) string { return "raw/" + id },
			want: []string{"raw/*_again.dat"}},
		{name: "reports only", reports: []Report{mt940}, arg: func(id string) string { return id },
			want: []string{"mt940/*_again.sta"}},
		{name: "unknown report name", statements: true, reports: []Report{mt940}, arg: func(id string) string { return "bai2/" + id },
			err: `redeliver: no [[reports]] named "bai2"`},
		{name: "unknown report id", statements: true, arg: func(string) string { return "no-such-report" },
			err: "redeliver: report no-such-report not found on any connection"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOBWorld(t, obOptions{SeedDays: 1, Reports: tc.reports,
				Statements: Statements{Enabled: tc.statements, Format: camt053.V02, ExternalIDAsEndToEndID: true}})
			w.build(false)
			require.NoError(t, w.ob.PollStatements(context.Background()))
			first := w.outbox()
			require.NotEmpty(t, first)
			id := w.seededReports()[0].ID
			if tc.collect {
				for rel := range first {
					w.collect(rel)
				}
			}

			paths, err := w.ob.Redeliver(context.Background(), tc.arg(id))
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				assert.Equal(t, first, w.outbox(), "nothing written")
				return
			}
			require.NoError(t, err)
			got := strings.Split(paths, ", ")
			require.Len(t, got, len(tc.want), paths)
			for i, pattern := range tc.want {
				ok, err := filepath.Match("outbox/"+pattern, got[i])
				require.NoError(t, err)
				assert.True(t, ok, "%s is not %s", got[i], pattern)
				assert.Contains(t, got[i], "_", "named after the account and date")
			}
			now := w.outbox()
			for _, p := range got {
				copyOf := strings.Replace(p, "_again", "", 1)
				if tc.collect {
					assert.Equal(t, p, copyOf, "the plain name is free again")
					continue
				}
				if strings.HasPrefix(p, "outbox/statements/") || strings.HasPrefix(p, "outbox/raw/") {
					assert.Equal(t, first[copyOf], now[p], "%s is %s again", p, copyOf)
				} else {
					assert.NotEmpty(t, now[p])
				}
			}
			assert.Len(t, now, len(first)*map[bool]int{true: 0, false: 1}[tc.collect]+len(got))
		})
	}
}

// TestWorld_ReportAccounts: a [[reports]] limited to accounts, named by
// Atlar account id or by IBAN in any spacing and case, is written for
// those accounts only.
func TestWorld_ReportAccounts(t *testing.T) {
	probe := newOBWorld(t, obOptions{SeedDays: 1})
	var acct atlar.Account
	for _, a := range probe.fake.Accounts() {
		if a.IBAN() != "" {
			acct = a
			break
		}
	}
	require.NotEmpty(t, acct.ID, "a seeded account with an IBAN")
	spaced := strings.ToLower(acct.IBAN()[:4] + " " + acct.IBAN()[4:])
	tests := []struct {
		name     string
		accounts []string
		files    int
	}{
		{name: "all", files: len(probe.seededReports())},
		{name: "by Atlar id", accounts: []string{acct.ID}, files: 1},
		{name: "by IBAN", accounts: []string{spaced}, files: 1},
		{name: "none of ours", accounts: []string{"NO-SUCH-ACCOUNT"}, files: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOBWorld(t, obOptions{SeedDays: 1, Reports: []Report{{Name: "raw", Format: ReportRaw,
				FileName: "{account}_{date}_{id}.dat", Accounts: tc.accounts}}})
			w.build(false)
			require.NoError(t, w.ob.PollStatements(context.Background()))
			names := w.names(w.lay.Abs("outbox/raw"))
			assert.Len(t, names, tc.files, "%v", names)
			if tc.files == 1 {
				assert.True(t, strings.HasPrefix(names[0], acct.IBAN()+"_") || strings.HasPrefix(names[0], acct.ID+"_"), names[0])
			}
			assert.Empty(t, w.names(w.lay.Statements()), "[statements] is off")
		})
	}
}
