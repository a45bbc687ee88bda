package outbound

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// backfillReports are the intraday reports with a 15-minute interval and
// the default day of backfill.
func backfillReports() []Report {
	reps := slices.Clone(intradayReports[:2])
	for i := range reps {
		reps[i].Interval, reps[i].Backfill = 15*time.Minute, 24*time.Hour
	}
	return reps
}

// readAll returns the files of dir by name with their content.
func readAll(t *testing.T, dir string) (names []string, docs map[string]string) {
	t.Helper()
	docs = map[string]string{}
	for _, name := range files(t, dir) {
		require.False(t, atomicfile.IsTemp(name), name)
		docs[name] = string(read(t, filepath.Join(dir, name)))
		names = append(names, name)
	}
	slices.Sort(names)
	return names, docs
}

var itbdRE = regexp.MustCompile(`<Cd>ITBD</Cd>(?s:.*?)<Amt Ccy="EUR">([0-9.]+)</Amt>\s*<CdtDbtInd>(CRDT|DBIT)</CdtDbtInd>`)

// itbd is the signed interim booked balance of a camt.052, in cents.
func itbd(t *testing.T, doc string) int64 {
	t.Helper()
	m := itbdRE.FindStringSubmatch(doc)
	require.NotNil(t, m, doc)
	var units, cents int64
	_, err := fmt.Sscanf(m[1], "%d.%d", &units, &cents)
	require.NoError(t, err, m[1])
	v := units*100 + cents
	if m[2] == "DBIT" {
		v = -v
	}
	return v
}

// outage is three hours in which a payment is booked each hour while no
// bridge polls: 09:00:05, 10:00:10, 11:00:15; it ends at 12:00:20.
func outage(t *testing.T, w *reportsWorld) {
	for i, amt := range []int64{1_00, 2_00, 3_00} {
		w.pay(t, fmt.Sprintf("ERP-GAP-%d", i+1), amt)
		// Atlar books it while no bridge looks: the fake books when
		// listed, so list (created is now, as at Atlar).
		_, err := w.api.ListTransactions(t.Context(), atlar.TransactionQuery{AccountID: atlartest.SeedEURAccountID})
		require.NoError(t, err)
		w.clock.Advance(time.Hour)
	}
}

