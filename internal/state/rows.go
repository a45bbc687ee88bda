package state

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Rows names the rows of a file that an UpdateRows step reads and may
// change, by index into File.Payments and File.Batches.
type Rows struct {
	Payments []int
	Batches  []int
}

// UpdateRows is Update for the hot paths (a batch's first try or Atlar id,
// a poll's statuses): the caller names the rows it touches, and the step
// costs the same on a file of one payment as on one of 100k (issue 13.1).
// fn gets the file's header — f.Payments and f.Batches nil, f.Listed
// holding the counts — and the named rows, in the order named, to change
// in place; it must not set f.Payments or f.Batches. Only the header and
// the named rows that changed are written.
//
// Everything else is as for Update: UpdatedAt and the Step, fn's error
// returned as is, fn running inside the write transaction and perhaps
// more than once (it must change only what it is given). It fails with
// ErrNotFound when the file or a named row does not exist, and refuses to
// enter a sent state from another one (that indexes all of the file's
// payments for FindDuplicate: use Update). The returned File is the
// header as written, without payments and batches.
func (s *Store) UpdateRows(id, note string, rows Rows, fn func(f *File, pays []*Payment, batches []*Batch) error) (*File, error) {
	op := "update"
	if note != "" {
		op = "update:" + note
	}
	var fnErr error
	var patch rowPatch
	f, committed, err := s.write(op, func(tx *bolt.Tx) (*File, error) {
		fnErr, patch = nil, rowPatch{} // from an earlier run of this write
		f, p, err := updateRows(tx, id, note, rows, fn, s.now)
		patch = p
		if err != nil {
			if p.fnErr {
				fnErr = err
			}
			return nil, err
		}
		if s.afterCommit != nil {
			// Tests' crash hooks look at the whole file as committed;
			// the caller still gets the header (below).
			return getFile(tx, id)
		}
		return f, nil
	})
	if f != nil && f.Listed == nil {
		f.Listed = &Listing{Payments: len(f.Payments), Failed: f.PaymentsFailed()}
		f.Payments, f.Batches = nil, nil
	}
	switch {
	case fnErr != nil:
		return nil, fnErr
	case !committed:
		return nil, fmt.Errorf("update file %s: %w", id, err)
	}
	s.cache.patch(id, patch)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// rowPatch is what an UpdateRows wrote: the rows it changed, from rev
// from to rev to, for the row cache.
type rowPatch struct {
	fnErr    bool
	from, to uint64
	payments map[int]Payment
	batches  map[int]Batch
}

func updateRows(tx *bolt.Tx, id, note string, rows Rows, fn func(*File, []*Payment, []*Batch) error, now func() time.Time) (*File, rowPatch, error) {
	var patch rowPatch
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return nil, patch, err
	}
	v := files.Get([]byte(id))
	if v == nil {
		return nil, patch, ErrNotFound
	}
	h, err := decodeHeader([]byte(id), v)
	if err != nil {
		return nil, patch, err
	}
	if h.inline() {
		// Only a read-only open leaves schema 1 records, and it cannot
		// write.
		return nil, patch, fmt.Errorf("file %s is still a schema 1 record", id)
	}
	patch.from = h.Rev
	pays, err := readNamed[Payment](tx, bucketPayments, id, rows.Payments, h.NPayments, "payment")
	if err != nil {
		return nil, patch, err
	}
	batches, err := readNamed[Batch](tx, bucketBatches, id, rows.Batches, h.NBatches, "batch")
	if err != nil {
		return nil, patch, err
	}
	f := &h.File
	f.Payments, f.Batches = nil, nil
	f.Listed = &Listing{Payments: h.NPayments, Failed: h.NFailed}
	old := f.State
	wasFailed := failedOf(pays)
	if err := fn(f, ptrs(pays), ptrs(batches)); err != nil {
		patch.fnErr = true
		return nil, patch, err
	}
	switch {
	case f.ID != id:
		return nil, patch, fmt.Errorf("id changed to %q", f.ID)
	case f.Payments != nil || f.Batches != nil:
		return nil, patch, fmt.Errorf("UpdateRows of %s set whole payments or batches: use Update", id)
	case !knownState(f.State):
		return nil, patch, fmt.Errorf("unknown state %q", f.State)
	case sent(f.State) && !sent(old):
		return nil, patch, fmt.Errorf("UpdateRows of %s cannot enter %s from %s: use Update", id, f.State, old)
	}
	f.Listed = &Listing{Payments: h.NPayments, Failed: h.NFailed - wasFailed + failedOf(pays)}
	at := now()
	f.UpdatedAt = at
	if note != "" || f.State != old {
		f.Steps = append(f.Steps, Step{At: at, State: f.State, Note: note})
	}

	if patch.to, err = files.NextSequence(); err != nil {
		return nil, patch, err
	}
	nh := header{File: *f, Rev: patch.to, NPayments: h.NPayments, NBatches: h.NBatches, NFailed: f.Listed.Failed}
	nh.Listed = nil
	data, err := json.Marshal(&nh)
	if err != nil {
		return nil, patch, fmt.Errorf("encode file: %w", err)
	}
	if err := files.Put([]byte(id), data); err != nil {
		return nil, patch, err
	}
	if patch.payments, err = putNamed(tx, bucketPayments, id, rows.Payments, pays.rows, pays.was); err != nil {
		return nil, patch, err
	}
	if patch.batches, err = putNamed(tx, bucketBatches, id, rows.Batches, batches.rows, batches.was); err != nil {
		return nil, patch, err
	}
	if err := markChanged(tx, id); err != nil {
		return nil, patch, err
	}
	if err := indexState(tx, id, f.Route, old, f.State); err != nil {
		return nil, patch, err
	}
	return f, patch, indexOutcome(tx, f)
}

