package state

import (
	"context"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkUpdate measures one journal transition: load, change state,
// append a step, re-index, fsync.
func BenchmarkUpdate(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close(context.Background())
	loadFiles(b, s, 1000)
	require.NoError(b, s.Create(newFile("B", "payables"), ""))

	next := map[State]State{Received: Validated, Validated: Received}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, err := s.Update("B", fmt.Sprintf("step %d", i%8), func(f *File) error {
			f.State = next[f.State]
			if len(f.Steps) > 16 {
				// Keep the record at a realistic size.
				f.Steps = f.Steps[len(f.Steps)-8:]
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCounts measures Counts over a journal of 100k files.
func BenchmarkCounts(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close(context.Background())
	loadFiles(b, s, 100_000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Counts(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchUpdateSize measures one hot-path journal update — a poll that
// changes three payments' statuses and notes it — on a file of n
// payments. Before the record split (issue 13.1) its cost grew with n,
// since every update re-encoded the whole record.
func benchUpdateSize(b *testing.B, n int) { benchUpdate(b, n, 3) }

// benchUpdate is benchUpdateSize changing k payments per update (0: a
// header-only step such as a batch's first try or an output written).
func benchUpdate(b *testing.B, n, k int) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close(context.Background())
	require.NoError(b, s.Create(benchFile(n), "created"))
	statuses := []string{"APPROVED", "SENT"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, err := s.Update("B", "", func(f *File) error {
			for j := range k {
				f.Payments[(i*k+j)%n].Status = statuses[i%2]
			}
			f.NextPollAt = f.UpdatedAt
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchFile is a submitted file of n payments in batches of 1,000.
func benchFile(n int) *File {
	f := newFile("B", "payables")
	f.State = Submitted
	for i := range n {
		f.Payments = append(f.Payments, Payment{Row: i + 2, ExternalID: fmt.Sprintf("E2E-%07d", i),
			Amount: int64(100 + i), Currency: "EUR", PaymentID: fmt.Sprintf("pay-%07d", i), Status: "CREATED"})
	}
	for i := 0; i*1000 < n; i++ {
		f.Batches = append(f.Batches, Batch{Index: i, ExternalID: fmt.Sprintf("B-%d", i), IdempotencyKey: fmt.Sprintf("k-%d", i),
			First: i * 1000, Count: min(1000, n-i*1000), ID: fmt.Sprintf("batch-%d", i), Status: "CREATED"})
	}
	return f
}

func BenchmarkUpdate_1(b *testing.B)    { benchUpdateSize(b, 1) }
func BenchmarkUpdate_1k(b *testing.B)   { benchUpdateSize(b, 1000) }
func BenchmarkUpdate_100k(b *testing.B) { benchUpdateSize(b, 100_000) }

func BenchmarkUpdate_100kHeaderOnly(b *testing.B) { benchUpdate(b, 100_000, 0) }

// benchUpdateRows is benchUpdate through UpdateRows, the hot paths' API
// (a poll naming the payments it changed; k = 0: a batch's first try).
func benchUpdateRows(b *testing.B, n, k int) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close(context.Background())
	require.NoError(b, s.Create(benchFile(n), "created"))
	statuses := []string{"APPROVED", "SENT"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		var rows Rows
		for j := range min(k, n) { // a row is named once
			rows.Payments = append(rows.Payments, (i*k+j)%n)
		}
		if k == 0 {
			rows.Batches = []int{i % ((n + 999) / 1000)}
		}
		_, err := s.UpdateRows("B", "", rows, func(f *File, pays []*Payment, batches []*Batch) error {
			for _, p := range pays {
				p.Status = statuses[i%2]
			}
			for _, bt := range batches {
				bt.FirstTry = f.UpdatedAt
			}
			f.NextPollAt = f.UpdatedAt
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateRows_1(b *testing.B)             { benchUpdateRows(b, 1, 3) }
func BenchmarkUpdateRows_1k(b *testing.B)            { benchUpdateRows(b, 1000, 3) }
func BenchmarkUpdateRows_100k(b *testing.B)          { benchUpdateRows(b, 100_000, 3) }
func BenchmarkUpdateRows_100kBatchOnly(b *testing.B) { benchUpdateRows(b, 100_000, 0) }

// BenchmarkMigrate measures the schema 1 → 2 migration of a journal of
// 20,000 files of 10 payments each (records written as schema 1 did: the
// whole File JSON under files/<id>).
func BenchmarkMigrate(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "bridge.db")
		s, err := Open(path, Options{})
		require.NoError(b, err)
		const files, payments = 20_000, 10
		for start := 0; start < files; start += 2_000 {
			require.NoError(b, s.db.Update(func(tx *bolt.Tx) error {
				for i := start; i < start+2_000; i++ {
					f := newFile(fmt.Sprintf("M%08d", i), "payables")
					for k := range payments {
						f.Payments = append(f.Payments, Payment{Row: k + 2, ExternalID: fmt.Sprintf("M%d-%d", i, k), Amount: 100, Currency: "EUR"})
					}
					if err := tx.Bucket(bucketFiles).Put([]byte(f.ID), mustJSON(b, f)); err != nil {
						return err
					}
					if err := indexState(tx, f.ID, f.Route, "", f.State); err != nil {
						return err
					}
				}
				return nil
			}))
		}
		require.NoError(b, s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketSchema).Put([]byte("version"), []byte(schemaVersionV1))
		}))
		require.NoError(b, s.Close(context.Background()))
		b.StartTimer()
		s, err = Open(path, Options{})
		require.NoError(b, err)
		b.StopTimer()
		require.Equal(b, schemaVersion, schemaOf(b, s))
		require.NoError(b, s.Close(context.Background()))
		b.StartTimer()
	}
}