// TestIntraday_BackfillAfterGap: after three hours without a poll, the
// restarted bridge writes one report per 15-minute interval that had a
// booking — three, numbered 1 to 3, dated at their intervals' ends, each
// with only its own entry and the booked balance as it stood then — and
// a restart writes none of them again; the next regular report is
// number 4. Every MT942 parses with the npm oracle, every camt.052 is
// valid against its XSD.
func TestIntraday_BackfillAfterGap(t *testing.T) {
	w := newReportsWorld(t, 1)
	reps := backfillReports()
	n, err := w.outbound(t, w.api, reps).PollIntraday(t.Context())
	require.NoError(t, err)
	require.Zero(t, n)

	outage(t, w)
	n, err = w.outbound(t, w.api, reps).PollIntraday(t.Context())
	require.NoError(t, err)
	require.Equal(t, 6, n, "three reports in each format")

	names, docs := readAll(t, w.lay.Abs("outbox/mt942"))
	require.Equal(t, []string{"DE89370400440532013000_2026-03-10_00001.sta", "DE89370400440532013000_2026-03-10_00002.sta",
		"DE89370400440532013000_2026-03-10_00003.sta"}, names)
	for i, name := range names {
		doc := docs[name]
		assert.Contains(t, doc, fmt.Sprintf(":28C:%05d/001\r\n", i+1))
		assert.Contains(t, doc, fmt.Sprintf(":13D:260310%02d15+0000\r\n", 9+i), "dated at the end of its interval")
		for j := range 3 {
			if j == i {
				assert.Contains(t, doc, fmt.Sprintf("ERP-GAP-%d", j+1))
			} else {
				assert.NotContains(t, doc, fmt.Sprintf("ERP-GAP-%d", j+1), "%s: each entry once", name)
			}
		}
		oracle942(t, []byte(doc), []int64{-int64(i+1) * 100})
	}

	sharedtest.Tool(t, "xmllint", "libxml2-utils")
	bal, err := w.api.ListBalances(t.Context(), atlar.BalanceQuery{AccountID: atlartest.SeedEURAccountID, Type: "BOOKED", MostRecent: true})
	require.NoError(t, err)
	now := bal[0].Amount.Value
	names, docs = readAll(t, w.lay.Abs("outbox/camt052"))
	require.Len(t, names, 3)
	for i, name := range names {
		doc := docs[name]
		sharedtest.XMLLint(t, []byte(doc), sharedtest.XSD(t, reps[1].Version+".xsd"))
		assert.Contains(t, doc, fmt.Sprintf("<ElctrncSeqNb>%d</ElctrncSeqNb>", i+1))
		assert.Equal(t, 1, strings.Count(doc, "<Ntry>"))
		assert.Contains(t, doc, fmt.Sprintf("<EndToEndId>ERP-GAP-%d</EndToEndId>", i+1))
	}
	// The balance now, and before it what the later reports took off.
	assert.Equal(t, now, itbd(t, docs[names[2]]))
	assert.Equal(t, now+3_00, itbd(t, docs[names[1]]))
	assert.Equal(t, now+3_00+2_00, itbd(t, docs[names[0]]))

	// Restarted again: nothing is written twice.
	n, err = w.outbound(t, w.api, reps).PollIntraday(t.Context())
	require.NoError(t, err)
	require.Zero(t, n)
	require.Len(t, files(t, w.lay.Abs("outbox/mt942")), 3)

	// The next regular report continues the numbering, dated now.
	w.pay(t, "ERP-NEXT", 4_00)
	w.clock.Advance(time.Minute)
	n, err = w.outbound(t, w.api, reps).PollIntraday(t.Context())
	require.NoError(t, err)
	require.Equal(t, 2, n)
	names, docs = readAll(t, w.lay.Abs("outbox/mt942"))
	require.Len(t, names, 4)
	assert.Contains(t, docs[names[3]], ":28C:00004/001\r\n")
	assert.Contains(t, docs[names[3]], ":13D:2603101201+0000\r\n")
	oracle942(t, []byte(docs[names[3]]), []int64{-4_00})
}

