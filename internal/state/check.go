package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Check verifies the journal's consistency and returns every problem found,
// one line each: records that fail to decode, unknown states, steps out of
// time order, state index entries that disagree with their file, duplicate
// index entries pointing at missing files or at files with another sha256
// or msgId, files in a sent state (submitting, submitted, completed) missing
// from the duplicate index, deliveries with empty paths or a pending
// mark that disagrees with Done, change marks of missing files, and kept
// counts that disagree with the state index, and payments or batches kept
// for no file or not matching their file's header. The error is for failing to
// read at all.
func (s *Store) Check() ([]string, error) {
	var problems []string
	report := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	// A damaged page makes bbolt panic: report it instead (bridge doctor).
	err := guard(s.path, func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				// No ops bucket is no ops yet: a read-only open of a
				// journal older than Ops (issue 16) has none.
				if tx.Bucket(name) == nil && !derived(name) && !bytes.Equal(name, bucketOps) {
					report("bucket %s is missing", name)
				}
			}
			if len(problems) > 0 {
				return nil
			}
			files := checkFiles(tx, report)
			checkRows(tx, report)
			checkStateIndex(tx, files, report)
			checkDedupe(tx, files, report)
			checkDeliveries(tx, report)
			if tx.Bucket(bucketChanged) != nil {
				checkChanged(tx, report)
			}
			if len(problems) == 0 && tx.Bucket(bucketCounts) != nil {
				// The counts follow the state index: while the index itself
				// is wrong, its problems are the ones to fix.
				checkCounts(tx, report)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("check state: %w", err)
	}
	return problems, nil
}

type reportFunc func(format string, args ...any)

// checkFiles decodes every file and checks it on its own; it returns the
// files that decoded, by id.
func checkFiles(tx *bolt.Tx, report reportFunc) map[string]*File {
	files := map[string]*File{}
	_ = tx.Bucket(bucketFiles).ForEach(func(k, v []byte) error {
		h, err := decodeHeader(k, v)
		if err != nil {
			report("file %s: record does not decode: %v", k, err)
			return nil
		}
		f, _, err := readFile(tx, h, nil)
		if err != nil {
			report("file %s: record does not decode: %v", k, err)
			return nil
		}
		id := string(k)
		files[id] = f
		if f.ID != id {
			report("file %s: record holds id %q", id, f.ID)
		}
		if !knownState(f.State) {
			report("file %s: unknown state %q", id, f.State)
		}
		for i, st := range f.Steps {
			if !knownState(st.State) {
				report("file %s: step %d has unknown state %q", id, i+1, st.State)
			}
			if i > 0 && st.At.Before(f.Steps[i-1].At) {
				report("file %s: step %d (%s) is before step %d (%s)", id,
					i+1, st.At.Format("2006-01-02T15:04:05.000Z07:00"),
					i, f.Steps[i-1].At.Format("2006-01-02T15:04:05.000Z07:00"))
			}
		}
		return nil
	})
	return files
}

func checkStateIndex(tx *bolt.Tx, files map[string]*File, report reportFunc) {
	indexed := map[string]bool{}
	_ = tx.Bucket(bucketStates).ForEach(func(k, route []byte) error {
		st, id, ok := bytes.Cut(k, []byte{0})
		if !ok {
			report("state index: malformed key %q", k)
			return nil
		}
		f := files[string(id)]
		switch {
		case f == nil && tx.Bucket(bucketFiles).Get(id) == nil:
			report("state index: %s points at missing file %s", st, id)
		case f == nil:
			// Undecodable record, already reported.
		case State(st) == CompletedWithFailures && !f.WithFailures():
			report("state index: file %s listed as %s but is %s with %d failed payments", id, st, f.State, f.PaymentsFailed())
		case State(st) == CompletedWithFailures:
		case f.State != State(st):
			report("state index: file %s listed as %s but is %s", id, st, f.State)
		case f.Route != string(route):
			report("state index: file %s listed on route %q but is on %q", id, route, f.Route)
		default:
			indexed[string(id)] = true
		}
		return nil
	})
	for id, f := range files {
		if !indexed[id] && knownState(f.State) {
			if tx.Bucket(bucketStates).Get(stateKey(f.State, id)) == nil {
				report("state index: file %s (%s) is missing", id, f.State)
			}
		}
	}
}

