package state

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// journalDump is what the generator (testdata/journal-v1-gen.go.txt) dumped
// with the code of c2ca86a, read back here with today's.
type journalDump struct {
	Files      []*File                  `json:"files"`
	Counts     map[string]map[State]int `json:"counts"`
	Deliveries []*Delivery              `json:"deliveries"`
	Pending    []*Delivery              `json:"pending"`
	Meta       map[string]string        `json:"meta"`
	Outbox     map[string]string        `json:"outbox"`
}

func gunzip(t *testing.T, name string) []byte {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	require.NoError(t, err)
	data, err := io.ReadAll(zr)
	require.NoError(t, err)
	return data
}

// v1Journal copies the schema 1 journal into a temp dir.
func v1Journal(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bridge.db")
	require.NoError(t, os.WriteFile(path, gunzip(t, "journal-v1.db.gz"), 0o600))
	return path
}

func dumpJournal(t *testing.T, s *Store) string {
	t.Helper()
	var d journalDump
	var err error
	d.Files, err = s.List(Filter{})
	require.NoError(t, err)
	d.Counts, err = s.Counts()
	require.NoError(t, err)
	d.Deliveries, err = s.Deliveries("")
	require.NoError(t, err)
	d.Pending, err = s.PendingDeliveries()
	require.NoError(t, err)
	d.Meta, err = s.MetaPrefix("")
	require.NoError(t, err)
	d.Outbox, err = s.OutboxRoutes([]string{"outbox/payables/f05-completed.ack.xml", "outbox/payables/f04-submitted.pending.xml", "outbox/statements/camt053-0001.xml"})
	require.NoError(t, err)
	// Get must read each file as List does.
	for _, f := range d.Files {
		g, err := s.Get(f.ID)
		require.NoError(t, err)
		require.Equal(t, f, g, "Get(%s)", f.ID)
	}
	data, err := json.Marshal(d)
	require.NoError(t, err)
	return string(data)
}

func schemaOf(t testing.TB, s *Store) string {
	t.Helper()
	var v string
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketSchema).Get([]byte("version")))
		return nil
	}))
	return v
}