// TestIntraday_BackfillOff: backfill 0 writes what an outage missed in one
// report (the behaviour before backfill), still each entry once.
func TestIntraday_BackfillOff(t *testing.T) {
	w := newReportsWorld(t, 1)
	reps := backfillReports()[:1]
	reps[0].Backfill = 0
	_, err := w.outbound(t, w.api, reps).PollIntraday(t.Context())
	require.NoError(t, err)
	outage(t, w)
	n, err := w.outbound(t, w.api, reps).PollIntraday(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	names, docs := readAll(t, w.lay.Abs("outbox/mt942"))
	require.Len(t, names, 1)
	oracle942(t, []byte(docs[names[0]]), []int64{-1_00, -2_00, -3_00})
}

// TestIntraday_BackfillFirstStart: a report added at 12:00:20 with bookings
// earlier that day reports them per interval from the start of the day
// (not before: earlier days are the end-of-day reports' job).
func TestIntraday_BackfillFirstStart(t *testing.T) {
	w := newReportsWorld(t, 2) // yesterday has a statement with bookings
	reps := backfillReports()[:1]
	outage(t, w)
	n, err := w.outbound(t, w.api, reps).PollIntraday(t.Context())
	require.NoError(t, err)
	require.Equal(t, 3, n, "the three intervals of today with a booking")
	names, docs := readAll(t, w.lay.Abs("outbox/mt942"))
	require.Len(t, names, 3)
	for i, name := range names {
		oracle942(t, []byte(docs[name]), []int64{-int64(i+1) * 100})
		assert.NotContains(t, docs[name], ":61:260309", "nothing booked yesterday")
	}
}

// TestIntraday_BackfillCrashAtEveryJournalWrite stops a backfill after
// each of its journal writes in turn and restarts it on the same journal
// and folders: each of the three missed reports is written exactly once,
// numbered 1 to 3 with its own entry, and the next report is number 4.
func TestIntraday_BackfillCrashAtEveryJournalWrite(t *testing.T) {
	reps := backfillReports()[:1]
	for n := 1; ; n++ {
		w := newReportsWorld(t, 1)
		_, err := w.outbound(t, w.api, reps).PollIntraday(t.Context())
		require.NoError(t, err)
		outage(t, w)
		ob := w.outbound(t, w.api, reps)
		cj := &crashingJournal{Store: w.store, left: n}
		ob.j = cj
		_, err = ob.PollIntraday(t.Context())
		crashed := cj.left <= 0 && err != nil
		if !crashed {
			require.NoError(t, err)
		}

		restarted := w.outbound(t, w.api, reps)
		_, err = restarted.PollIntraday(t.Context())
		require.NoError(t, err, "crash after write %d", n)
		w.pay(t, "ERP-AFTER", 9_00)
		w.clock.Advance(15 * time.Minute) // the next poll is due
		_, err = restarted.PollIntraday(t.Context())
		require.NoError(t, err, "crash after write %d", n)

		names, docs := readAll(t, w.lay.Abs("outbox/mt942"))
		require.Len(t, names, 4, "crash after write %d: %v", n, names)
		for i, name := range names {
			assert.Contains(t, docs[name], fmt.Sprintf(":28C:%05d/001\r\n", i+1), "crash after write %d", n)
		}
		all := strings.Join(slices.Collect(func(yield func(string) bool) {
			for _, name := range names {
				if !yield(docs[name]) {
					return
				}
			}
		}), "")
		for _, ref := range []string{"ERP-GAP-1", "ERP-GAP-2", "ERP-GAP-3", "ERP-AFTER"} {
			assert.Equal(t, 1, strings.Count(all, "EREF+"+ref), "crash after write %d: %s once", n, ref)
		}
		if !crashed {
			t.Logf("%d crash points, each restarted to exactly-once delivery", n-1)
			return
		}
	}
}

// unmark removes the copy marker's line from a redelivered camt.052.
func unmark(doc string) string {
	return strings.Replace(doc, "      <CpyDplctInd>DUPL</CpyDplctInd>\n", "", 1)
}

// TestIntraday_Redeliver: bridge redeliver writes an MT942 again byte for
// byte and a camt.052 with only CpyDplctInd DUPL added, by number, by day
// and by file name, named …_again; the numbering does not move, and the
// next regular report continues it.
func TestIntraday_Redeliver(t *testing.T) {
	w := newReportsWorld(t, 1)
	ob := w.outbound(t, w.api, intradayReports)
	ctx := t.Context()
	_, err := ob.PollIntraday(ctx)
	require.NoError(t, err)
	for i := range 2 {
		w.pay(t, fmt.Sprintf("ERP-R-%d", i+1), int64(i+1)*1_00)
		w.clock.Advance(time.Minute)
		n, err := ob.PollIntraday(ctx)
		require.NoError(t, err)
		require.Equal(t, 3, n)
	}
	mtDir, camtDir, v02Dir := w.lay.Abs("outbox/mt942"), w.lay.Abs("outbox/camt052"), w.lay.Abs("outbox/camt052-v02")
	_, orig := readAll(t, mtDir)
	_, origCamt := readAll(t, camtDir)
	_, origV02 := readAll(t, v02Dir)
	// The ERP took the files: a redelivery does not need them.
	for _, dir := range []string{mtDir, camtDir, v02Dir} {
		for _, name := range files(t, dir) {
			require.NoError(t, os.Remove(filepath.Join(dir, name)))
		}
	}

	out, err := ob.Redeliver(ctx, "mt942/"+atlartest.SeedEURIBAN+"/1")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join("outbox", "mt942", "DE89370400440532013000_2026-03-10_00001_again.sta"), out)
	names, docs := readAll(t, mtDir)
	require.Equal(t, []string{"DE89370400440532013000_2026-03-10_00001_again.sta"}, names)
	assert.Equal(t, orig["DE89370400440532013000_2026-03-10_00001.sta"], docs[names[0]], "MT942 has no copy marker: the same bytes")
	oracle942(t, []byte(docs[names[0]]), []int64{-1_00})

	// A day: both of its reports, by account id this time.
	out, err = ob.Redeliver(ctx, "camt052/"+atlartest.SeedEURAccountID+"/2026-03-10")
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(out, "_again.xml"), out)
	sharedtest.Tool(t, "xmllint", "libxml2-utils")
	names, docs = readAll(t, camtDir)
	require.Equal(t, []string{"DE89370400440532013000_2026-03-10_00001_again.xml", "DE89370400440532013000_2026-03-10_00002_again.xml"}, names)
	for i, name := range names {
		doc := docs[name]
		sharedtest.XMLLint(t, []byte(doc), sharedtest.XSD(t, intradayReports[1].Version+".xsd"))
		assert.Equal(t, 1, strings.Count(doc, "<CpyDplctInd>DUPL</CpyDplctInd>"))
		assert.Equal(t, origCamt[strings.Replace(name, "_again", "", 1)], unmark(doc),
			"the original but for the copy marker")
		assert.Contains(t, doc, fmt.Sprintf("<ElctrncSeqNb>%d</ElctrncSeqNb>", i+1))
	}

	// The file name the ERP got.
	_, err = ob.Redeliver(ctx, "camt052-v02/00002.xml")
	require.NoError(t, err)
	names, docs = readAll(t, v02Dir)
	require.Equal(t, []string{"00002_again.xml"}, names)
	sharedtest.XMLLint(t, []byte(docs[names[0]]), sharedtest.XSD(t, intradayReports[2].Version+".xsd"))
	assert.Equal(t, origV02["00002.xml"], unmark(docs[names[0]]))

	// Twice: a second copy beside the first, still number 1.
	out, err = ob.Redeliver(ctx, "mt942/"+atlartest.SeedEURIBAN+"/1")
	require.NoError(t, err)
	assert.NotContains(t, out, "00001_again.sta")
	assert.Equal(t, orig["DE89370400440532013000_2026-03-10_00001.sta"], string(read(t, w.lay.Abs(out))))

	for _, bad := range []struct{ sel, want string }{
		{"mt942/" + atlartest.SeedEURIBAN + "/9", `no delivered report "9"`},
		{"mt942/" + atlartest.SeedEURIBAN + "/2026-03-09", `no delivered report "2026-03-09"`},
		{"mt942/" + atlartest.SeedEURIBAN + "/yesterday", `"yesterday" is neither a report number nor a date`},
		{"mt942/no-such-file.sta", `no delivered file named "no-such-file.sta"`},
	} {
		_, err := ob.Redeliver(ctx, bad.sel)
		require.Error(t, err, bad.sel)
		assert.Contains(t, err.Error(), bad.want)
	}

	// The numbering did not move: the next report is number 3.
	w.pay(t, "ERP-R-3", 3_00)
	w.clock.Advance(time.Minute)
	n, err := ob.PollIntraday(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	assert.FileExists(t, filepath.Join(mtDir, "DE89370400440532013000_2026-03-10_00003.sta"))
	assert.Contains(t, string(read(t, filepath.Join(mtDir, "DE89370400440532013000_2026-03-10_00003.sta"))), ":28C:00003/001\r\n")
	assert.FileExists(t, filepath.Join(v02Dir, "00003.xml"))
}
