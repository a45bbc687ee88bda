package state

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// A file's record is split the way bbolt's documentation advises (small
// values, nested buckets), so that a step writes what it changed and not
// the whole file (issue 13.1: one update of a 100k-payment file used to
// re-encode all of it, ~0.2-0.4 s, with every other writer waiting):
//
//	files/<id>                   → header: the File without Payments and
//	                               Batches, plus rev and their counts
//	payments/<id>/<uint32 index> → one Payment, JSON
//	batches/<id>/<uint32 index>  → one Batch, JSON
//
// Indexes are fixed-width big-endian, so that key order is row order.
// Journals of schema 1 held the whole File in files/<id>; such a record
// ("inline") still reads (a read-only open of an old journal, or one whose
// migration was interrupted), and a writable Open rewrites every one of
// them first (migrate.go).

var (
	bucketPayments = []byte("payments") // id → bucket of index → Payment JSON
	bucketBatches  = []byte("batches")  // id → bucket of index → Batch JSON
)

// header is what files/<id> holds in schema 2. Rev is unique to each write
// of the record (a journal-wide sequence): a cached copy of the payments
// is the record's if and only if it was taken at the same rev.
type header struct {
	File
	Rev       uint64 `json:"rev,omitempty"`
	NPayments int    `json:"nPayments"`
	NBatches  int    `json:"nBatches"`
	// NFailed is f.PaymentsFailed(), for listings that read headers only.
	NFailed int `json:"nFailed,omitempty"`
}

// decodeFile decodes a files bucket value: the header alone, or, for a
// record of schema 1, the whole file. json.Unmarshal copies what it keeps,
// so the result does not point into the transaction's memory.
func decodeFile(k, v []byte) (*File, error) {
	h, err := decodeHeader(k, v)
	if err != nil {
		return nil, err
	}
	return &h.File, nil
}

func decodeHeader(k, v []byte) (*header, error) {
	var h header
	if err := json.Unmarshal(v, &h); err != nil {
		return nil, fmt.Errorf("decode file %s: %w", k, err)
	}
	// Journals written before TooLarge said "too large" with an empty hash.
	if h.SHA256 == "" && !h.TooLarge {
		h.TooLarge = true
	}
	return &h, nil
}

// inline reports whether a header is a whole record of schema 1: it has no
// rev (every schema 2 write sets one).
func (h *header) inline() bool { return h.Rev == 0 }