// rawRecords returns every key and value under files, payments and batches.
func rawRecords(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		var walk func(prefix string, b *bolt.Bucket) error
		walk = func(prefix string, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					return walk(prefix+string(k)+"/", b.Bucket(k))
				}
				out[prefix+string(k)] = string(v)
				return nil
			})
		}
		for _, name := range [][]byte{bucketFiles, bucketPayments, bucketBatches, bucketChanged, bucketSchema} {
			if b := tx.Bucket(name); b != nil {
				if err := walk(string(name)+"/", b); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	return out
}

func requireClean(t *testing.T, s *Store) {
	t.Helper()
	problems, err := s.Check()
	require.NoError(t, err)
	require.Empty(t, problems)
}

// A journal written by the bridge before the record split (schema 1)
// reads back, once migrated, exactly as that bridge read it.
func TestMigrate_V1JournalReadsAsBefore(t *testing.T) {
	want := string(gunzip(t, "journal-v1.json.gz"))
	path := v1Journal(t)

	s, err := Open(path, Options{})
	require.NoError(t, err)
	assert.Equal(t, schemaVersion, schemaOf(t, s))
	assert.JSONEq(t, want, dumpJournal(t, s))
	requireClean(t, s)
	raw := rawRecords(t, s)
	for k, v := range raw {
		if len(k) > 6 && k[:6] == "files/" {
			h, err := decodeHeader([]byte(k), []byte(v))
			require.NoError(t, err)
			assert.False(t, h.inline(), "%s not migrated", k)
		}
	}
	assert.Contains(t, raw, "payments/f02-validated/"+string(rowKey(2499)), "payments split into their bucket")
	assert.Contains(t, raw, "batches/f02-validated/"+string(rowKey(2)))
	assert.NotContains(t, raw, "schema/migrated")
	require.NoError(t, s.Close(context.Background()))

	// A second open finds nothing to do: not a byte changes.
	s, err = Open(path, Options{})
	require.NoError(t, err)
	assert.Equal(t, raw, rawRecords(t, s))
	assert.JSONEq(t, want, dumpJournal(t, s))

	// And the migrated journal works on: a poll changing two payments
	// writes those two and the header.
	before := rawRecords(t, s)
	_, err = s.Update("f04-submitted", "2 payments sent", func(f *File) error {
		f.Payments[0].Status, f.Payments[1199].Status = "SENT", "SENT"
		return nil
	})
	require.NoError(t, err)
	var changed []string
	for k, v := range rawRecords(t, s) {
		if before[k] != v {
			changed = append(changed, k)
		}
	}
	assert.ElementsMatch(t, []string{"files/f04-submitted", "payments/f04-submitted/" + string(rowKey(0)),
		"payments/f04-submitted/" + string(rowKey(1199)), "changed/f04-submitted"}, changed)
	f, err := s.Get("f04-submitted")
	require.NoError(t, err)
	assert.Equal(t, "SENT", f.Payments[1199].Status)
	assert.Equal(t, "APPROVED", f.Payments[3].Status)
	requireClean(t, s)
	require.NoError(t, s.Close(context.Background()))
}

// A migration killed half-way leaves a journal that still reads (read-only,
// as bridge status or files would while the service is down) and that the
// next writable open finishes.
func TestMigrate_ResumesAfterKill(t *testing.T) {
	want := string(gunzip(t, "journal-v1.json.gz"))
	path := v1Journal(t)
	saved := migrateFiles
	migrateFiles = 3
	t.Cleanup(func() { migrateFiles, migrateHook = saved, nil })
	killed := errors.New("killed")
	migrateHook = func(batches int) error {
		if batches == 2 {
			return killed
		}
		return nil
	}
	_, err := Open(path, Options{})
	require.ErrorIs(t, err, killed)

	s, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err, "a half-migrated journal opens read-only")
	assert.Equal(t, schemaVersionV1, schemaOf(t, s), "the version moves only when all is migrated")
	raw := rawRecords(t, s)
	assert.Equal(t, "f06-failed", raw["schema/migrated"])
	inline := 0
	for k, v := range raw {
		if len(k) > 6 && k[:6] == "files/" {
			h, err := decodeHeader([]byte(k), []byte(v))
			require.NoError(t, err)
			if h.inline() {
				inline++
			}
		}
	}
	assert.Equal(t, 7, inline, "13 files, 6 migrated")
	assert.JSONEq(t, want, dumpJournal(t, s))
	requireClean(t, s)
	require.NoError(t, s.Close(context.Background()))

	migrateHook = nil
	s, err = Open(path, Options{})
	require.NoError(t, err)
	assert.Equal(t, schemaVersion, schemaOf(t, s))
	assert.JSONEq(t, want, dumpJournal(t, s))
	requireClean(t, s)
	require.NoError(t, s.Close(context.Background()))
}

// A read-only open (the CLI while no bridge runs) reads a journal of
// schema 1 as it is and changes nothing: the service migrates it.
func TestMigrate_ReadOnlyOpenReadsV1(t *testing.T) {
	want := string(gunzip(t, "journal-v1.json.gz"))
	path := v1Journal(t)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	s, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	assert.JSONEq(t, want, dumpJournal(t, s))
	heads, err := s.List(Filter{HeadersOnly: true, States: []State{Validated}})
	require.NoError(t, err)
	require.Len(t, heads, 1)
	assert.Equal(t, "f02-validated", heads[0].ID)
	assert.Nil(t, heads[0].Payments)
	assert.Equal(t, 2500, heads[0].PaymentCount(), "counted from the schema 1 record")
	requireClean(t, s)
	require.NoError(t, s.Close(context.Background()))
	now, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, orig, now, "a read-only open wrote to the journal")
}

// Compact and Backup copy the split records (nested buckets) whole.
func TestMigrate_CompactAndBackupKeepSplitRecords(t *testing.T) {
	want := string(gunzip(t, "journal-v1.json.gz"))
	path := v1Journal(t)
	s, err := Open(path, Options{})
	require.NoError(t, err)
	backup := filepath.Join(t.TempDir(), "backup.db")
	fh, err := os.Create(backup)
	require.NoError(t, err)
	require.NoError(t, s.Backup(fh))
	require.NoError(t, fh.Close())
	require.NoError(t, s.Close(context.Background()))

	_, err = Compact(path, 0)
	require.NoError(t, err)
	for _, p := range []string{path, backup} {
		s, err := Open(p, Options{ReadOnly: true})
		require.NoError(t, err)
		assert.Equal(t, schemaVersion, schemaOf(t, s))
		assert.JSONEq(t, want, dumpJournal(t, s), p)
		requireClean(t, s)
		require.NoError(t, s.Close(context.Background()))
	}
}