func checkDedupe(tx *bolt.Tx, files map[string]*File, report reportFunc) {
	have := map[string]bool{} // kind NUL id of entries that match their file
	_ = tx.Bucket(bucketDedupe).ForEach(func(k, v []byte) error {
		parts := strings.Split(string(k), "\x00")
		if len(parts) != 4 {
			report("duplicate index: malformed key %q", k)
			return nil
		}
		kind, route, value, id := parts[0], parts[1], parts[2], parts[3]
		var e indexEntry
		if err := json.Unmarshal(v, &e); err != nil {
			report("duplicate index: entry for file %s does not decode: %v", id, err)
			return nil
		}
		if e.ID != id {
			report("duplicate index: entry for file %s holds id %q", id, e.ID)
		}
		f := files[id]
		if f == nil {
			if tx.Bucket(bucketFiles).Get([]byte(id)) == nil {
				report("duplicate index: entry points at missing file %s", id)
			}
			return nil
		}
		ok := true
		if f.Route != route {
			report("duplicate index: file %s indexed on route %q but is on %q", id, route, f.Route)
			ok = false
		}
		switch kind {
		case kindSHA:
			if f.SHA256 != value {
				report("duplicate index: file %s indexed with sha256 %s but has %s", id, value, f.SHA256)
				ok = false
			}
		case kindMsgID:
			if f.MsgID != value {
				report("duplicate index: file %s indexed with msgId %q but has %q", id, value, f.MsgID)
				ok = false
			}
		case kindTx:
			if !slices.Contains(txFingerprints(f), value) {
				report("duplicate index: file %s indexed with transaction %s it does not hold", id, value)
				ok = false
			}
			if ok {
				have[kind+"\x00"+value+"\x00"+id] = true
			}
		default:
			report("duplicate index: unknown kind %q for file %s", kind, id)
			ok = false
		}
		if ok {
			have[kind+"\x00"+id] = true
		}
		return nil
	})
	for id, f := range files {
		if !sent(f.State) {
			continue
		}
		if f.SHA256 != "" && !have[kindSHA+"\x00"+id] {
			report("duplicate index: file %s is %s but its sha256 is not indexed", id, f.State)
		}
		if f.MsgID != "" && !have[kindMsgID+"\x00"+id] {
			report("duplicate index: file %s is %s but its msgId is not indexed", id, f.State)
		}
		for _, fp := range txFingerprints(f) {
			if !have[kindTx+"\x00"+fp+"\x00"+id] {
				report("duplicate index: file %s is %s but its transaction %s is not indexed", id, f.State, fp)
			}
		}
	}
}

func checkDeliveries(tx *bolt.Tx, report reportFunc) {
	pending := tx.Bucket(bucketPending)
	deliveries := tx.Bucket(bucketDeliveries)
	_ = deliveries.ForEach(func(k, v []byte) error {
		d, err := decodeDelivery(k, v)
		if err != nil {
			report("delivery %s: record does not decode: %v", k, err)
			return nil
		}
		if d.Key != string(k) {
			report("delivery %s: record holds key %q", k, d.Key)
		}
		if d.Path == "" {
			report("delivery %s: empty path", k)
		}
		if isPending := pending.Get(k) != nil; isPending == d.Done {
			report("delivery %s: done=%t but pending mark is %t", k, d.Done, isPending)
		}
		return nil
	})
	_ = pending.ForEach(func(k, _ []byte) error {
		if deliveries.Get(k) == nil {
			report("delivery %s: pending mark without a record", k)
		}
		return nil
	})
}

// checkChanged reports change marks (changes.go) of files that do not exist.
func checkChanged(tx *bolt.Tx, report reportFunc) {
	files := tx.Bucket(bucketFiles)
	_ = tx.Bucket(bucketChanged).ForEach(func(k, v []byte) error {
		if files.Get(k) == nil {
			report("change mark %s: no such file", k)
		}
		if len(v) != 8 {
			report("change mark %s: bad value %x", k, v)
		}
		return nil
	})
}

// checkRows reports payments or batches kept for a file the journal does
// not hold (a file's own rows are checked when it is read).
func checkRows(tx *bolt.Tx, report reportFunc) {
	files := tx.Bucket(bucketFiles)
	for _, name := range [][]byte{bucketPayments, bucketBatches} {
		parent := tx.Bucket(name)
		if parent == nil {
			continue
		}
		_ = parent.ForEach(func(k, v []byte) error {
			switch {
			case v != nil:
				report("%s: key %q is not a file's bucket", name, k)
			case files.Get(k) == nil:
				report("%s: kept for missing file %s", name, k)
			}
			return nil
		})
	}
}
