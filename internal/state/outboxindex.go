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
// read whole payment lists: the index answers with two key reads.

// bucketOutbox maps a delivery's path to its key.
var bucketOutbox = []byte("outboxpaths")

// indexOutboxPath records that the delivery under key owns path. A later
// delivery to the same path (the ERP collected the earlier one) replaces
// the entry: what is on disk at a path is always the latest delivery there.
func indexOutboxPath(tx *bolt.Tx, path, key string) error {
	idx, err := bucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	return idx.Put([]byte(path), []byte(key))
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
	var route string
	err := s.db.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketOutbox)
		if idx == nil {
			return ErrNotFound
		}
		key := idx.Get([]byte(path))
		if key == nil {
			return ErrNotFound
		}
		// "file/<id>/<attempt>/<kind>"
		rest, ok := strings.CutPrefix(string(key), "file/")
		if !ok {
			return ErrNotFound
		}
		id, _, _ := strings.Cut(rest, "/")
		states, err := bucket(tx, bucketStates)
		if err != nil {
			return err
		}
		for _, st := range States {
			if v := states.Get(stateKey(st, id)); v != nil {
				route = string(bytes.Clone(v))
				return nil
			}
		}
		return ErrNotFound
	})
	if err != nil {
		return "", fmt.Errorf("outbox route of %s: %w", path, err)
	}
	return route, nil
}
