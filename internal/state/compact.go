package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// bbolt never gives pages back to the file system: a journal that held a
// million records keeps its size after Prune removed them, the free pages
// only being reused. Compact rewrites the live records into a fresh file.

// compactTxSize is how many bytes bbolt.Compact copies per transaction of
// the new file; it bounds the memory compaction takes.
const compactTxSize = 64 << 20

// CompactStats is what Compact did.
type CompactStats struct {
	Before, After int64 // file sizes in bytes
	Records       int   // keys copied, all buckets
}

// Compact rewrites the journal at path into a fresh file holding the same
// records, and replaces path with it. It needs the journal's lock, so it
// fails with an error matching ErrLocked (after timeout) while a bridge
// runs: compaction is an offline job.
//
// The copy is written beside the journal (path + ".compact"), checked to
// hold exactly the records of the original and to open as a journal, then
// put in place; the original stays as path + ".bak" until the journal in
// place is checked again, and is put back if that check fails.
func Compact(path string, timeout time.Duration) (CompactStats, error) {
	var st CompactStats
	if timeout <= 0 {
		timeout = time.Second
	}
	fi, err := os.Stat(path)
	if err != nil {
		return st, fmt.Errorf("compact journal: %w", err)
	}
	st.Before = fi.Size()
	bak := path + ".bak"
	if _, err := os.Stat(bak); err == nil {
		// Left by a compaction that could not finish: it may be the only
		// copy of the original. An operator decides, not this.
		return st, fmt.Errorf("compact journal: %s exists (left by an earlier compaction?): restore it or remove it first", bak)
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return st, fmt.Errorf("compact journal: %w", &lockedError{path: path, wait: timeout})
	}
	if err != nil {
		return st, fmt.Errorf("compact journal: open %s: %w", path, err)
	}
	srcOpen := true
	defer func() {
		if srcOpen {
			_ = src.Close()
		}
	}()
	want, err := keyCounts(src)
	if err != nil {
		return st, fmt.Errorf("compact journal: count records of %s: %w", path, err)
	}

	temp := path + ".compact"
	// A copy left by an interrupted compaction is of no use: start anew.
	if err := os.Remove(temp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return st, fmt.Errorf("compact journal: remove stale %s: %w", temp, err)
	}
	dst, err := bolt.Open(temp, fi.Mode().Perm(), &bolt.Options{Timeout: timeout})
	if err != nil {
		return st, fmt.Errorf("compact journal: create %s: %w", temp, err)
	}
	err = bolt.Compact(dst, src, compactTxSize)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(temp)
		return st, fmt.Errorf("compact journal into %s: %w", temp, err)
	}
	if err := verifyCopy(temp, want); err != nil {
		_ = os.Remove(temp)
		return st, fmt.Errorf("compact journal: the copy %s is not right, the journal is unchanged: %w", temp, err)
	}
	for _, n := range want {
		st.Records += n
	}

	// Release the lock before the renames: Windows renames no open file.
	srcOpen = false
	if err := src.Close(); err != nil {
		_ = os.Remove(temp)
		return st, fmt.Errorf("compact journal: close %s: %w", path, err)
	}
	if err := os.Rename(path, bak); err != nil {
		_ = os.Remove(temp)
		return st, fmt.Errorf("compact journal: keep the original as %s: %w", bak, err)
	}
	if err := atomicfile.Commit(temp, path); err != nil {
		if rerr := os.Rename(bak, path); rerr != nil {
			return st, fmt.Errorf("compact journal: put the copy in place: %w; and putting the original back failed too, it is at %s: %w", err, bak, rerr)
		}
		return st, fmt.Errorf("compact journal: put the copy in place: %w (the original is back)", err)
	}
	if err := verifyCopy(path, want); err != nil {
		if rerr := atomicfile.Commit(bak, path); rerr != nil {
			return st, fmt.Errorf("compact journal: the journal in place does not check: %w; the original is at %s: %w", err, bak, rerr)
		}
		return st, fmt.Errorf("compact journal: the journal in place does not check (the original is back): %w", err)
	}
	if err := os.Remove(bak); err != nil {
		return st, fmt.Errorf("compact journal: done, but the original %s stays: %w", bak, err)
	}
	if fi, err := os.Stat(path); err == nil {
		st.After = fi.Size()
	}
	return st, nil
}

// keyCounts returns how many keys each top-level bucket holds.
func keyCounts(db *bolt.DB) (map[string]int, error) {
	counts := map[string]int{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			counts[string(name)] = b.Stats().KeyN
			return nil
		})
	})
	return counts, err
}

// verifyCopy opens path as a journal (read-only, so nothing is created or
// migrated) and checks it holds want's key counts, bucket by bucket.
func verifyCopy(path string, want map[string]int) error {
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer s.Close(context.Background())
	got, err := keyCounts(s.db)
	if err != nil {
		return err
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d buckets, the original has %d", len(got), len(want))
	}
	for name, n := range want {
		if got[name] != n {
			return fmt.Errorf("bucket %s holds %d keys, the original %d", name, got[name], n)
		}
	}
	return nil
}
