package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// An Op is one resource the bridge creates at Atlar that is not a payment
// batch: a counterparty, an external account, a mandate, a direct debit.
// Such resources are shared between files (two collection files naming the
// same new debtor must create one counterparty), so an Op is keyed by what
// it creates, not by the file that first needed it.
//
// The exactly-once rule is the batches' (package inbound's doc.go): the
// idempotency key is journaled (UpdateOp) before the first request, FirstTry
// before it is sent, and Atlar's id once it answered. After a crash, an Op
// with FirstTry and no AtlarID may or may not exist at Atlar: the caller
// looks it up by its externalId before sending the create again.
type Op struct {
	// Key names the resource, e.g. "counterparty/<externalId>",
	// "mandate/<reference>", "directdebit/<file id>/<row>".
	Key string `json:"key"`
	// FileID is the file that first needed the resource.
	FileID         string    `json:"fileId,omitempty"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	FirstTry       time.Time `json:"firstTry,omitzero"`
	// AtlarID is the resource's id, once Atlar confirmed it.
	AtlarID string `json:"atlarId,omitempty"`
	// ETag is the version last seen (counterparties: "version:3").
	ETag string `json:"etag,omitempty"`
	// Status is the caller's: the resource's last known status or what
	// was done to it ("created", "updated", "unchanged", "cancelled").
	Status  string            `json:"status,omitempty"`
	Attrs   map[string]string `json:"attrs,omitempty"`
	Updated time.Time         `json:"updated,omitzero"`
}

// GetOp returns the Op under key, or ErrNotFound.
func (s *Store) GetOp(key string) (*Op, error) {
	var op *Op
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOps)
		if b == nil {
			return ErrNotFound // a journal from before Ops, opened read-only
		}
		v := b.Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		op = new(Op)
		return json.Unmarshal(v, op)
	})
	if err != nil {
		return nil, fmt.Errorf("get op %s: %w", key, err)
	}
	return op, nil
}

// UpdateOp reads the Op under key (a fresh one with Key set when there is
// none: exists is false), lets fn change it and stores it, all in one
// transaction. fn returning an error stores nothing. Like every write, fn
// may run more than once (see write): it must only change op.
func (s *Store) UpdateOp(key string, fn func(op *Op, exists bool) error) (*Op, error) {
	if key == "" {
		return nil, errors.New("update op: empty key")
	}
	var out *Op
	_, committed, err := s.write("op", func(tx *bolt.Tx) (*File, error) {
		b, err := bucket(tx, bucketOps)
		if err != nil {
			return nil, err
		}
		op, exists := &Op{Key: key}, false
		if v := b.Get([]byte(key)); v != nil {
			if err := json.Unmarshal(v, op); err != nil {
				return nil, fmt.Errorf("decode op: %w", err)
			}
			exists = true
		}
		if err := fn(op, exists); err != nil {
			return nil, err
		}
		op.Key, op.Updated = key, s.now()
		data, err := json.Marshal(op)
		if err != nil {
			return nil, err
		}
		out = op
		return nil, b.Put([]byte(key), data)
	})
	if !committed {
		return nil, fmt.Errorf("update op %s: %w", key, err)
	}
	return out, err
}

// Ops returns every Op whose key starts with prefix, in key order.
func (s *Store) Ops(prefix string) ([]*Op, error) {
	var out []*Op
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOps)
		if b == nil {
			return nil
		}
		c, p := b.Cursor(), []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			op := new(Op)
			if err := json.Unmarshal(v, op); err != nil {
				return fmt.Errorf("decode op %s: %w", k, err)
			}
			out = append(out, op)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list ops %s: %w", prefix, err)
	}
	return out, nil
}
