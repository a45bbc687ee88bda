package state

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOps_KeyJournaledOnceThenConfirmed(t *testing.T) {
	s, _ := openTest(t, Options{})
	_, err := s.GetOp("counterparty/DE89370400440532013000")
	require.ErrorIs(t, err, ErrNotFound)

	// Two files racing for one new debtor: exactly one key is journaled,
	// and both see it.
	var wg sync.WaitGroup
	keys := make([]string, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op, err := s.UpdateOp("counterparty/DE89370400440532013000", func(op *Op, exists bool) error {
				if !exists {
					op.IdempotencyKey = "key-" + string(rune('a'+i))
					op.FileID = "f" + string(rune('a'+i))
				}
				return nil
			})
			assert.NoError(t, err)
			keys[i] = op.IdempotencyKey
		}()
	}
	wg.Wait()
	for _, k := range keys {
		assert.Equal(t, keys[0], k, "every caller got the first key")
	}

	_, err = s.UpdateOp("counterparty/DE89370400440532013000", func(op *Op, _ bool) error {
		op.AtlarID, op.ETag = "cp-1", "version:1"
		return nil
	})
	require.NoError(t, err)
	boom := errors.New("boom")
	_, err = s.UpdateOp("counterparty/DE89370400440532013000", func(op *Op, _ bool) error {
		op.AtlarID = "cp-2"
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := s.GetOp("counterparty/DE89370400440532013000")
	require.NoError(t, err)
	assert.Equal(t, "cp-1", got.AtlarID, "a failed update writes nothing")
	assert.Equal(t, keys[0], got.IdempotencyKey)

	_, err = s.UpdateOp("mandate/M-1", func(*Op, bool) error { return nil })
	require.NoError(t, err)
	ops, err := s.Ops("counterparty/")
	require.NoError(t, err)
	require.Len(t, ops, 1)
	assert.Equal(t, "version:1", ops[0].ETag)

}
