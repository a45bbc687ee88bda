package state

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestStore_OutboxRoute(t *testing.T) {
	s, clock := openTest(t, Options{})
	require.NoError(t, s.Create(newFile("F1", "payables"), "claimed"))
	require.NoError(t, s.Create(newFile("F2", "sepa"), "claimed"))
	// Both routes had an input called x.csv; F2's result took the plain
	// name after F1's was collected.
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F1/0/ack", Path: "outbox/results/x.csv.ack.xml", Temp: "t1", Done: true}))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F1/0/result.csv", Path: "outbox/results/x.csv.result.csv", Temp: "t2"}))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "report/R1", Path: "outbox/statements/DE89_2025-03-14_R1.xml", Temp: "t3", Done: true}))
	clock.Advance(1)
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F2/0/ack", Path: "outbox/results/x.csv.ack.xml", Temp: "t4", Done: true}))

	tests := []struct {
		path, route string
		found       bool
	}{
		{"outbox/results/x.csv.ack.xml", "sepa", true},
		{"outbox/results/x.csv.result.csv", "payables", true},
		{"outbox/statements/DE89_2025-03-14_R1.xml", "", false},
		{"outbox/results/other.ack.xml", "", false},
	}
	var paths []string
	want := map[string]string{}
	for _, tt := range tests {
		paths = append(paths, tt.path)
		if tt.found {
			want[tt.path] = tt.route
		}
	}
	routes, err := s.OutboxRoutes(paths)
	require.NoError(t, err)
	require.Equal(t, want, routes, "one transaction for a listing")
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			route, err := s.OutboxRoute(tt.path)
			if !tt.found {
				require.ErrorIs(t, err, ErrNotFound)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.route, route)
		})
	}
}

// A journal written before the index existed gets it built on open, the
// latest delivery to a path winning.
func TestStore_OutboxRouteIndexBuiltOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bridge.db")
	s, err := Open(path, Options{})
	require.NoError(t, err)
	require.NoError(t, s.Create(newFile("F1", "payables"), "claimed"))
	require.NoError(t, s.Create(newFile("F2", "sepa"), "claimed"))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F2/0/ack", Path: "outbox/results/x.ack.xml", Temp: "t", Done: true, At: t0.Add(2)}))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F1/0/ack", Path: "outbox/results/x.ack.xml", Temp: "t", Done: true, At: t0.Add(1)}))
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketOutbox) }))
	require.NoError(t, s.Close(context.Background()))

	ro, err := Open(path, Options{ReadOnly: true})
	require.NoError(t, err)
	_, err = ro.OutboxRoute("outbox/results/x.ack.xml")
	require.ErrorIs(t, err, ErrNotFound, "a read-only open does without the index")
	require.NoError(t, ro.Close(context.Background()))

	s, err = Open(path, Options{})
	require.NoError(t, err)
	defer s.Close(context.Background())
	route, err := s.OutboxRoute("outbox/results/x.ack.xml")
	require.NoError(t, err)
	require.Equal(t, "sepa", route, "the later delivery owns the path")
	problems, err := s.Check()
	require.NoError(t, err)
	require.Empty(t, problems)
}

// BenchmarkOutboxRoute measures the look-up the SFTP server makes per
// listed result file, on a journal of 20k files with 3 deliveries each.
func BenchmarkOutboxRoute(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close(context.Background())
	const n = 20_000
	loadOutbox(b, s, n)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.OutboxRoute(fmt.Sprintf("outbox/results/f%d.csv.ack", (i*7919)%n)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutboxRoutes is the same look-up for a listing of 1000 result
// files in one transaction.
func BenchmarkOutboxRoutes(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bridge.db"), Options{})
	require.NoError(b, err)
	defer s.Close(context.Background())
	const n = 20_000
	loadOutbox(b, s, n)
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = fmt.Sprintf("outbox/results/f%d.csv.ack", (i*7919)%n)
	}
	b.ResetTimer()
	for b.Loop() {
		routes, err := s.OutboxRoutes(paths)
		if err != nil || len(routes) != len(paths) {
			b.Fatal(len(routes), err)
		}
	}
}

// loadOutbox journals n files with 3 result deliveries each.
func loadOutbox(b *testing.B, s *Store, n int) {
	b.Helper()
	loadFiles(b, s, n)
	for start := 0; start < n; start += 2_000 {
		_, _, err := s.write("load", func(tx *bolt.Tx) (*File, error) {
			deliveries, err := bucket(tx, bucketDeliveries)
			if err != nil {
				return nil, err
			}
			for i := start; i < min(start+2_000, n); i++ {
				for _, kind := range []string{"ack", "result.xml", "result.csv"} {
					d := Delivery{Key: fmt.Sprintf("file/L%08d/0/%s", i, kind), Path: fmt.Sprintf("outbox/results/f%d.csv.%s", i, kind), Temp: "t", Done: true, At: t0}
					if err := deliveries.Put([]byte(d.Key), mustJSON(b, &d)); err != nil {
						return nil, err
					}
					if err := indexOutboxPath(tx, d.Path, d.Key); err != nil {
						return nil, err
					}
				}
			}
			return nil, nil
		})
		require.NoError(b, err)
	}
}