func rowKey(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

// readRows decodes the values of the bucket name/<id>, in key order.
func readRows[T any](tx *bolt.Tx, name []byte, id string, n int) ([]T, error) {
	parent := tx.Bucket(name)
	if parent == nil {
		return nil, nil // a read-only open of a journal not yet migrated
	}
	b := parent.Bucket([]byte(id))
	if b == nil {
		if n > 0 {
			return nil, fmt.Errorf("decode file %s: its %s are missing (%d expected)", id, name, n)
		}
		return nil, nil
	}
	out := make([]T, 0, n)
	err := b.ForEach(func(k, v []byte) error {
		if len(k) != 4 || int(binary.BigEndian.Uint32(k)) != len(out) {
			return fmt.Errorf("decode file %s: %s key %x out of sequence (want %d)", id, name, k, len(out))
		}
		var t T
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("decode file %s: %s %d: %w", id, name, len(out), err)
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) != n {
		return nil, fmt.Errorf("decode file %s: %d %s, the header says %d", id, len(out), name, n)
	}
	return out, nil
}

// preImage is what a file's payments and batches were when read, for
// putFileDiff to write only what changed since. Its slices are never
// modified.
type preImage struct {
	rev      uint64
	inline   bool // a schema 1 record: write it whole
	payments []Payment
	batches  []Batch
}

// readFile completes a decoded header with its payments and batches, from
// c when it holds them at the header's rev. The File is the caller's; with
// a nil c the pre-image shares its slices.
func readFile(tx *bolt.Tx, h *header, c *rowCache) (*File, preImage, error) {
	f := &h.File
	if h.inline() {
		return f, preImage{inline: true}, nil
	}
	pre := preImage{rev: h.Rev}
	var ok bool
	if pre.payments, pre.batches, ok = c.get(f.ID, h.Rev); !ok {
		var err error
		if pre.payments, err = readRows[Payment](tx, bucketPayments, f.ID, h.NPayments); err != nil {
			return nil, pre, err
		}
		if pre.batches, err = readRows[Batch](tx, bucketBatches, f.ID, h.NBatches); err != nil {
			return nil, pre, err
		}
		if c == nil {
			f.Payments, f.Batches = pre.payments, pre.batches
			return f, pre, nil
		}
		if !tx.Writable() {
			// Only what is committed may be cached: a write
			// transaction may read its own uncommitted writes, and a
			// rolled-back rev is given out again.
			c.put(f.ID, h.Rev, pre.payments, pre.batches)
		}
	}
	// The cache keeps the pre-image: the caller gets its own copy.
	f.Payments, f.Batches = slices.Clone(pre.payments), slices.Clone(pre.batches)
	return f, pre, nil
}

// getFile reads the whole file with the given id; the result owns its
// memory.
func getFile(tx *bolt.Tx, id string) (*File, error) {
	f, _, err := loadFile(tx, id, nil)
	return f, err
}

// loadFile reads the whole file and its pre-image.
func loadFile(tx *bolt.Tx, id string, c *rowCache) (*File, preImage, error) {
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return nil, preImage{}, err
	}
	v := files.Get([]byte(id))
	if v == nil {
		return nil, preImage{}, ErrNotFound
	}
	h, err := decodeHeader([]byte(id), v)
	if err != nil {
		return nil, preImage{}, err
	}
	return readFile(tx, h, c)
}

// putFile writes the whole of f, replacing what the journal held for it,
// and moves its state index entry from old (empty for a new file) to
// f.State.
func putFile(tx *bolt.Tx, f *File, old State) error {
	_, err := putFileDiff(tx, f, old, preImage{inline: true})
	return err
}

// written is what writeRecord wrote.
type written struct {
	rev      uint64
	payments int // payments written or deleted
	batches  int // batches written or deleted
}

// putFileDiff writes f's header and, of its payments and batches, those
// that differ from the pre-image the caller read (all of them for an
// inline one), and moves f's state index entry from old to f.State. It
// returns the new rev.
func putFileDiff(tx *bolt.Tx, f *File, old State, pre preImage) (written, error) {
	w, err := writeRecord(tx, f, pre)
	if err != nil {
		return w, err
	}
	if err := markChanged(tx, f.ID); err != nil {
		return w, err
	}
	if err := indexState(tx, f.ID, f.Route, old, f.State); err != nil {
		return w, err
	}
	return w, indexOutcome(tx, f)
}

// writeRecord writes f's header and its payments and batches that differ
// from pre, and nothing else (no index, no change mark).
func writeRecord(tx *bolt.Tx, f *File, pre preImage) (written, error) {
	var w written
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return w, err
	}
	if w.rev, err = files.NextSequence(); err != nil {
		return w, err
	}
	h := header{File: *f, Rev: w.rev, NPayments: len(f.Payments), NBatches: len(f.Batches), NFailed: f.PaymentsFailed()}
	h.Payments, h.Batches, h.Listed = nil, nil, nil
	data, err := json.Marshal(&h)
	if err != nil {
		return w, fmt.Errorf("encode file: %w", err)
	}
	if err := files.Put([]byte(f.ID), data); err != nil {
		return w, err
	}
	if w.payments, err = putRows(tx, bucketPayments, f.ID, f.Payments, pre.payments, pre.inline); err != nil {
		return w, err
	}
	if w.batches, err = putRows(tx, bucketBatches, f.ID, f.Batches, pre.batches, pre.inline); err != nil {
		return w, err
	}
	return w, nil
}

