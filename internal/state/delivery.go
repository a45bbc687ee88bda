package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutDelivery records d under d.Key, replacing what was there. It sets d.At
// when zero. A delivery with Done == false is listed by PendingDeliveries
// until it is put again with Done == true.
func (s *Store) PutDelivery(d *Delivery) error {
	switch {
	case d.Key == "":
		return errors.New("put delivery: empty key")
	case d.Path == "":
		return fmt.Errorf("put delivery %s: empty path", d.Key)
	}
	c := *d
	if c.At.IsZero() {
		c.At = s.now()
	}
	_, committed, err := s.write("delivery", func(tx *bolt.Tx) (*File, error) {
		data, err := json.Marshal(&c)
		if err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
		deliveries, err := bucket(tx, bucketDeliveries)
		if err != nil {
			return nil, err
		}
		pending, err := bucket(tx, bucketPending)
		if err != nil {
			return nil, err
		}
		if err := deliveries.Put([]byte(c.Key), data); err != nil {
			return nil, err
		}
		if err := indexOutboxPath(tx, c.Path, c.Key); err != nil {
			return nil, err
		}
		if c.Done {
			return nil, pending.Delete([]byte(c.Key))
		}
		return nil, pending.Put([]byte(c.Key), []byte{1})
	})
	if !committed {
		return fmt.Errorf("put delivery %s: %w", d.Key, err)
	}
	*d = c
	return err
}

// GetDelivery returns the delivery recorded under key, or an error matching
// ErrNotFound.
func (s *Store) GetDelivery(key string) (*Delivery, error) {
	var d *Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		deliveries, err := bucket(tx, bucketDeliveries)
		if err != nil {
			return err
		}
		v := deliveries.Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		d, err = decodeDelivery([]byte(key), v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get delivery %s: %w", key, err)
	}
	return d, nil
}

// PendingDeliveries returns the deliveries not yet done, by key: the outbox
// files whose temp file may exist but whose rename was not confirmed.
func (s *Store) PendingDeliveries() ([]*Delivery, error) {
	var out []*Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		deliveries, err := bucket(tx, bucketDeliveries)
		if err != nil {
			return err
		}
		pending, err := bucket(tx, bucketPending)
		if err != nil {
			return err
		}
		return pending.ForEach(func(k, _ []byte) error {
			v := deliveries.Get(k)
			if v == nil {
				return fmt.Errorf("pending delivery %s has no record", k)
			}
			d, err := decodeDelivery(k, v)
			if err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("pending deliveries: %w", err)
	}
	return out, nil
}

// Deliveries returns the deliveries whose key starts with prefix, by key
// ("report/" lists delivered statements, "file/<id>/" one file's outputs).
func (s *Store) Deliveries(prefix string) ([]*Delivery, error) {
	var out []*Delivery
	err := s.db.View(func(tx *bolt.Tx) error {
		deliveries, err := bucket(tx, bucketDeliveries)
		if err != nil {
			return err
		}
		p := []byte(prefix)
		c := deliveries.Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			d, err := decodeDelivery(k, v)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list deliveries %q: %w", prefix, err)
	}
	return out, nil
}

func decodeDelivery(k, v []byte) (*Delivery, error) {
	var d Delivery
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("decode delivery %s: %w", k, err)
	}
	return &d, nil
}
