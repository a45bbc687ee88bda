package state

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutBlob stores bytes under a key: the request bodies inbound journals
// before it first sends them, so a resend after a crash is byte-identical.
func (s *Store) PutBlob(key string, data []byte) error {
	_, committed, err := s.write("blob", func(tx *bolt.Tx) (*File, error) {
		b, err := bucket(tx, bucketBlobs)
		if err != nil {
			return nil, err
		}
		return nil, b.Put([]byte(key), data)
	})
	if !committed {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	return err
}

// GetBlob returns a copy of the bytes under key, or ErrNotFound.
func (s *Store) GetBlob(key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketBlobs)
		if err != nil {
			return err
		}
		v := b.Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		out = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get blob %s: %w", key, err)
	}
	return out, nil
}

// Delete withdraws a file's record, its state and duplicate index entries.
// Inbound uses it only for a claim whose move failed right after the
// record was written: nothing else had happened to the file yet.
func (s *Store) Delete(id string) error {
	_, committed, err := s.write("delete", func(tx *bolt.Tx) (*File, error) {
		f, err := getFile(tx, id)
		if err != nil {
			return nil, err
		}
		return nil, dropFile(tx, f.ID, f.State)
	})
	if !committed {
		return fmt.Errorf("delete file %s: %w", id, err)
	}
	return err
}

// DeleteBlobs removes every blob whose key starts with prefix: inbound
// drops a file's journaled request bodies once Atlar accepted it, so the
// journal does not grow by every payment ever sent.
func (s *Store) DeleteBlobs(prefix string) error {
	if prefix == "" {
		return fmt.Errorf("delete blobs: empty prefix")
	}
	_, committed, err := s.write("blob", func(tx *bolt.Tx) (*File, error) {
		b, err := bucket(tx, bucketBlobs)
		if err != nil {
			return nil, err
		}
		c := b.Cursor()
		p := []byte(prefix)
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Seek(p) {
			if err := c.Delete(); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if !committed {
		return fmt.Errorf("delete blobs %s: %w", prefix, err)
	}
	return err
}