// putRows writes the rows of rows that differ from was into name/<id> and
// deletes those past the end of rows; with whole it writes the bucket
// afresh. It returns how many rows it wrote or deleted.
func putRows[T comparable](tx *bolt.Tx, name []byte, id string, rows, was []T, whole bool) (int, error) {
	parent, err := bucket(tx, name)
	if err != nil {
		return 0, err
	}
	if whole {
		if parent.Bucket([]byte(id)) != nil {
			if err := parent.DeleteBucket([]byte(id)); err != nil {
				return 0, fmt.Errorf("drop %s of %s: %w", name, id, err)
			}
		}
		was = nil
	}
	if len(rows) == 0 && len(was) == 0 {
		if !whole && parent.Bucket([]byte(id)) != nil {
			return 0, parent.DeleteBucket([]byte(id))
		}
		return 0, nil
	}
	b, err := parent.CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return 0, fmt.Errorf("%s of %s: %w", name, id, err)
	}
	if whole {
		// Rows are appended in key order: full pages split less.
		b.FillPercent = 0.9
	}
	n := 0
	for i := range rows {
		if i < len(was) && rows[i] == was[i] {
			continue
		}
		n++
		data, err := json.Marshal(&rows[i])
		if err != nil {
			return 0, fmt.Errorf("encode %s %d of %s: %w", name, i, id, err)
		}
		if err := b.Put(rowKey(i), data); err != nil {
			return 0, err
		}
	}
	for i := len(rows); i < len(was); i++ {
		n++
		if err := b.Delete(rowKey(i)); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// dropRows removes a file's payments and batches.
func dropRows(tx *bolt.Tx, id string) error {
	for _, name := range [][]byte{bucketPayments, bucketBatches} {
		parent := tx.Bucket(name)
		if parent == nil || parent.Bucket([]byte(id)) == nil {
			continue
		}
		if err := parent.DeleteBucket([]byte(id)); err != nil {
			return fmt.Errorf("drop %s of %s: %w", name, id, err)
		}
	}
	return nil
}

// rowCache keeps the decoded payments and batches of recently written
// files, by the rev they were read or written at, so that a step on a file
// of 100k payments does not decode them all again: it copies them (a
// memmove) and compares them to find what changed. The slices it holds are
// never modified; callers get copies. A nil *rowCache caches nothing.
type rowCache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	order   []string // insertion order, for eviction (oldest first)
	rows    int      // payments held, all entries
	max     int
}

type cacheEntry struct {
	rev      uint64
	payments []Payment
	batches  []Batch
	// Rows changed by UpdateRows since payments and batches were
	// taken (rows.go), by index; folded in by get.
	payOver map[int]Payment
	batOver map[int]Batch
}

// cacheRows bounds the payments the cache holds: ~270 bytes each, so
// ~55 MB at most, and one file of 100k payments fits.
const cacheRows = 200_000

func newRowCache(max int) *rowCache {
	return &rowCache{entries: map[string]cacheEntry{}, max: max}
}

func (c *rowCache) get(id string, rev uint64) ([]Payment, []Batch, bool) {
	if c == nil {
		return nil, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.rev != rev {
		return nil, nil, false
	}
	if len(e.payOver) > 0 || len(e.batOver) > 0 {
		// Fold the overlay into fresh slices: the old ones may be held
		// by readers as their pre-image.
		e.payments, e.batches = overlay(e.payments, e.payOver), overlay(e.batches, e.batOver)
		e.payOver, e.batOver = nil, nil
		c.entries[id] = e
	}
	return e.payments, e.batches, true
}

// overlay is rows with the rows of over put in, a new slice if over has any.
func overlay[T any](rows []T, over map[int]T) []T {
	if len(over) == 0 {
		return rows
	}
	out := slices.Clone(rows)
	for i, r := range over {
		out[i] = r
	}
	return out
}

// put keeps payments and batches (not copied: the caller gives them up) as
// file id's at rev, unless a later rev is held already.
func (c *rowCache) put(id string, rev uint64, payments []Payment, batches []Batch) {
	if c == nil || rev == 0 || len(payments) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok {
		if e.rev >= rev {
			return
		}
		c.rows -= len(e.payments)
	} else {
		c.order = append(c.order, id)
	}
	c.entries[id] = cacheEntry{rev: rev, payments: payments, batches: batches}
	c.rows += len(payments)
	for (c.rows > c.max || len(c.order) > 4096) && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		if e, ok := c.entries[old]; ok {
			c.rows -= len(e.payments)
			delete(c.entries, old)
		}
	}
}
