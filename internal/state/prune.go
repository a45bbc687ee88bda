package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/oklog/ulid/v2"
	bolt "go.etcd.io/bbolt"
)

// Journal lifecycle. Without pruning every file record stays forever and the
// journal grows by every file the ERP ever dropped. Prune removes the records
// of finished files (completed, failed, rejected) last written before a
// cutoff, with everything derived from them: state index entry and count,
// change mark, duplicate index entries and the file's outbox deliveries.
//
// It works in small transactions: candidates are found in a read
// transaction (writers go on meanwhile) and removed in a write transaction
// of at most BatchSize records, which re-checks each candidate, so that the
// pipeline's writes never wait behind a long one.

// DefaultPruneBatch is how many records one prune transaction removes.
const DefaultPruneBatch = 500

// PruneOptions say what Prune removes.
type PruneOptions struct {
	// Before: finished files last written (UpdatedAt) before it are pruned.
	Before time.Time
	// KeepIndexedSince, if set, returns per route the start of its
	// duplicate window: a file with a duplicate index entry at or after it
	// is kept, whatever Before says, so that pruning never lets a resend
	// through that the window would have stopped. The config keeps the
	// retention longer than every window, so this is a second guard.
	KeepIndexedSince func(route string) time.Time
	// BatchSize caps the records removed per transaction; default
	// DefaultPruneBatch.
	BatchSize int
}

// PruneStats is what Prune did.
type PruneStats struct {
	Files      int // file records removed
	Deliveries int // delivery records removed with them
	Kept       int // old finished files kept: pending delivery, unseen change or inside a duplicate window
	Scanned    int // state index entries read
}

// Prune removes the records of finished files older than o.Before, in
// transactions of at most o.BatchSize records, yielding between them. It
// stops early, with what it did so far and ctx's error, when ctx ends.
//
// A file is kept when the outbox still owes it something (a pending
// delivery, or a change mark the outbox writer has not seen yet), or when
// one of its duplicate index entries is inside its route's window.
func (s *Store) Prune(ctx context.Context, o PruneOptions) (PruneStats, error) {
	var st PruneStats
	if o.Before.IsZero() {
		return st, errors.New("prune journal: no cutoff")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultPruneBatch
	}
	// Each state's index is walked once, in id order: cursor remembers
	// where the last batch ended.
	for _, fin := range []State{Completed, Failed, Rejected} {
		cursor := ""
		for {
			if err := ctx.Err(); err != nil {
				return st, fmt.Errorf("prune journal: %w", err)
			}
			ids, next, kept, scanned, err := s.pruneCandidates(fin, cursor, o)
			if err != nil {
				return st, fmt.Errorf("prune journal: %w", err)
			}
			st.Kept += kept
			st.Scanned += scanned
			if len(ids) > 0 {
				files, deliveries, err := s.pruneBatch(ids, o)
				if err != nil {
					return st, fmt.Errorf("prune journal: %w", err)
				}
				st.Files += files
				st.Deliveries += deliveries
			}
			if next == "" {
				break
			}
			cursor = next
			// Let the pipeline's goroutines (and their commits) in
			// between batches.
			runtime.Gosched()
		}
	}
	return st, nil
}

