package state

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Row updates sharing group commits, mixed with whole-file Updates and
// reads that fill the row cache, each change their own rows of one file:
// every change survives, in the cache and on disk, and failed counts in
// the header follow.
func TestUpdateRows_ConcurrentChangesAllKept(t *testing.T) {
	s, _ := openTest(t, Options{})
	const n = 64
	f := fileWithPayments("F", n)
	f.State = Submitted
	for i := range 4 {
		f.Batches = append(f.Batches, Batch{Index: i + 1, ExternalID: fmt.Sprintf("F-b%d", i+1), IdempotencyKey: "k"})
	}
	require.NoError(t, s.Create(f, "claimed"))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if i%8 == 7 {
				_, err = s.Update("F", "", func(f *File) error {
					f.Payments[i].Status, f.Payments[i].PaymentID = "REJECTED", fmt.Sprintf("pay-%d", i)
					return nil
				})
			} else {
				var h *File
				h, err = s.UpdateRows("F", "", Rows{Payments: []int{i}, Batches: []int{i % 5}}, func(f *File, pays []*Payment, bs []*Batch) error {
					pays[0].Status, pays[0].PaymentID = "REJECTED", fmt.Sprintf("pay-%d", i)
					bs[0].Status = "CREATED"
					f.PollFailures = 0
					return nil
				})
				if err == nil {
					assert.Nil(t, h.Payments)
					assert.Equal(t, n, h.PaymentCount())
				}
			}
			assert.NoError(t, err)
			if i%4 == 0 {
				_, err := s.Get("F") // fills and folds the row cache
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	got, err := s.Get("F")
	require.NoError(t, err)
	for i, p := range got.Payments {
		assert.Equal(t, "REJECTED", p.Status, "payment %d", i)
		assert.Equal(t, fmt.Sprintf("pay-%d", i), p.PaymentID)
	}
	for i, b := range got.Batches {
		assert.Equal(t, "CREATED", b.Status, "batch %d", i)
	}
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		g, err := getFile(tx, "F")
		require.NoError(t, err)
		assert.Equal(t, got, g, "the cache and the disk differ")
		return nil
	}))
	// Completing the file from the header alone lists it as completed
	// with failures: the header's failed count followed the rows.
	_, err = s.UpdateRows("F", "completed", Rows{}, func(f *File, _ []*Payment, _ []*Batch) error {
		f.State = Completed
		return nil
	})
	require.NoError(t, err)
	withFailures, err := s.List(Filter{States: []State{CompletedWithFailures}, HeadersOnly: true})
	require.NoError(t, err)
	require.Len(t, withFailures, 1)
	assert.Equal(t, n, withFailures[0].PaymentsFailed())
}

func TestUpdateRows_Errors(t *testing.T) {
	s, _ := openTest(t, Options{})
	require.NoError(t, s.Create(fileWithPayments("F", 3), "claimed"))
	nop := func(*File, []*Payment, []*Batch) error { return nil }
	boom := errors.New("boom")
	for _, tc := range []struct {
		name     string
		id       string
		rows     Rows
		fn       func(*File, []*Payment, []*Batch) error
		notFound bool
		want     string
	}{
		{name: "missing file", id: "G", fn: nop, notFound: true},
		{name: "missing payment", id: "F", rows: Rows{Payments: []int{3}}, fn: nop, notFound: true, want: "payment 3 of F (it has 3)"},
		{name: "negative payment", id: "F", rows: Rows{Payments: []int{-1}}, fn: nop, notFound: true},
		{name: "missing batch", id: "F", rows: Rows{Batches: []int{1}}, fn: nop, notFound: true, want: "batch 1 of F (it has 1)"},
		{name: "row named twice", id: "F", rows: Rows{Payments: []int{1, 1}}, fn: nop, want: "payment 1 of F named twice"},
		{name: "whole payments set", id: "F", fn: func(f *File, _ []*Payment, _ []*Batch) error {
			f.Payments = []Payment{{}}
			return nil
		}, want: "use Update"},
		{name: "entering a sent state", id: "F", fn: func(f *File, _ []*Payment, _ []*Batch) error {
			f.State = Submitting
			return nil
		}, want: "cannot enter submitting from received"},
		{name: "fn's error as is", id: "F", fn: func(*File, []*Payment, []*Batch) error { return boom }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := s.Get("F")
			require.NoError(t, err)
			_, err = s.UpdateRows(tc.id, "", tc.rows, tc.fn)
			require.Error(t, err)
			assert.Equal(t, tc.notFound, errors.Is(err, ErrNotFound), "%v", err)
			if tc.want != "" {
				assert.ErrorContains(t, err, tc.want)
			}
			if tc.fn != nil && tc.name == "fn's error as is" {
				assert.Same(t, boom, err)
			}
			after, err := s.Get("F")
			require.NoError(t, err)
			assert.Equal(t, before, after, "a failed row update wrote")
		})
	}
}

// A row update writes the header, the rows that changed and the change
// mark, nothing else.
func TestUpdateRows_WritesOnlyWhatChanged(t *testing.T) {
	s, _ := openTest(t, Options{})
	f := fileWithPayments("F", 1200)
	f.State = Submitted
	require.NoError(t, s.Create(f, "claimed"))
	before := dump(t, s)
	_, err := s.UpdateRows("F", "", Rows{Payments: []int{5, 6, 700}}, func(f *File, pays []*Payment, _ []*Batch) error {
		pays[0].Status = "SENT"
		pays[2].Status = "SENT" // pays[1] unchanged: not written
		return nil
	})
	require.NoError(t, err)
	after := dump(t, s)
	var changed []string
	for k, v := range after {
		if before[k] != v {
			changed = append(changed, k)
		}
	}
	assert.ElementsMatch(t, []string{"files/F", "payments/F/00000005", "payments/F/000002bc", "changed/F"}, changed)
}

// dump is every key of the journal's files, payments and changed buckets
// and its value.
func dump(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		for _, name := range []string{"files", "payments", "changed"} {
			b := tx.Bucket([]byte(name))
			require.NotNil(t, b, name)
			require.NoError(t, b.ForEach(func(k, v []byte) error {
				if v != nil {
					out[name+"/"+string(k)] = string(v)
					return nil
				}
				return b.Bucket(k).ForEach(func(rk, rv []byte) error {
					out[fmt.Sprintf("%s/%s/%x", name, k, rk)] = string(rv)
					return nil
				})
			}))
		}
		return nil
	}))
	return out
}
