package inbound_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVendors_LostCreateAnswer: Atlar creates the counterparty but every
// answer is lost, and the bridge is restarted meanwhile. The next attempt
// finds it by externalId: one counterparty, and the row says created.
func TestVendors_LostCreateAnswer(t *testing.T) {
	w := newWorld(t)
	w.startVendors()
	w.fake.SetFaults(atlartest.Faults{RateLostResponse: 1, Only: []string{"POST /payments/v2/counterparties"}})
	id := w.drop("vendors", "vendors.csv", vendorsCSV(nil))
	w.waitReal(func() bool { return w.fake.Stats().CounterpartiesCreated == 3 }, "the creates to take effect")
	w.close()
	w.fake.SetFaults(atlartest.Faults{})
	w.startVendors()
	require.True(t, w.pump(time.Second, time.Hour, func() bool { return w.inState(id, state.Completed)() }), "file completes\n%s", w.logs)
	f := w.file(id)
	assert.Equal(t, map[string]string{"V-1": inbound.VendorCreated, "V-2": inbound.VendorCreated, "V-3": inbound.VendorCreated}, rowStatuses(f))
	assert.Equal(t, 3, w.fake.Stats().CounterpartiesCreated)
	for ext, n := range seededCounterparties(w) {
		assert.Equal(t, 1, n, "counterparty %s exists %d times", ext, n)
	}
	for _, p := range f.Payments {
		assert.NotEmpty(t, p.PaymentID, p.ExternalID)
		assert.NotEmpty(t, p.InstrID, p.ExternalID)
	}
}

// seededCounterparties are the fake's counterparties by externalId.
func seededCounterparties(w *world) map[string]int {
	n := map[string]int{}
	for _, c := range w.fake.Counterparties() {
		n[c.Counterparty.ExternalID]++
	}
	return n
}

// TestVendors_FaultStorm: files naming overlapping vendors (new ones, a
// changed e-mail, a new IBAN) arrive while Atlar fails 30% of the time in
// every way the fake knows (answers lost after their effect included) and
// the bridge is restarted between files. Once the faults stop, every file
// is final, every row has an outcome, no vendor or account exists twice,
// and Atlar holds what the last file said.
func TestVendors_FaultStorm(t *testing.T) {
	w := newWorld(t)
	w.startVendors()
	w.fake.SetFaults(atlartest.Faults{Seed: 7, Rate5xx: 0.06, Rate429: 0.06, RetryAfter: 1, Rate425: 0.06,
		RateReset: 0.06, RateLostResponse: 0.06, Only: []string{"/payments/v2/counterparties", "/payments/v2/external-accounts"}})
	const files = 6
	var ids []string
	for i := range files {
		data := vendorsCSV(func(rows []string) {
			for k := range rows {
				// Vendor numbers shift by one per file, so files share vendors.
				rows[k] = strings.Replace(rows[k], fmt.Sprintf("V-%d,", k+1), fmt.Sprintf("V-%d,", k+1+i), 1)
			}
			rows[1] = strings.Replace(rows[1], "compta@", fmt.Sprintf("compta%d@", i), 1)
			if i%2 == 1 {
				rows[2] = strings.Replace(rows[2], "NL91 ABNA 0417 1643 00", "DE89 3704 0044 0532 0130 00", 1)
			}
		})
		ids = append(ids, w.drop("vendors", fmt.Sprintf("vendors-%d.csv", i), data))
		w.pump(time.Second, 5*time.Second, func() bool { return false })
		w.close()
		w.startVendors()
	}
	w.fake.SetFaults(atlartest.Faults{})
	allFinal := func() bool {
		for _, id := range ids {
			f, err := w.store.Get(id)
			if err != nil || !f.State.Final() {
				return false
			}
		}
		return true
	}
	require.True(t, w.pump(time.Second, 2*time.Hour, allFinal), "every file final\n%s", w.logs)
	rows := 0
	for _, id := range ids {
		f := w.file(id)
		assert.Equal(t, state.Completed, f.State, f.Name)
		for _, p := range f.Payments {
			rows++
			assert.Contains(t, []string{inbound.VendorCreated, inbound.VendorUpdated, inbound.VendorUnchanged}, p.Status, "%s row %d: %s", f.Name, p.Row, p.Reason)
			assert.NotEmpty(t, p.PaymentID)
			assert.NotEmpty(t, p.InstrID)
		}
	}
	assert.Equal(t, 3*files, rows, "no row lost")
	for ext, n := range seededCounterparties(w) {
		assert.Equal(t, 1, n, "counterparty %s exists %d times", ext, n)
	}
	accounts := map[string]int{}
	for _, a := range w.fake.ExternalAccounts() {
		accounts[a.ExternalAccount.CounterpartyID+"/"+a.ExternalAccount.IBAN()]++
	}
	for k, n := range accounts {
		assert.Equal(t, 1, n, "external account %s exists %d times", k, n)
	}
	st := w.fake.Stats()
	t.Logf("faults: %d 5xx, %d 429, %d 425, %d resets, %d lost responses; %d counterparties created, %d patches, %d accounts",
		st.Served5xx, st.Served429, st.Served425, st.Resets, st.LostResponses, st.CounterpartiesCreated, st.CounterpartyPatches, st.ExternalAccountsCreated)
	assert.Positive(t, st.LostResponses+st.Resets+st.Served5xx, "faults were injected")
}