// pruneHead is the part of a file record Prune looks at; decoding only it
// keeps the scan cheap on files with thousands of payments.
type pruneHead struct {
	Route     string    `json:"route"`
	State     State     `json:"state"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// pruneCandidates reads, in a read transaction, up to o.BatchSize ids in
// state fin after cursor that may be pruned. next is the cursor for the
// following call ("" when the state's index is exhausted); kept counts old
// files skipped because they must stay.
//
// Ids made by NewID start with their arrival time and sort by it: the
// first id of a time at or after o.Before ends the walk, as neither it nor
// any after it can have been last written before o.Before. So the hourly
// run reads only the old part of the index, not a year of young files.
// (An id stamped later than its arrival, after a clock step back, only
// delays its pruning.)
func (s *Store) pruneCandidates(fin State, cursor string, o PruneOptions) (ids []string, next string, kept, scanned int, err error) {
	// Scan at most this many index entries per read transaction, so that a
	// journal of young files does not pin one read transaction for long.
	scanCap := o.BatchSize * 20
	err = s.db.View(func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketStates)
		if err != nil {
			return err
		}
		prefix := []byte(string(fin) + "\x00")
		c := idx.Cursor()
		k, _ := c.Seek(append(bytes.Clone(prefix), cursor...))
		if k != nil && cursor != "" && string(k[len(prefix):]) == cursor {
			k, _ = c.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id := string(k[len(prefix):])
			if u, err := ulid.ParseStrict(id); err == nil && !ulid.Time(u.Time()).Before(o.Before) {
				return nil
			}
			ok, _, err := prunable(tx, id, o)
			if err != nil {
				return err
			}
			switch ok {
			case pruneYes:
				ids = append(ids, id)
			case pruneKeep:
				kept++
			}
			scanned++
			if len(ids) == o.BatchSize || scanned == scanCap {
				next = id
				return nil
			}
		}
		return nil
	})
	return ids, next, kept, scanned, err
}

type pruneVerdict int

const (
	pruneNo   pruneVerdict = iota // not old enough or not finished
	pruneYes                      // may go
	pruneKeep                     // old and finished, but something still needs it
)

// prunable decides for one file inside tx; it also returns the file's
// state, so that removing it needs no full decode.
func prunable(tx *bolt.Tx, id string, o PruneOptions) (pruneVerdict, State, error) {
	v := tx.Bucket(bucketFiles).Get([]byte(id))
	if v == nil {
		return pruneNo, "", nil
	}
	var h pruneHead
	if err := json.Unmarshal(v, &h); err != nil {
		return pruneNo, "", fmt.Errorf("decode file %s: %w", id, err)
	}
	if !h.State.Final() || !h.UpdatedAt.Before(o.Before) {
		return pruneNo, h.State, nil
	}
	if changed := tx.Bucket(bucketChanged); changed != nil && changed.Get([]byte(id)) != nil {
		return pruneKeep, h.State, nil // the outbox writer has not looked at its last write
	}
	pending := tx.Bucket(bucketPending)
	prefix := []byte("file/" + id + "/")
	if k, _ := pending.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return pruneKeep, h.State, nil
	}
	if o.KeepIndexedSince != nil {
		since := o.KeepIndexedSince(h.Route)
		keys, err := fileIndexKeys(tx.Bucket(bucketByFile), id)
		if err != nil {
			return pruneNo, h.State, err
		}
		dedupe := tx.Bucket(bucketDedupe)
		for _, k := range keys {
			var e indexEntry
			if v := dedupe.Get(k); v != nil && json.Unmarshal(v, &e) == nil && !e.At.Before(since) {
				return pruneKeep, h.State, nil
			}
		}
	}
	return pruneYes, h.State, nil
}

// pruneBatch removes the given files in one write transaction, re-checking
// each: a file written since it was picked is left for the next run.
func (s *Store) pruneBatch(ids []string, o PruneOptions) (files, deliveries int, err error) {
	_, committed, err := s.write("prune", func(tx *bolt.Tx) (*File, error) {
		files, deliveries = 0, 0 // from an earlier run of this write
		for _, id := range ids {
			ok, st, err := prunable(tx, id, o)
			if err != nil {
				return nil, err
			}
			if ok != pruneYes {
				continue
			}
			if err := dropFile(tx, id, st); err != nil {
				return nil, err
			}
			n, err := dropDeliveries(tx, "file/"+id+"/")
			if err != nil {
				return nil, err
			}
			files++
			deliveries += n
		}
		return nil, nil
	})
	if !committed {
		return 0, 0, err
	}
	return files, deliveries, err
}

// dropFile removes a file's record and everything derived from it: state
// index entry and count, change mark, duplicate index entries.
func dropFile(tx *bolt.Tx, id string, st State) error {
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return err
	}
	if err := files.Delete([]byte(id)); err != nil {
		return err
	}
	if err := dropRows(tx, id); err != nil {
		return err
	}
	if err := unindexState(tx, id, st); err != nil {
		return err
	}
	if err := unindexState(tx, id, CompletedWithFailures); err != nil {
		return err
	}
	changed, err := bucket(tx, bucketChanged)
	if err != nil {
		return err
	}
	if err := changed.Delete([]byte(id)); err != nil {
		return err
	}
	dedupe, err := bucket(tx, bucketDedupe)
	if err != nil {
		return err
	}
	byFile, err := bucket(tx, bucketByFile)
	if err != nil {
		return err
	}
	keys, err := fileIndexKeys(byFile, id)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := dedupe.Delete(k); err != nil {
			return err
		}
	}
	return byFile.Delete([]byte(id))
}

// dropDeliveries removes the delivery records (and pending marks) under
// prefix and returns how many went.
func dropDeliveries(tx *bolt.Tx, prefix string) (int, error) {
	deliveries, err := bucket(tx, bucketDeliveries)
	if err != nil {
		return 0, err
	}
	pending, err := bucket(tx, bucketPending)
	if err != nil {
		return 0, err
	}
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return 0, err
	}
	p := []byte(prefix)
	n := 0
	c := deliveries.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Seek(p) {
		// The outbox index entry of the delivery's path, unless a later
		// delivery to that path owns it now.
		if d, err := decodeDelivery(k, v); err == nil && d.Path != "" {
			if e := outbox.Get([]byte(d.Path)); e != nil && bytes.HasSuffix(e, append([]byte{0}, k...)) {
				if err := outbox.Delete([]byte(d.Path)); err != nil {
					return n, err
				}
			}
		}
		// A copy: k points into the page the deletes below may change.
		if err := pending.Delete(bytes.Clone(k)); err != nil {
			return n, err
		}
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
