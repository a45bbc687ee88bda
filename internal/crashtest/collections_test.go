package crashtest

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/stretchr/testify/require"
)

// collectionsRoute is the pain.008 route the kill storm and the API fault
// rig add (rigOptions.Extra).
const collectionsRoute = "[[routes]]\nname = \"collections\"\nformat = \"pain008\"\n"

// collections drops pain.008 files of three collections each, whose
// debtors (and so counterparties, accounts and mandates) are shared
// across files, and checks at the end that Atlar has every direct debit
// once and every shared resource once.
type collections struct {
	r   *rig
	tag string
	e2e []string
}

func collectionDebtorIBAN(n int) string {
	bban := fmt.Sprintf("37040044%010d", n)
	v, _ := new(big.Int).SetString(bban+"131400", 10) // "DE00": D=13, E=14
	return fmt.Sprintf("DE%02d%s", 98-new(big.Int).Mod(v, big.NewInt(97)).Int64(), bban)
}

// drop writes n files into inbox/collections (temp name, then rename).
func (c *collections) drop(t *testing.T, n int) {
	t.Helper()
	date := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	for i := 0; i < n; i++ {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"><CstmrDrctDbtInitn>
<GrpHdr><MsgId>%[1]s-%[2]d</MsgId><CreDtTm>2026-03-10T08:00:00</CreDtTm><NbOfTxs>3</NbOfTxs><CtrlSum>30.00</CtrlSum><InitgPty><Nm>Crash</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>%[1]s-%[2]d-P</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>3</NbOfTxs><CtrlSum>30.00</CtrlSum>
<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>RCUR</SeqTp></PmtTpInf>
<ReqdColltnDt>%[3]s</ReqdColltnDt><Cdtr><Nm>Crash Creditor GmbH</Nm></Cdtr>
<CdtrAcct><Id><IBAN>%[4]s</IBAN></Id></CdtrAcct><CdtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></CdtrAgt>
<ChrgBr>SLEV</ChrgBr><CdtrSchmeId><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>
`, c.tag, i, date, atlartest.SeedEURIBAN)
		for k := 0; k < 3; k++ {
			d := (i*3 + k) % 7
			e2e := fmt.Sprintf("%s-C%d-%d", c.tag, i, k)
			c.e2e = append(c.e2e, e2e)
			fmt.Fprintf(&b, `<DrctDbtTxInf><PmtId><EndToEndId>%s</EndToEndId></PmtId><InstdAmt Ccy="EUR">10.00</InstdAmt>
<DrctDbtTx><MndtRltdInf><MndtId>M-%s-%d</MndtId><DtOfSgntr>2024-01-15</DtOfSgntr></MndtRltdInf></DrctDbtTx>
<DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt><Dbtr><Nm>Debtor %d</Nm></Dbtr>
<DbtrAcct><Id><IBAN>%s</IBAN></Id></DbtrAcct><RmtInf><Ustrd>Invoice %s</Ustrd></RmtInf></DrctDbtTxInf>
`, e2e, c.tag, d, d, collectionDebtorIBAN(1000+d), e2e)
		}
		b.WriteString("</PmtInf></CstmrDrctDbtInitn></Document>\n")
		final := filepath.Join(c.r.root, "inbox", "collections", fmt.Sprintf("%s-%d.xml", c.tag, i))
		require.NoError(t, os.WriteFile(final+".part", []byte(b.String()), 0o644))
		require.NoError(t, os.Rename(final+".part", final))
	}
}

// verify waits (bounded) for every collection's direct debit and asserts
// that none, and no counterparty or mandate, exists twice.
func (c *collections) verify(t *testing.T, within time.Duration) {
	t.Helper()
	count := func() map[string]int {
		m := map[string]int{}
		for _, d := range c.r.fake.DirectDebits() {
			m[d.DirectDebit.ExternalID]++
		}
		return m
	}
	deadline := time.Now().Add(within)
	for {
		got, missing := count(), 0
		for _, e := range c.e2e {
			if got[e] == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d of %d collections never reached Atlar (lost)\n%s", missing, len(c.e2e), c.r.logTail(40))
		time.Sleep(200 * time.Millisecond) // polling the fake for an end state
	}
	dup := 0
	for e, n := range count() {
		if n > 1 {
			dup++
			t.Errorf("direct debit %s created %d times", e, n)
		}
	}
	cps, mandates := map[string]int{}, map[string]int{}
	for _, cp := range c.r.fake.Counterparties() {
		if cp.Counterparty.ExternalID != "" {
			cps[cp.Counterparty.ExternalID]++
		}
	}
	for _, m := range c.r.fake.Mandates() {
		mandates[m.Mandate.MandateReference]++
	}
	for k, n := range cps {
		if n > 1 {
			dup++
			t.Errorf("counterparty %s created %d times", k, n)
		}
	}
	for k, n := range mandates {
		if n > 1 {
			dup++
			t.Errorf("mandate %s created %d times", k, n)
		}
	}
	// Each file is final, completed, and its original rests byte for
	// byte where the journal says.
	for i := 0; i < len(c.e2e)/3; i++ {
		name := fmt.Sprintf("%s-%d.xml", c.tag, i)
		var done bool
		for time.Now().Before(deadline.Add(30 * time.Second)) {
			if out, err := os.ReadDir(filepath.Join(c.r.root, "outbox", "results")); err == nil {
				for _, e := range out {
					done = done || e.Name() == name+".result.xml"
				}
			}
			if done {
				break
			}
			time.Sleep(200 * time.Millisecond) // polling the outbox for an end state
		}
		require.True(t, done, "no result pain.002 for %s", name)
	}
	t.Logf("collections: %d direct debits, %d counterparties, %d mandates at Atlar, %d duplicates", len(count()), len(cps), len(mandates), dup)
	require.Zero(t, dup)
}
