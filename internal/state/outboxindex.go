package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The journal indexes deliveries by their outbox path, so the SFTP server
// can tell which route a result file belongs to from its name alone (SPEC
// §5a: users see only their own routes' results). Result names are not
// unique across routes, and decoding the file record per listed name would
// read whole payment lists: the index answers with one key read.

// bucketOutbox maps a delivery's path to its key.
var bucketOutbox = []byte("outboxpaths")

// indexOutboxPath records that the delivery under key owns path, with the
// route of its file (looked up now, so a listing reads one key per name):
// value = route NUL key; the route is empty for a statement. A later
// delivery to the same path (the ERP collected the earlier one) replaces
// the entry: what is on disk at a path is always the latest delivery there.
func indexOutboxPath(tx *bolt.Tx, path, key string) error {
	idx, err := bucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	states, err := bucket(tx, bucketStates)
	if err != nil {
		return err
	}
	var route string
	if rest, ok := strings.CutPrefix(key, "file/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		for _, st := range States {
			if v := states.Get(stateKey(st, id)); v != nil {
				route = string(v)
				break
			}
		}
	}
	return idx.Put([]byte(path), []byte(route+"\x00"+key))
}

// reindexOutbox builds the outbox index of a journal written before it
// existed, in delivery-time order so the latest delivery to a path wins.
func reindexOutbox(tx *bolt.Tx) error {
	deliveries, err := bucket(tx, bucketDeliveries)
	if err != nil {
		return err
	}
	type entry struct {
		key string
		at  int64
	}
	latest := map[string]entry{}
	err = deliveries.ForEach(func(k, v []byte) error {
		var d Delivery
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("index outbox: decode delivery %s: %w", k, err)
		}
		if e, ok := latest[d.Path]; !ok || d.At.UnixNano() >= e.at {
			latest[d.Path] = entry{string(k), d.At.UnixNano()}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for p, e := range latest {
		if err := indexOutboxPath(tx, p, e.key); err != nil {
			return err
		}
	}
	return nil
}

// OutboxRoute returns the route of the input file whose delivery wrote the
// outbox file at path (relative to storage.root, slash-separated, as in
// Delivery.Path). It returns an error matching ErrNotFound when no file
// delivery wrote that path (a statement, a file put there by hand, or a
// journal opened read-only before the index was built).
func (s *Store) OutboxRoute(path string) (string, error) {
	routes, err := s.OutboxRoutes([]string{path})
	if err != nil {
		return "", err
	}
	route, ok := routes[path]
	if !ok {
		return "", fmt.Errorf("outbox route of %s: %w", path, ErrNotFound)
	}
	return route, nil
}

// OutboxRoutes is OutboxRoute for many paths in one read transaction (a
// folder listing): the result maps each path found to its route and leaves
// the others out.
func (s *Store) OutboxRoutes(paths []string) (map[string]string, error) {
	out := make(map[string]string, len(paths))
	err := s.db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketOutbox)
		if idx == nil {
			return nil
		}
		for _, p := range paths {
			if route, ok := outboxRoute(idx, p); ok {
				out[p] = route
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox routes: %w", err)
	}
	return out, nil
}

func outboxRoute(idx *bolt.Bucket, path string) (string, bool) {
	v := idx.Get([]byte(path))
	route, _, ok := bytes.Cut(v, []byte{0})
	if !ok || len(route) == 0 {
		return "", false
	}
	return string(route), true
}
