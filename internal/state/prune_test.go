package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const day = 24 * time.Hour

// finish moves a sent file to completed at the clock's time.
func finish(t *testing.T, s *Store, id string, st State) {
	t.Helper()
	_, err := s.Update(id, "done", setState(st))
	require.NoError(t, err)
}

// seeAll marks every change seen, as the outbox writer does once it wrote
// a file's results.
func seeAll(t testing.TB, s *Store) {
	t.Helper()
	for {
		ch, err := s.Changed("", 1000)
		require.NoError(t, err)
		if len(ch) == 0 {
			return
		}
		require.NoError(t, s.Seen(ch))
	}
}

// TestPrune_KeepsDuplicateDetectionForItsWindow: a file re-dropped inside
// the route's duplicate window is still found as a duplicate after
// pruning, one outside it is not, and pruning never removes a file whose
// index entry is inside its window even with a cutoff shorter than it.
func TestPrune_KeepsDuplicateDetectionForItsWindow(t *testing.T) {
	const window, retention = 90 * day, 400 * day
	tests := []struct {
		name     string
		age      time.Duration // how long ago the first file was sent and completed
		cutoff   time.Duration // Prune's Before = now - cutoff
		wantDup  bool          // the re-drop is rejected as a duplicate
		wantGone bool          // the first file's record was pruned
		wantKept int
	}{
		{"InsideWindowYoungRecord", 30 * day, retention, true, false, 0},
		{"OutsideWindowYoungRecord", 100 * day, retention, false, false, 0},
		{"OutsideRetention", 401 * day, retention, false, true, 0},
		// A cutoff shorter than the window (the config refuses it; the
		// guard holds anyway): the record stays for the window.
		{"CutoffShorterThanWindowKeeps", 30 * day, 10 * day, true, false, 1},
		{"CutoffShorterThanWindowOutside", 100 * day, 10 * day, false, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := openTest(t, Options{})
			sendFile(t, s, "A", "payables", "sha-1", "MSG-1")
			finish(t, s, "A", Completed)
			seeAll(t, s)
			clock.Advance(tt.age)
			now := clock.Now()

			st, err := s.Prune(context.Background(), PruneOptions{
				Before:           now.Add(-tt.cutoff),
				KeepIndexedSince: func(string) time.Time { return now.Add(-window) },
			})
			require.NoError(t, err)
			assert.Equal(t, tt.wantKept, st.Kept)
			_, err = s.Get("A")
			if tt.wantGone {
				require.ErrorIs(t, err, ErrNotFound)
				assert.Equal(t, 1, st.Files)
			} else {
				require.NoError(t, err)
				assert.Zero(t, st.Files)
			}
			// The re-drop, same bytes and same MsgId, checked as inbound
			// does: against the window.
			for _, q := range []struct{ sha, msgID string }{{"sha-1", ""}, {"other", "MSG-1"}} {
				dup, err := s.FindDuplicate("payables", q.sha, q.msgID, now.Add(-window), "B")
				if tt.wantDup {
					require.NoError(t, err, q)
					assert.Equal(t, "A", dup.ID)
				} else {
					require.ErrorIs(t, err, ErrNotFound, q)
				}
			}
		})
	}
}

