package atlar_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
)

// Two writers creating the same new debtor (same externalId, their own
// keys) end with one counterparty: one create succeeds, the other gets
// ErrConflict and finds the winner by externalId.
func TestCounterparties_ConcurrentSameExternalID(t *testing.T) {
	f := newDDFixture(t, false)
	ctx := t.Context()
	const n = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		created  int
		conflict int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.c.CreateCounterparty(ctx, debtor("same-debtor", debtorIBAN), "key-"+string(rune('a'+i)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case assert.ErrorIs(t, err, atlar.ErrConflict):
				conflict++
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, created)
	assert.Equal(t, n-1, conflict)
	assert.Equal(t, 1, f.srv.Stats().CounterpartiesCreated)
	got, err := f.c.GetCounterparty(ctx, "external:same-debtor")
	require.NoError(t, err)
	assert.Len(t, got.Accounts, 1)
}

// Past the key's 24 hours a resend of the same create is no longer a
// replay: the externalId catches it (409) and the lookup finds the debit
// created the first time.
func TestDirectDebits_AfterKeyExpiryLookUpByExternalID(t *testing.T) {
	f := newDDFixture(t, false)
	ctx := t.Context()
	cp, _ := f.debtorWithMandate(t, "k1", true)
	req := ddRequest(cp.Accounts[0].ID, "E2E-EXP-1", "Invoice 9", 1_00)
	req.Date = "2025-03-20"
	first, err := f.c.CreateDirectDebit(ctx, req, "k-exp")
	require.NoError(t, err)

	f.clock.Advance(25 * time.Hour)
	_, err = f.c.CreateDirectDebit(ctx, req, "k-exp")
	require.ErrorIs(t, err, atlar.ErrConflict)
	found, err := f.c.GetDirectDebit(ctx, "external:"+req.ExternalID)
	require.NoError(t, err)
	assert.Equal(t, first.ID, found.ID)
	assert.Equal(t, 1, f.srv.Stats().DirectDebitsCreated)
}

// A PATCH whose answer is lost took effect; the client resends it and gets
// 412 for its own change. Re-read: the diff is empty, nothing left to send.
func TestCounterparties_PatchLostAnswer(t *testing.T) {
	f := newDDFixture(t, false)
	ctx := t.Context()
	cp, err := f.c.CreateCounterparty(ctx, debtor("lost-1", debtorIBAN), "k-lost")
	require.NoError(t, err)
	want := *debtor("lost-1", debtorIBAN)
	want.Email = "changed@example.com"

	// One attempt only, so that the test decides when to resend.
	once, err := atlar.New(atlar.Config{BaseURL: f.url, AccessKey: "demo-key", Secret: "demo-secret", Auth: atlar.AuthBasic, MaxRetries: -1})
	require.NoError(t, err)
	ops := atlar.CounterpartyPatch(*cp, want)
	f.srv.SetFaults(atlartest.Faults{RateLostResponse: 1, Only: []string{"PATCH /payments/v2/counterparties/"}})
	_, err = once.PatchCounterparty(ctx, cp.ID, cp.ETag, ops)
	require.Error(t, err)
	assert.True(t, atlar.Temporary(err), "outcome unknown: %v", err)
	f.srv.SetFaults(atlartest.Faults{})
	_, err = once.PatchCounterparty(ctx, cp.ID, cp.ETag, ops)
	require.ErrorIs(t, err, atlar.ErrPreconditionFailed, "the resend meets its own change")

	cur, err := f.c.GetCounterparty(ctx, cp.ID)
	require.NoError(t, err)
	assert.Equal(t, "changed@example.com", cur.Email)
	assert.Equal(t, 2, cur.Version, "applied once")
	assert.Empty(t, atlar.CounterpartyPatch(*cur, want))
	assert.Equal(t, 1, f.srv.Stats().CounterpartyPatches)
}
