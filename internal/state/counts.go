package state

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The journal keeps how many files each route has in each state, updated
// by every write that moves a file, so that Counts (behind /metrics and
// /readyz) reads a few keys. Counting the state index instead reads a key
// per file ever journaled, and on a journal of months that pulls a large
// part of the file into memory at every scrape.

func countKey(route string, st State) []byte {
	return []byte(route + "\x00" + string(st))
}

// adjustCount adds delta to the count of route and st.
func adjustCount(tx *bolt.Tx, route string, st State, delta int64) error {
	counts, err := bucket(tx, bucketCounts)
	if err != nil {
		return err
	}
	k := countKey(route, st)
	n := delta
	if v := counts.Get(k); len(v) == 8 {
		n += int64(binary.BigEndian.Uint64(v))
	}
	if n <= 0 {
		return counts.Delete(k)
	}
	return counts.Put(k, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// indexState moves file id's state index entry (and its count) from old
// (empty for a new file) to st on route.
func indexState(tx *bolt.Tx, id, route string, old, st State) error {
	idx, err := bucket(tx, bucketStates)
	if err != nil {
		return err
	}
	if old != "" && old != st {
		oldKey := stateKey(old, id)
		if v := idx.Get(oldKey); v != nil {
			if err := adjustCount(tx, string(v), old, -1); err != nil {
				return err
			}
			if err := idx.Delete(oldKey); err != nil {
				return err
			}
		}
	}
	key := stateKey(st, id)
	if v := idx.Get(key); v != nil {
		if string(v) == route {
			return nil
		}
		if err := adjustCount(tx, string(v), st, -1); err != nil {
			return err
		}
	}
	if err := adjustCount(tx, route, st, 1); err != nil {
		return err
	}
	return idx.Put(key, []byte(route))
}

// indexOutcome lists f under CompletedWithFailures in the state index (and
// its counts) while it is completed with failed payments, and not
// otherwise.
func indexOutcome(tx *bolt.Tx, f *File) error {
	idx, err := bucket(tx, bucketStates)
	if err != nil {
		return err
	}
	key := stateKey(CompletedWithFailures, f.ID)
	have := idx.Get(key)
	switch want := f.WithFailures(); {
	case want && have == nil:
		if err := adjustCount(tx, f.Route, CompletedWithFailures, 1); err != nil {
			return err
		}
		return idx.Put(key, []byte(f.Route))
	case !want && have != nil:
		return unindexState(tx, f.ID, CompletedWithFailures)
	}
	return nil
}

// unindexState drops file id's state index entry and its count.
func unindexState(tx *bolt.Tx, id string, st State) error {
	idx, err := bucket(tx, bucketStates)
	if err != nil {
		return err
	}
	key := stateKey(st, id)
	v := idx.Get(key)
	if v == nil {
		return nil
	}
	if err := adjustCount(tx, string(v), st, -1); err != nil {
		return err
	}
	return idx.Delete(key)
}

// indexCounts counts the state index itself, by route and state.
func indexCounts(tx *bolt.Tx) (map[string]map[State]int, error) {
	counts := map[string]map[State]int{}
	idx, err := bucket(tx, bucketStates)
	if err != nil {
		return nil, err
	}
	err = idx.ForEach(func(k, route []byte) error {
		st, _, ok := bytes.Cut(k, []byte{0})
		if !ok {
			return fmt.Errorf("bad state index key %q", k)
		}
		byState := counts[string(route)]
		if byState == nil {
			byState = map[State]int{}
			counts[string(route)] = byState
		}
		byState[State(st)]++
		return nil
	})
	return counts, err
}

// recount rebuilds the counts from the state index (a journal written
// before counts were kept).
func recount(tx *bolt.Tx) error {
	counts, err := indexCounts(tx)
	if err != nil {
		return err
	}
	for route, byState := range counts {
		for st, n := range byState {
			if err := adjustCount(tx, route, st, int64(n)); err != nil {
				return err
			}
		}
	}
	return nil
}

// readCounts reads the kept counts, or counts the state index of a journal
// an earlier bridge wrote, opened read-only.
func readCounts(tx *bolt.Tx) (map[string]map[State]int, error) {
	b := tx.Bucket(bucketCounts)
	if b == nil {
		return indexCounts(tx)
	}
	counts := map[string]map[State]int{}
	err := b.ForEach(func(k, v []byte) error {
		route, st, ok := bytes.Cut(k, []byte{0})
		if !ok || len(v) != 8 {
			return fmt.Errorf("bad count %q", k)
		}
		byState := counts[string(route)]
		if byState == nil {
			byState = map[State]int{}
			counts[string(route)] = byState
		}
		byState[State(st)] = int(binary.BigEndian.Uint64(v))
		return nil
	})
	return counts, err
}

// checkCounts reports kept counts that disagree with the state index.
func checkCounts(tx *bolt.Tx, report reportFunc) {
	kept, err := readCounts(tx)
	if err != nil {
		report("counts: %v", err)
		return
	}
	actual, err := indexCounts(tx)
	if err != nil {
		return // checkStateIndex reports it
	}
	for route, byState := range actual {
		for st, n := range byState {
			if kept[route][st] != n {
				report("counts: route %s, %s: %d kept, %d in the state index", route, st, kept[route][st], n)
			}
		}
	}
	for route, byState := range kept {
		for st, n := range byState {
			if actual[route][st] == 0 {
				report("counts: route %s, %s: %d kept, none in the state index", route, st, n)
			}
		}
	}
}
