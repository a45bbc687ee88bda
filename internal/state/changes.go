package state

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The journal remembers which files were written since a consumer (the
// outbox writer) last looked at them, so that the consumer's safety-net
// sweeps, and its catch-up after a restart, read those files instead of
// every file the journal ever held: after months of work that is tens of
// thousands of records, decoded every minute and all kept in memory.

// Change is a file written since it was last marked seen. Token tells its
// writes apart: Seen forgets a change only if no write came after.
type Change struct {
	ID    string
	Token uint64
}

// markChanged notes a write of file id; every file write calls it.
func markChanged(tx *bolt.Tx, id string) error {
	changed, err := bucket(tx, bucketChanged)
	if err != nil {
		return err
	}
	seq, err := changed.NextSequence()
	if err != nil {
		return err
	}
	return changed.Put([]byte(id), binary.BigEndian.AppendUint64(nil, seq))
}

// markAllChanged notes every file as changed.
func markAllChanged(tx *bolt.Tx) error {
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return err
	}
	return files.ForEach(func(k, _ []byte) error { return markChanged(tx, string(k)) })
}

// Changed returns up to limit files written since they were last marked
// seen, by id, starting after the id after ("" for the first page). It
// reads only the change marks, not the files.
func (s *Store) Changed(after string, limit int) ([]Change, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("changed files: limit must be > 0 (got %d)", limit)
	}
	var out []Change
	err := s.db.View(func(tx *bolt.Tx) error {
		changed, err := bucket(tx, bucketChanged)
		if err != nil {
			return err
		}
		c := changed.Cursor()
		k, v := c.Seek([]byte(after))
		if k != nil && bytes.Equal(k, []byte(after)) {
			k, v = c.Next()
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			if len(v) != 8 {
				return fmt.Errorf("bad change mark of %s", k)
			}
			out = append(out, Change{ID: string(k), Token: binary.BigEndian.Uint64(v)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("changed files: %w", err)
	}
	return out, nil
}

// Seen forgets the given changes, except those of files written again
// since Changed returned them: those stay for the next look.
func (s *Store) Seen(changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	_, committed, err := s.write("seen", func(tx *bolt.Tx) (*File, error) {
		changed, err := bucket(tx, bucketChanged)
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			v := changed.Get([]byte(ch.ID))
			if len(v) == 8 && binary.BigEndian.Uint64(v) == ch.Token {
				if err := changed.Delete([]byte(ch.ID)); err != nil {
					return nil, err
				}
			}
		}
		return nil, nil
	})
	if !committed {
		return fmt.Errorf("mark files seen: %w", err)
	}
	return err
}
