package state

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStore_CompletedWithFailures: a completed file with payments that
// ended REJECTED, FAILED or RETURNED is listed and counted under the
// completed-with-failures outcome besides completed, and leaves it when it
// no longer qualifies (retried) or is deleted; Check (at cleanup) agrees
// with the kept counts throughout.
func TestStore_CompletedWithFailures(t *testing.T) {
	s, _ := openTest(t, Options{})
	for _, id := range []string{"OK", "BAD"} {
		require.NoError(t, s.Create(newFile(id, "payables"), "claimed"))
	}
	complete := func(statuses ...string) func(*File) error {
		return func(f *File) error {
			f.State = Completed
			f.Payments = nil
			for i, st := range statuses {
				f.Payments = append(f.Payments, Payment{Row: i + 1, Status: st})
			}
			return nil
		}
	}
	_, err := s.Update("OK", "completed", complete("EXECUTED", "ACCEPTED"))
	require.NoError(t, err)
	_, err = s.Update("BAD", "completed", complete("EXECUTED", "REJECTED", "RETURNED"))
	require.NoError(t, err)

	got, err := s.List(Filter{States: []State{CompletedWithFailures}})
	require.NoError(t, err)
	assert.Equal(t, []string{"BAD"}, ids(got))
	got, err = s.List(Filter{States: []State{Completed}})
	require.NoError(t, err)
	assert.Equal(t, []string{"BAD", "OK"}, ids(got))
	counts, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[State]int{Completed: 2, CompletedWithFailures: 1}, counts["payables"])
	problems, err := s.Check()
	require.NoError(t, err)
	assert.Empty(t, problems)

	// Requeued: no longer completed, no longer listed.
	_, err = s.Update("BAD", "requeued", func(f *File) error { f.State = Received; f.Payments = nil; return nil })
	require.NoError(t, err)
	counts, err = s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[State]int{Completed: 1, Received: 1}, counts["payables"])

	_, err = s.Update("OK", "returned later", complete("EXECUTED", "RETURNED"))
	require.NoError(t, err)
	require.NoError(t, s.Delete("OK"))
	counts, err = s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[State]int{Received: 1}, counts["payables"])
}
