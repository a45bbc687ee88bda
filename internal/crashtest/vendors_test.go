package crashtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/stretchr/testify/require"
)

const vendorsRouteConfig = `
[[routes]]
name = "vendors"
format = "csv"
kind = "counterparties"
`

// vendorIBANs are valid IBANs the vendor files draw from.
var vendorIBANs = []string{
	"DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300",
	"GB29NWBK60161331926819", "DE75512108001245126199",
}

// vendorFile is file i of the storm: 5 vendors out of 12, so files share
// vendors, with e-mails and IBANs that change from file to file.
func vendorFile(rng *rand.Rand, i int) []byte {
	var b strings.Builder
	b.WriteString("external_id,name,party_type,iban,currency,country,email\n")
	first := rng.IntN(8)
	for k := range 5 {
		v := first + k
		iban := vendorIBANs[rng.IntN(len(vendorIBANs))]
		fmt.Fprintf(&b, "CV-%d,Vendor %d Ltd,COMPANY,%s,EUR,%s,ap%d@vendor%d.example\n", v, v, iban, iban[:2], rng.IntN(3), v)
	}
	return []byte(b.String())
}

// TestVendors_KillAndFaultStorm runs the counterparties route under the
// crash harness: vendor files sharing vendors arrive while the bridge is
// killed (crash switches right after journal writes and Atlar answers,
// and random SIGKILLs) and Atlar fails 30% of the time (5xx, 429, 425,
// resets, answers lost after their effect). Afterwards every file has its
// result CSV with an outcome for every row, and no counterparty or
// external account exists twice at Atlar.
func TestVendors_KillAndFaultStorm(t *testing.T) {
	needProcess(t)
	s := seed(t)
	rng := newRand(s, 31)
	r := newRig(t, rigOptions{Timeout: "1s", Extra: vendorsRouteConfig})
	first := r.start("")
	r.waitReady(first, 30*time.Second)
	r.kill(first)

	r.fake.SetFaults(atlartest.Faults{Seed: rng.Int64(), Rate5xx: 0.06, Rate429: 0.06, RetryAfter: 1, Rate425: 0.06,
		RateReset: 0.06, RateLostResponse: 0.06})
	files := envInt(t, "CRASHTEST_VENDOR_FILES", 8)
	k := &killTally{ByStep: map[string]int{}}
	var names []string
	for i := range files {
		name := fmt.Sprintf("vendors-%02d.csv", i)
		inbox := filepath.Join(r.root, "inbox", "vendors")
		require.NoError(t, os.WriteFile(filepath.Join(inbox, name+".part"), vendorFile(rng, i), 0o644))
		require.NoError(t, os.Rename(filepath.Join(inbox, name+".part"), filepath.Join(inbox, name)))
		names = append(names, name)
		r.cycle(rng, k)
		r.cycle(rng, k)
	}
	r.fake.SetFaults(atlartest.Faults{})

	p := r.start("")
	results := filepath.Join(r.root, "outbox", "results")
	deadline := time.Now().Add(120 * time.Second)
	for {
		missing := 0
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(results, n+".result.csv")); err != nil {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			r.kill(p)
			t.Fatalf("%d of %d vendor files have no result after the storm:\n%s", missing, len(names), r.logTail(80))
		}
		time.Sleep(100 * time.Millisecond) // polling interval, not synchronisation
	}
	require.Equal(t, 0, r.stop(p))

	rows := 0
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(results, n+".result.csv"))
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		require.Equal(t, "external_id,name,party_type,iban,currency,country,email,status,counterparty_id,external_account_id,reason", lines[0], n)
		for _, l := range lines[1:] {
			f := strings.Split(l, ",")
			require.Len(t, f, 11, "%s: %s", n, l)
			require.Contains(t, []string{"created", "updated", "unchanged"}, f[7], "%s: %s", n, l)
			require.NotEmpty(t, f[8], l)
			require.NotEmpty(t, f[9], l)
			rows++
		}
	}
	require.Equal(t, 5*files, rows, "no row lost")
	cps := map[string]int{}
	for _, c := range r.fake.Counterparties() {
		if strings.HasPrefix(c.Counterparty.ExternalID, "CV-") {
			cps[c.Counterparty.ExternalID]++
		}
	}
	dups := 0
	for ext, n := range cps {
		if n > 1 {
			t.Errorf("counterparty %s exists %d times", ext, n)
			dups++
		}
	}
	accts := map[string]int{}
	for _, a := range r.fake.ExternalAccounts() {
		accts[a.ExternalAccount.CounterpartyID+"/"+a.ExternalAccount.IBAN()]++
	}
	for key, n := range accts {
		if n > 1 {
			t.Errorf("external account %s exists %d times", key, n)
			dups++
		}
	}
	st := r.fake.Stats()
	t.Logf("%s; faults: %d 5xx, %d 429, %d 425, %d resets, %d lost responses; %d counterparties, %d patches, %d accounts created",
		k, st.Served5xx, st.Served429, st.Served425, st.Resets, st.LostResponses, st.CounterpartiesCreated, st.CounterpartyPatches, st.ExternalAccountsCreated)
	require.Zero(t, dups)
}
