package state

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func fileWithPayments(id string, n int) *File {
	f := newFile(id, "payables")
	for i := range n {
		f.Payments = append(f.Payments, Payment{Row: i + 2, ExternalID: fmt.Sprintf("%s-%d", id, i), Amount: int64(i + 1), Currency: "EUR"})
	}
	f.Batches = []Batch{{Index: 0, ExternalID: id + "-b0", IdempotencyKey: "k", First: 0, Count: n}}
	return f
}

// Writers sharing a group commit each change their own payment of one
// file: every change survives, whichever cached or uncommitted copy each
// read (the cache must never hold what a transaction had not committed).
func TestUpdate_ConcurrentPaymentChangesAllKept(t *testing.T) {
	s, _ := openTest(t, Options{})
	const n = 64
	require.NoError(t, s.Create(fileWithPayments("F", n), "claimed"))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := s.Update("F", "", func(f *File) error {
				f.Payments[i].Status = "SENT"
				f.Payments[i].PaymentID = fmt.Sprintf("pay-%d", i)
				return nil
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	f, err := s.Get("F")
	require.NoError(t, err)
	for i, p := range f.Payments {
		assert.Equal(t, "SENT", p.Status, "payment %d", i)
		assert.Equal(t, fmt.Sprintf("pay-%d", i), p.PaymentID)
	}
	// What is on disk, read without the cache, says the same.
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		g, err := getFile(tx, "F")
		require.NoError(t, err)
		assert.Equal(t, f, g)
		return nil
	}))
}

// A caller changing the File Get or Update returned changes nothing the
// journal or its cache holds.
func TestUpdate_ReturnedFileIsTheCallers(t *testing.T) {
	s, _ := openTest(t, Options{})
	require.NoError(t, s.Create(fileWithPayments("F", 3), "claimed"))
	got, err := s.Update("F", "", func(f *File) error { f.Payments[0].Status = "SENT"; return nil })
	require.NoError(t, err)
	got.Payments[1].Status = "SCRIBBLED"
	g, err := s.Get("F")
	require.NoError(t, err)
	g.Payments[2].Status = "SCRIBBLED"
	f, err := s.Update("F", "", func(f *File) error { f.Batches[0].ID = "batch-1"; return nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"SENT", "", ""}, []string{f.Payments[0].Status, f.Payments[1].Status, f.Payments[2].Status})
}

// Payments and batches can shrink and grow: rows past the end go.
func TestUpdate_RowsShrinkAndGrow(t *testing.T) {
	s, _ := openTest(t, Options{})
	require.NoError(t, s.Create(fileWithPayments("F", 5), "claimed"))
	_, err := s.Update("F", "", func(f *File) error { f.Payments = f.Payments[:2]; f.Batches = nil; return nil })
	require.NoError(t, err)
	f, err := s.Get("F")
	require.NoError(t, err)
	assert.Len(t, f.Payments, 2)
	assert.Empty(t, f.Batches)
	_, err = s.Update("F", "", func(f *File) error {
		f.Payments = append(f.Payments, Payment{Row: 9, ExternalID: "new"})
		return nil
	})
	require.NoError(t, err)
	f, err = s.Get("F")
	require.NoError(t, err)
	require.Len(t, f.Payments, 3)
	assert.Equal(t, "new", f.Payments[2].ExternalID)
}

// HeadersOnly lists files without reading a payment.
func TestList_HeadersOnly(t *testing.T) {
	s, _ := openTest(t, Options{})
	require.NoError(t, s.Create(fileWithPayments("A", 3), "claimed"))
	require.NoError(t, s.Create(fileWithPayments("B", 2), "claimed"))
	_, err := s.Update("A", "", func(f *File) error { f.Payments[1].Status = "REJECTED"; return nil })
	require.NoError(t, err)
	for _, flt := range []Filter{{HeadersOnly: true}, {HeadersOnly: true, States: []State{Received}}} {
		files, err := s.List(flt)
		require.NoError(t, err)
		require.Equal(t, []string{"A", "B"}, ids(files))
		for _, f := range files {
			assert.Nil(t, f.Payments)
			assert.Nil(t, f.Batches)
			assert.Equal(t, "payables", f.Route)
		}
		assert.Equal(t, &Listing{Payments: 3, Failed: 1}, files[0].Listed)
		assert.Equal(t, 3, files[0].PaymentCount())
		assert.Equal(t, 1, files[0].PaymentsFailed())
		assert.Equal(t, &Listing{Payments: 2}, files[1].Listed)
	}
	full, err := s.List(Filter{})
	require.NoError(t, err)
	assert.Len(t, full[0].Payments, 3)
	assert.Len(t, full[1].Batches, 1)
}

// Delete and prune take a file's rows with it (Check at cleanup reports
// rows kept for a missing file).
func TestDelete_DropsRows(t *testing.T) {
	s, _ := openTest(t, Options{})
	require.NoError(t, s.Create(fileWithPayments("A", 3), "claimed"))
	require.NoError(t, s.Delete("A"))
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		assert.Nil(t, tx.Bucket(bucketPayments).Bucket([]byte("A")))
		assert.Nil(t, tx.Bucket(bucketBatches).Bucket([]byte("A")))
		return nil
	}))
}

// The row cache answers only for the rev it holds, never goes back to an
// older rev, and drops its oldest files beyond its bound.
func TestRowCache(t *testing.T) {
	c := newRowCache(5)
	p := func(n int) []Payment { return make([]Payment, n) }
	c.put("A", 2, p(2), nil)
	c.put("A", 1, p(1), nil) // an older read comes late
	got, _, ok := c.get("A", 2)
	require.True(t, ok)
	assert.Len(t, got, 2)
	_, _, ok = c.get("A", 1)
	assert.False(t, ok, "rev 1 is not what the cache holds")
	c.put("B", 3, p(2), nil)
	c.put("C", 4, p(2), nil) // 6 payments > 5: A goes
	_, _, ok = c.get("A", 2)
	assert.False(t, ok)
	_, _, ok = c.get("C", 4)
	assert.True(t, ok)
	c.put("D", 5, p(6), nil) // bigger than the whole cache: not kept
	_, _, ok = c.get("D", 5)
	assert.False(t, ok)
	var nilCache *rowCache
	_, _, ok = nilCache.get("A", 2)
	assert.False(t, ok)
}
