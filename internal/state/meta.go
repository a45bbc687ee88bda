package state

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// GetMeta returns the value stored under key (last poll times, backfill
// start, ...) and whether it exists.
func (s *Store) GetMeta(key string) (string, bool, error) {
	var (
		val string
		ok  bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get([]byte(key)); v != nil {
			// string() copies: v is only valid inside the transaction.
			val, ok = string(v), true
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("get meta %s: %w", key, err)
	}
	return val, ok, nil
}

// SetMeta stores value under key.
func (s *Store) SetMeta(key, value string) error {
	if key == "" {
		return errors.New("set meta: empty key")
	}
	_, committed, err := s.write("meta", func(tx *bolt.Tx) (*File, error) {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return nil, err
		}
		return nil, meta.Put([]byte(key), []byte(value))
	})
	if !committed {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return err
}

// MetaPrefix returns every key/value whose key starts with prefix, the
// prefix cut off.
func (s *Store) MetaPrefix(prefix string) (map[string]string, error) {
	out := map[string]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		c := meta.Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			out[string(k[len(p):])] = string(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("meta %s*: %w", prefix, err)
	}
	return out, nil
}
