package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Create records a new file. The caller sets f.ID (see NewID); Create sets
// ReceivedAt and UpdatedAt when zero, appends the first Step (f.State, note)
// and fills f in place. It fails with ErrExists when the id is taken.
func (s *Store) Create(f *File, note string) error {
	if err := validIDs(f.ID, f.Route); err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	if !knownState(f.State) {
		return fmt.Errorf("create file %s: unknown state %q", f.ID, f.State)
	}
	// Work on a copy so that f is filled in only once the write committed;
	// a fresh one per run, since the write may run more than once.
	var c File
	var rev uint64
	_, committed, err := s.write("create", func(tx *bolt.Tx) (*File, error) {
		c = *f
		c.Steps = slices.Clone(f.Steps)
		files, err := bucket(tx, bucketFiles)
		if err != nil {
			return nil, err
		}
		if files.Get([]byte(c.ID)) != nil {
			return nil, ErrExists
		}
		now := s.now()
		if c.ReceivedAt.IsZero() {
			c.ReceivedAt = now
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = now
		}
		c.Steps = append(c.Steps, Step{At: now, State: c.State, Note: note})
		if sent(c.State) {
			if err := index(tx, &c, now); err != nil {
				return nil, err
			}
		}
		w, err := putFileDiff(tx, &c, "", preImage{inline: true})
		rev = w.rev
		return &c, err
	})
	if !committed {
		return fmt.Errorf("create file %s: %w", f.ID, err)
	}
	*f = c
	s.cache.put(c.ID, rev, slices.Clone(c.Payments), slices.Clone(c.Batches))
	return err
}

// Get returns the file with the given id, or an error matching ErrNotFound.
func (s *Store) Get(id string) (*File, error) {
	var f *File
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		f, _, err = loadFile(tx, id, s.cache)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get file %s: %w", id, err)
	}
	return f, nil
}

