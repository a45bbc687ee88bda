package state

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Migration from schema 1 (the whole File in files/<id>) to schema 2 (the
// record split, record.go). A writable Open runs it before it returns, in
// transactions of at most migrateFiles files or migrateRows payments, so
// that a journal of a million files needs no giant transaction. Each
// transaction records the last id it rewrote (schema/"migrated"); the
// version becomes 2 only in the transaction that finds nothing left. A
// migration stopped half-way (killed, power cut) leaves a journal whose
// rewritten and not yet rewritten records both read (an inline record is
// recognised by its missing rev), so a read-only Open works on it, and the
// next writable Open carries on from the recorded id.
//
// Migrating touches nothing but the file records: no change mark (the
// outbox writer has nothing new to look at), no index.

// Variables so that a test can make a small journal take several
// transactions.
var (
	migrateFiles = 1000
	migrateRows  = 50_000
)

var keyMigrated = []byte("migrated")

// migrateHook, when set (tests), is called after each committed migration
// transaction with their count so far; an error stops the migration there,
// as a kill would.
var migrateHook func(batches int) error

// migrate brings a journal of schema 1 to schema 2; on a journal of schema
// 2 it only reads the version.
func (s *Store) migrate(hook func(batches int) error) error {
	for batches := 1; ; batches++ {
		done := false
		err := s.db.Update(func(tx *bolt.Tx) error {
			var err error
			done, err = migrateBatch(tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate journal to schema %s: %w", schemaVersion, err)
		}
		if done {
			return nil
		}
		if hook != nil {
			if err := hook(batches); err != nil {
				return err
			}
		}
	}
}

// migrateBatch rewrites the next records after schema/"migrated" and
// reports whether the journal is at schema 2 now.
func migrateBatch(tx *bolt.Tx) (done bool, err error) {
	schema, err := bucket(tx, bucketSchema)
	if err != nil {
		return false, err
	}
	if string(schema.Get([]byte("version"))) == schemaVersion {
		return true, nil
	}
	files, err := bucket(tx, bucketFiles)
	if err != nil {
		return false, err
	}
	// Read first, write after: a bbolt cursor is not to be trusted across
	// writes to its bucket.
	var todo []*header
	var last []byte
	rows := 0
	c := files.Cursor()
	k, v := c.First()
	if after := schema.Get(keyMigrated); after != nil {
		k, v = c.Seek(after)
		if k != nil && bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	for ; k != nil && len(todo) < migrateFiles && rows < migrateRows; k, v = c.Next() {
		h, err := decodeHeader(k, v)
		if err != nil {
			return false, err
		}
		last = bytes.Clone(k)
		if !h.inline() {
			continue
		}
		if h.ID != string(k) {
			return false, fmt.Errorf("file %s: record holds id %q", k, h.ID)
		}
		todo = append(todo, h)
		rows += len(h.Payments)
	}
	for _, h := range todo {
		if _, err := writeRecord(tx, &h.File, preImage{inline: true}); err != nil {
			return false, fmt.Errorf("file %s: %w", h.ID, err)
		}
	}
	if last != nil {
		return false, schema.Put(keyMigrated, last)
	}
	// Nothing after the last id rewritten: all done.
	if err := schema.Delete(keyMigrated); err != nil {
		return false, err
	}
	return true, schema.Put([]byte("version"), []byte(schemaVersion))
}