// TestPrune_CountsStayConsistent prunes a mixed journal and checks that
// the kept counts, the state index, List and Check agree afterwards, and
// that files the outbox still owes something, or that are not finished,
// stay whatever their age.
func TestPrune_CountsStayConsistent(t *testing.T) {
	s, clock := openTest(t, Options{})
	// Old files: finished in each final state, one still submitted.
	for i, st := range []State{Completed, Failed, Rejected, Completed, Failed, Rejected} {
		id := fmt.Sprintf("old-%d", i)
		route := []string{"payables", "sepa"}[i%2]
		if st == Rejected {
			f := newFile(id, route)
			require.NoError(t, s.Create(f, "claimed"))
			finish(t, s, id, Rejected)
			continue
		}
		sendFile(t, s, id, route, "sha-"+id, "")
		finish(t, s, id, st)
		require.NoError(t, s.PutDelivery(&Delivery{Key: "file/" + id + "/0/ack", Path: "outbox/results/" + id + ".ack.xml", Done: true}))
	}
	sendFile(t, s, "old-inflight", "payables", "sha-inflight", "")
	sendFile(t, s, "old-pending", "payables", "sha-pending", "")
	finish(t, s, "old-pending", Completed)
	seeAll(t, s)
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/old-pending/0/result.csv", Path: "outbox/results/p.csv"}))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "report/R1", Path: "outbox/statements/r.xml", Done: true}))
	sendFile(t, s, "old-unseen", "sepa", "sha-unseen", "")
	finish(t, s, "old-unseen", Failed) // its change mark is not seen yet

	clock.Advance(500 * day)
	for i := range 3 {
		id := fmt.Sprintf("new-%d", i)
		sendFile(t, s, id, "payables", "sha-"+id, "")
		finish(t, s, id, Completed)
	}
	// The outbox writer has seen everything but old-unseen's last write.
	ch, err := s.Changed("", 1000)
	require.NoError(t, err)
	ch = slices.DeleteFunc(ch, func(c Change) bool { return c.ID == "old-unseen" })
	require.NoError(t, s.Seen(ch))
	clock.Advance(time.Hour)

	st, err := s.Prune(context.Background(), PruneOptions{Before: clock.Now().Add(-400 * day), BatchSize: 2})
	require.NoError(t, err)
	assert.Equal(t, PruneStats{Files: 6, Deliveries: 4, Kept: 2, Scanned: 11}, st)

	all, err := s.List(Filter{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"old-inflight", "old-pending", "old-unseen", "new-0", "new-1", "new-2"}, ids(all))
	counts, err := s.Counts()
	require.NoError(t, err)
	total := 0
	for route, byState := range counts {
		for st, n := range byState {
			listed, err := s.List(Filter{Route: route, States: []State{st}})
			require.NoError(t, err)
			assert.Len(t, listed, n, "%s %s", route, st)
			total += n
		}
	}
	assert.Equal(t, len(all), total)
	assert.Equal(t, map[string]map[State]int{"payables": {Submitting: 1, Completed: 4}, "sepa": {Failed: 1}}, counts)
	left, err := s.Deliveries("file/")
	require.NoError(t, err)
	assert.Equal(t, []string{"file/old-pending/0/result.csv"}, keys(left))
	_, err = s.GetDelivery("report/R1")
	require.NoError(t, err, "report deliveries are not a file's: they stay")
	// The SFTP outbox index forgets the pruned deliveries' paths.
	routes, err := s.OutboxRoutes([]string{"outbox/results/old-0.ack.xml", "outbox/results/p.csv"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"outbox/results/p.csv": "payables"}, routes)
	problems, err := s.Check()
	require.NoError(t, err)
	assert.Empty(t, problems)

	// Nothing left to prune: a second run removes nothing.
	st, err = s.Prune(context.Background(), PruneOptions{Before: clock.Now().Add(-400 * day)})
	require.NoError(t, err)
	assert.Zero(t, st.Files)
}

// TestPrune_SmallTransactions: a prune of many records commits in many
// small transactions, and writers run between them.
func TestPrune_SmallTransactions(t *testing.T) {
	var prunes int
	s, clock := openTest(t, Options{AfterCommit: func(op string, _ *File) error {
		if op == "prune" {
			prunes++
		}
		return nil
	}})
	for i := range 25 {
		id := fmt.Sprintf("F%03d", i)
		require.NoError(t, s.Create(newFile(id, "payables"), "claimed"))
		finish(t, s, id, Rejected)
	}
	seeAll(t, s)
	clock.Advance(401 * day)
	st, err := s.Prune(context.Background(), PruneOptions{Before: clock.Now().Add(-400 * day), BatchSize: 10})
	require.NoError(t, err)
	assert.Equal(t, 25, st.Files)
	assert.Equal(t, 3, prunes, "25 records in batches of 10")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Prune(ctx, PruneOptions{Before: clock.Now()})
	require.ErrorIs(t, err, context.Canceled)
}