// Update loads the file, runs fn on it and commits if fn returns nil. It sets
// UpdatedAt and appends a Step{At, State, Note: note} when note != "" or the
// state changed. fn's error aborts without writing and is returned as is.
// Entering a sent state (submitting, submitted, completed) from another one
// indexes the file for FindDuplicate in the same transaction.
//
// fn runs inside the write transaction: it must be quick, do no I/O and not
// call the Store. It may run more than once, each time on a freshly read
// f, when a concurrent write sharing its transaction fails: it must change
// only f, never variables outside it, so that only its last run counts.
func (s *Store) Update(id, note string, fn func(f *File) error) (*File, error) {
	op := "update"
	if note != "" {
		op = "update:" + note
	}
	var fnErr error
	var w written
	var pre preImage
	f, committed, err := s.write(op, func(tx *bolt.Tx) (*File, error) {
		fnErr, w = nil, written{} // from an earlier run of this write
		// The pre-image is what the payments and batches were: only
		// those fn changed are written (record.go).
		f, p, err := loadFile(tx, id, s.cache)
		pre = p
		if err != nil {
			return nil, err
		}
		old := f.State
		if err := fn(f); err != nil {
			fnErr = err
			return nil, err
		}
		if f.ID != id {
			return nil, fmt.Errorf("id changed to %q", f.ID)
		}
		if !knownState(f.State) {
			return nil, fmt.Errorf("unknown state %q", f.State)
		}
		now := s.now()
		f.UpdatedAt = now
		if note != "" || f.State != old {
			f.Steps = append(f.Steps, Step{At: now, State: f.State, Note: note})
		}
		if sent(f.State) && !sent(old) {
			if err := index(tx, f, now); err != nil {
				return nil, err
			}
		}
		w, err = putFileDiff(tx, f, old, pre)
		return f, err
	})
	switch {
	case fnErr != nil:
		return nil, fnErr
	case !committed:
		return nil, fmt.Errorf("update file %s: %w", id, err)
	}
	s.cacheWritten(f, pre, w)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// cacheWritten keeps the payments and batches of f as written at w.rev:
// the pre-image itself when the write left them as they were (most steps:
// a batch id, a first try, an output written), else a copy of f's.
func (s *Store) cacheWritten(f *File, pre preImage, w written) {
	payments, batches := pre.payments, pre.batches
	if pre.inline || w.payments > 0 {
		payments = slices.Clone(f.Payments)
	}
	if pre.inline || w.batches > 0 {
		batches = slices.Clone(f.Batches)
	}
	s.cache.put(f.ID, w.rev, payments, batches)
}

// Filter selects files for List. Zero fields select everything.
type Filter struct {
	// States keeps files in any of these states.
	States []State
	// Route keeps files of this route.
	Route string
	// Limit caps the number of files returned; 0 means no cap.
	Limit int
	// After is a paging cursor: only ids greater than it are returned. Pass
	// the last id of the previous page.
	After string
	// HeadersOnly returns files without Payments and Batches, which are
	// then not read at all: for listings that show a file's header (files,
	// status), on journals whose files hold thousands of payments.
	HeadersOnly bool
}

// List returns the files that match flt, ordered by id ascending (arrival
// order for ids made by NewID). With States set it reads the state index
// and decodes only the files it returns.
func (s *Store) List(flt Filter) ([]*File, error) {
	if flt.Limit < 0 {
		return nil, fmt.Errorf("list files: negative limit %d", flt.Limit)
	}
	var out []*File
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		if len(flt.States) > 0 {
			out, err = listByState(tx, flt, s.cache)
		} else {
			out, err = listAll(tx, flt, s.cache)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return out, nil
}

func listAll(tx *bolt.Tx, flt Filter, cache *rowCache) ([]*File, error) {
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return nil, err
	}
	var out []*File
	c := files.Cursor()
	k, v := c.Seek([]byte(flt.After))
	if k != nil && flt.After != "" && string(k) == flt.After {
		k, v = c.Next()
	}
	for ; k != nil; k, v = c.Next() {
		h, err := decodeHeader(k, v)
		if err != nil {
			return nil, err
		}
		if flt.Route != "" && h.Route != flt.Route {
			continue
		}
		f, err := listed(tx, h, flt, cache)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		if flt.Limit > 0 && len(out) == flt.Limit {
			break
		}
	}
	return out, nil
}

// listed is a listed file: its header, or the whole file.
func listed(tx *bolt.Tx, h *header, flt Filter, cache *rowCache) (*File, error) {
	if flt.HeadersOnly {
		l := &Listing{Payments: h.NPayments, Failed: h.NFailed}
		if h.inline() {
			// A schema 1 record (read-only open): it holds its payments.
			l = &Listing{Payments: len(h.Payments), Failed: h.PaymentsFailed()}
		}
		h.Payments, h.Batches, h.Listed = nil, nil, l
		return &h.File, nil
	}
	f, _, err := readFile(tx, h, cache)
	return f, err
}

func listByState(tx *bolt.Tx, flt Filter, cache *rowCache) ([]*File, error) {
	idx, err := bucket(tx, bucketStates)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, st := range slices.Compact(slices.Sorted(slices.Values(flt.States))) {
		prefix := []byte(string(st) + "\x00")
		c := idx.Cursor()
		n := 0
		for k, route := c.Seek(append(slices.Clone(prefix), flt.After...)); k != nil && bytes.HasPrefix(k, prefix); k, route = c.Next() {
			id := string(k[len(prefix):])
			if id <= flt.After || (flt.Route != "" && string(route) != flt.Route) {
				continue
			}
			ids = append(ids, id)
			// Each state contributes at most Limit ids: the merged first
			// Limit can come from no more than that.
			if n++; flt.Limit > 0 && n == flt.Limit {
				break
			}
		}
	}
	slices.Sort(ids)
	if flt.Limit > 0 && len(ids) > flt.Limit {
		ids = ids[:flt.Limit]
	}
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return nil, err
	}
	out := make([]*File, 0, len(ids))
	for _, id := range ids {
		v := files.Get([]byte(id))
		if v == nil {
			return nil, fmt.Errorf("state index: %w", ErrNotFound)
		}
		h, err := decodeHeader([]byte(id), v)
		if err != nil {
			return nil, fmt.Errorf("state index: %w", err)
		}
		f, err := listed(tx, h, flt, cache)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Counts returns how many files each route has in each state. It reads
// counts the journal keeps up to date (counts.go), so it costs the same on
// a journal of months as on a new one.
func (s *Store) Counts() (map[string]map[State]int, error) {
	var counts map[string]map[State]int
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		counts, err = readCounts(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count files: %w", err)
	}
	return counts, nil
}

func cloneFile(f *File) *File {
	data, err := json.Marshal(f)
	if err != nil {
		return f
	}
	var c File
	if err := json.Unmarshal(data, &c); err != nil {
		return f
	}
	return &c
}

func stateKey(st State, id string) []byte {
	return []byte(string(st) + "\x00" + id)
}

func knownState(st State) bool { return slices.Contains(States, st) }

// sent reports whether a file in this state has (or may have) reached
// Atlar, which is what the duplicate index is about.
func sent(st State) bool { return st == Submitting || st == Submitted || st == Completed }

// validIDs rejects ids and routes that would break the NUL-joined index
// keys.
func validIDs(id, route string) error {
	switch {
	case id == "":
		return errors.New("empty id")
	case strings.ContainsRune(id, 0) || strings.ContainsRune(route, 0):
		return errors.New("id or route contains a NUL byte")
	}
	return nil
}