// named is the rows an UpdateRows reads: what they were, and the copies
// fn changes.
type named[T any] struct {
	was, rows []T
}

func ptrs[T any](n named[T]) []*T {
	out := make([]*T, len(n.rows))
	for i := range n.rows {
		out[i] = &n.rows[i]
	}
	return out
}

func failedOf(n named[Payment]) int {
	return (&File{Payments: n.rows}).PaymentsFailed()
}

// readNamed decodes the rows idx of name/<id>, a bucket of n rows.
func readNamed[T any](tx *bolt.Tx, name []byte, id string, idx []int, n int, what string) (named[T], error) {
	var out named[T]
	if len(idx) == 0 {
		return out, nil
	}
	var b *bolt.Bucket
	if parent := tx.Bucket(name); parent != nil {
		b = parent.Bucket([]byte(id))
	}
	seen := make(map[int]bool, len(idx))
	out.was = make([]T, len(idx))
	for j, i := range idx {
		if i < 0 || i >= n {
			return out, fmt.Errorf("%s %d of %s (it has %d): %w", what, i, id, n, ErrNotFound)
		}
		if seen[i] {
			return out, fmt.Errorf("%s %d of %s named twice", what, i, id)
		}
		seen[i] = true
		var v []byte
		if b != nil {
			v = b.Get(rowKey(i))
		}
		if v == nil {
			return out, fmt.Errorf("decode file %s: %s %d is missing", id, what, i)
		}
		if err := json.Unmarshal(v, &out.was[j]); err != nil {
			return out, fmt.Errorf("decode file %s: %s %d: %w", id, what, i, err)
		}
	}
	out.rows = make([]T, len(idx))
	copy(out.rows, out.was)
	return out, nil
}

// putNamed writes the rows of rows (indexes idx) that differ from was and
// returns them by index.
func putNamed[T comparable](tx *bolt.Tx, name []byte, id string, idx []int, rows, was []T) (map[int]T, error) {
	changed := map[int]T{}
	for j, i := range idx {
		if rows[j] == was[j] {
			continue
		}
		parent, err := bucket(tx, name)
		if err != nil {
			return nil, err
		}
		b := parent.Bucket([]byte(id))
		if b == nil {
			return nil, fmt.Errorf("%s of %s: %w", name, id, ErrNotFound)
		}
		data, err := json.Marshal(&rows[j])
		if err != nil {
			return nil, fmt.Errorf("encode %s %d of %s: %w", name, i, id, err)
		}
		if err := b.Put(rowKey(i), data); err != nil {
			return nil, err
		}
		changed[i] = rows[j]
	}
	return changed, nil
}

// patch moves a cached entry of file id from p.from to p.to with p's rows
// changed, if the cache holds the file at p.from. The rows are kept as an
// overlay on the entry's slices, which stay unmodified: a patch costs what
// it changed, not what the file holds; get folds the overlay in.
func (c *rowCache) patch(id string, p rowPatch) {
	if c == nil || p.to == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.rev != p.from {
		return
	}
	e.rev = p.to
	// The overlay maps are only ever read under c.mu: they may be
	// changed in place.
	for i, p := range p.payments {
		if e.payOver == nil {
			e.payOver = map[int]Payment{}
		}
		e.payOver[i] = p
	}
	for i, b := range p.batches {
		if e.batOver == nil {
			e.batOver = map[int]Batch{}
		}
		e.batOver[i] = b
	}
	if len(e.payOver) > len(e.payments)/2+1024 {
		// Patched far more than read: folding would cost more than a
		// fresh read.
		c.rows -= len(e.payments)
		delete(c.entries, id)
		return
	}
	c.entries[id] = e
}