func TestCompact_ShrinksAndKeepsEveryRecord(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	loadFiles(t, s, 20_000)
	require.NoError(t, s.PutDelivery(&Delivery{Key: "report/R1", Path: "outbox/statements/r.xml", Done: true}))
	require.NoError(t, s.SetMeta("k", "v"))
	seeAll(t, s)
	// loadFiles leaves UpdatedAt zero: every finished file is old.
	st, err := s.Prune(context.Background(), PruneOptions{Before: time.Now()})
	require.NoError(t, err)
	require.Greater(t, st.Files, 10_000)
	before, err := s.List(Filter{})
	require.NoError(t, err)
	counts, err := s.Counts()
	require.NoError(t, err)

	// While the journal is open, compaction refuses.
	_, err = Compact(path, 50*time.Millisecond)
	require.ErrorIs(t, err, ErrLocked)
	require.NoError(t, s.Close(context.Background()))

	cs, err := Compact(path, time.Second)
	require.NoError(t, err)
	t.Logf("compact: %d → %d bytes, %d records", cs.Before, cs.After, cs.Records)
	assert.Less(t, cs.After, cs.Before/2, "most records were pruned")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, cs.After, fi.Size())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasSuffix(e.Name(), ".bak") || strings.HasSuffix(e.Name(), ".compact"), e.Name())
	}

	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close(context.Background())
	after, err := s.List(Filter{})
	require.NoError(t, err)
	assert.Equal(t, mustJSON(t, before), mustJSON(t, after), "every record kept, byte for byte as JSON")
	countsAfter, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, counts, countsAfter)
	v, ok, err := s.GetMeta("k")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "v", v)
	_, err = s.GetDelivery("report/R1")
	require.NoError(t, err)
	problems, err := s.Check()
	require.NoError(t, err)
	assert.Empty(t, problems)
}

// TestCompact_RefusesOverALeftBackup: a .bak left by a compaction that
// could not finish may be the only original; compaction does not
// overwrite it.
func TestCompact_RefusesOverALeftBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Create(newFile("A", "payables"), ""))
	require.NoError(t, s.Close(context.Background()))
	require.NoError(t, os.WriteFile(path+".bak", []byte("original"), 0o600))

	_, err = Compact(path, time.Second)
	require.ErrorContains(t, err, "bridge.db.bak exists")
	data, err := os.ReadFile(path + ".bak")
	require.NoError(t, err)
	assert.Equal(t, "original", string(data))
	_, err = os.Stat(path + ".compact")
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestPrune_StopsAtYoungIDs: ids made by NewID sort by arrival, so the
// walk of a state's index ends at the first id younger than the cutoff:
// the hourly run does not read a year of young files.
func TestPrune_StopsAtYoungIDs(t *testing.T) {
	// NewID never goes back in time within a process: start after every
	// id other tests made (with the real clock) so that ours carry our
	// clock's time.
	clock := clockwork.NewFakeClockAt(time.Now().Add(1000 * day))
	s, _ := openTest(t, Options{Clock: clock})
	create := func(n int) {
		for range n {
			f := newFile(NewID(clock.Now()), "payables")
			require.NoError(t, s.Create(f, "claimed"))
			finish(t, s, f.ID, Rejected)
		}
	}
	create(5)
	clock.Advance(401 * day)
	create(50)
	seeAll(t, s)
	st, err := s.Prune(context.Background(), PruneOptions{Before: clock.Now().Add(-400 * day)})
	require.NoError(t, err)
	assert.Equal(t, 5, st.Files)
	assert.Equal(t, 5, st.Scanned, "the young ids were not read")
	all, err := s.List(Filter{})
	require.NoError(t, err)
	assert.Len(t, all, 50)
}
