package inbound_test

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// debtorIBAN builds a valid DE IBAN for bank code 37040044 and account n.
func debtorIBAN(n int) string {
	bban := fmt.Sprintf("37040044%010d", n)
	v, _ := new(big.Int).SetString(bban+"131400", 10) // "DE00": D=13, E=14
	return fmt.Sprintf("DE%02d%s", 98-new(big.Int).Mod(v, big.NewInt(97)).Int64(), bban)
}

// bigCollections is a valid pain.008.001.02 of n collections from debtors
// distinct debtors (one mandate each) into the fake's seeded EUR account.
func bigCollections(n, debtors int, date string) []byte {
	var b bytes.Buffer
	amount := func(i int) int64 { return int64(1000 + i%90000) } // minor units
	dec := func(v int64) string { return fmt.Sprintf("%d.%02d", v/100, v%100) }
	var total int64
	for i := 0; i < n; i++ {
		total += amount(i)
	}
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"><CstmrDrctDbtInitn>
<GrpHdr><MsgId>BIG-%d</MsgId><CreDtTm>2026-03-10T08:00:00</CreDtTm><NbOfTxs>%d</NbOfTxs><CtrlSum>%s</CtrlSum><InitgPty><Nm>Bench</Nm></InitgPty></GrpHdr>
`, n, n, dec(total))
	for start := 0; start < n; start += 1000 {
		end := min(start+1000, n)
		var sum int64
		for i := start; i < end; i++ {
			sum += amount(i)
		}
		fmt.Fprintf(&b, `<PmtInf><PmtInfId>PMT-%d</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>%d</NbOfTxs><CtrlSum>%s</CtrlSum>
<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>RCUR</SeqTp></PmtTpInf>
<ReqdColltnDt>%s</ReqdColltnDt><Cdtr><Nm>Bridge Creditor GmbH</Nm></Cdtr>
<CdtrAcct><Id><IBAN>%s</IBAN></Id></CdtrAcct><CdtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></CdtrAgt>
<ChrgBr>SLEV</ChrgBr><CdtrSchmeId><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>
`, start/1000+1, end-start, dec(sum), date, atlartest.SeedEURIBAN)
		for i := start; i < end; i++ {
			d := i % debtors
			fmt.Fprintf(&b, `<DrctDbtTxInf><PmtId><EndToEndId>E2E-%07d</EndToEndId></PmtId><InstdAmt Ccy="EUR">%s</InstdAmt>
<DrctDbtTx><MndtRltdInf><MndtId>MNDT-%05d</MndtId><DtOfSgntr>2024-01-15</DtOfSgntr></MndtRltdInf></DrctDbtTx>
<DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt><Dbtr><Nm>Debtor %05d</Nm></Dbtr>
<DbtrAcct><Id><IBAN>%s</IBAN></Id></DbtrAcct><RmtInf><Ustrd>Invoice %d</Ustrd></RmtInf></DrctDbtTxInf>
`, i, dec(amount(i)), d, d, debtorIBAN(d), i)
		}
		b.WriteString("</PmtInf>\n")
	}
	b.WriteString("</CstmrDrctDbtInitn></Document>\n")
	return b.Bytes()
}

// TestCollections_Throughput submits a large pain.008 against the fake
// with a fixed latency per request and logs the time to every direct debit
// created and the requests per second. It runs only when
// BRIDGE_COLLECT_BENCH is set ("10000,2000,50ms": collections, debtors,
// latency; "1" for that default): the figure is for bench/results.md, not
// an assertion. CI runs a small size (200 collections, 40 debtors, 5 ms)
// so the path stays exercised.
func TestCollections_Throughput(t *testing.T) {
	n, debtors, latency := 200, 40, 5*time.Millisecond
	if v := os.Getenv("BRIDGE_COLLECT_BENCH"); v != "" {
		n, debtors, latency = 10000, 2000, 50*time.Millisecond
		var a, b int
		var l string
		if _, err := fmt.Sscanf(v, "%d,%d,%s", &a, &b, &l); err == nil {
			d, err := time.ParseDuration(l)
			require.NoError(t, err)
			n, debtors, latency = a, b, d
		}
	}
	if testing.Short() {
		t.Skip("short")
	}
	w := newWorld(t)
	w.collectionsReady()
	doc := bigCollections(n, debtors, "2026-03-12")
	w.start(worldOptions{})
	w.fake.SetFaults(atlartest.Faults{Latency: latency, Only: []string{"/payments/v2/"}})
	before := w.fake.Stats().Requests
	start := time.Now()
	id := w.drop("collections", "big-"+strconv.Itoa(n)+".xml", doc)
	deadline := time.Now().Add(30 * time.Minute)
	for !w.inState(id, state.Submitted)() {
		require.True(t, time.Now().Before(deadline), "submitted in time\n%s", w.logs)
		f := w.file(id)
		require.False(t, f.State.Final(), "file %s: %v", f.State, f.Problems)
		time.Sleep(50 * time.Millisecond) // polling the journal for an end state, not synchronising
	}
	took := time.Since(start)
	reqs := w.fake.Stats().Requests - before
	require.Len(t, w.fake.DirectDebits(), n)
	require.Len(t, w.fake.Mandates(), debtors)
	t.Logf("%d collections, %d new debtors, %s latency: all direct debits created in %s; %d requests, %.0f requests/s",
		n, debtors, latency, took.Round(time.Millisecond), reqs, float64(reqs)/took.Seconds())
}
