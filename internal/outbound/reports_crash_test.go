package outbound

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errCrashed = errors.New("crashed")

// crashingJournal is the real journal until its n-th write has committed;
// from then on every write fails, as if the process had died right after
// that write: nothing it would have journaled afterwards is recorded.
// (File operations up to the next journal write still happen; they are
// the same as a crash a little later, whose journal writes were lost.)
type crashingJournal struct {
	*state.Store
	left int
}

func (c *crashingJournal) write(fn func() error) error {
	if c.left <= 0 {
		return errCrashed
	}
	if err := fn(); err != nil {
		return err
	}
	c.left--
	return nil
}

func (c *crashingJournal) PutDelivery(d *state.Delivery) error {
	return c.write(func() error { return c.Store.PutDelivery(d) })
}

func (c *crashingJournal) SetMeta(k, v string) error {
	return c.write(func() error { return c.Store.SetMeta(k, v) })
}

// TestReports_CrashAtEveryJournalWrite stops the reports engine after
// each of its journal writes in turn, restarts it on the same journal
// and folders, and checks that every report is then delivered exactly
// once under its own name, with statement numbers 1, 2 per account and
// no number skipped or reused, and no temp file left behind.
func TestReports_CrashAtEveryJournalWrite(t *testing.T) {
	// One numbered report is enough: every format goes through the same
	// numbering and delivery, and each crash point costs a fresh world.
	reports := []Report{allReports[0]}
	seqName := regexp.MustCompile(`^(.+)_(\d{4}-\d\d-\d\d)_(\d{5})\.(sta|bai2)$`)
	for n := 1; ; n++ {
		w := newReportsWorld(t, 2)
		ob := w.outbound(t, w.api, reports)
		ob.o.Statements.Enabled = false
		cj := &crashingJournal{Store: w.store, left: n}
		ob.j = cj
		err := ob.PollStatements(t.Context())
		crashed := cj.left <= 0 && err != nil
		if !crashed {
			require.NoError(t, err)
		}

		restarted := w.outbound(t, w.api, reports)
		restarted.o.Statements.Enabled = false
		require.NoError(t, restarted.PollStatements(t.Context()), "crash after write %d", n)

		for _, rep := range reports {
			dir := w.lay.Abs("outbox/" + rep.Name)
			names := files(t, dir)
			require.Len(t, names, 6, "crash after write %d: %s: %v", n, rep.Name, names)
			seqs := map[string][]string{}
			for _, name := range names {
				require.False(t, atomicfile.IsTemp(name), "crash after write %d: temp file %s left", n, name)
				m := seqName.FindStringSubmatch(name)
				require.NotNil(t, m, "crash after write %d: %s: unexpected name %s", n, rep.Name, name)
				seqs[m[1]] = append(seqs[m[1]], m[2]+"/"+m[3])
				data, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				assert.Contains(t, string(data), ":28C:"+m[3]+"/001\r\n", "crash after write %d: %s", n, name)
			}
			require.Len(t, seqs, 3, "crash after write %d: %s", n, rep.Name)
			for acct, s := range seqs {
				slices.Sort(s)
				require.Equal(t, []string{"00001", "00002"}, []string{s[0][11:], s[1][11:]},
					"crash after write %d: %s %s: numbers in date order, none skipped: %v", n, rep.Name, acct, s)
			}
		}
		if !crashed {
			t.Logf("%d crash points, each restarted to exactly-once delivery", n-1)
			return
		}
	}
}
