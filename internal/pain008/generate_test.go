package pain008

import (
	"bytes"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// germanIBAN builds a valid DE IBAN for bank code 37040044 and account n.
func germanIBAN(n int) string {
	bban := fmt.Sprintf("37040044%010d", n)
	// Check digits: 98 - (BBAN + "DE00" as digits) mod 97; D=13, E=14.
	v, _ := new(big.Int).SetString(bban+"131400", 10)
	cd := 98 - new(big.Int).Mod(v, big.NewInt(97)).Int64()
	return fmt.Sprintf("DE%02d%s", cd, bban)
}

// generate writes a valid pain.008.001.02 of n transactions in PmtInf
// blocks of 1,000, collected from debtors distinct debtors, on date.
func generate(n, debtors int, date string) []byte {
	var b bytes.Buffer
	total := new(big.Rat)
	amount := func(i int) string { return fmt.Sprintf("%d.%02d", 10+i%900, i%100) }
	for i := 0; i < n; i++ {
		v, _ := new(big.Rat).SetString(amount(i))
		total.Add(total, v)
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">
<CstmrDrctDbtInitn>
<GrpHdr><MsgId>GEN-1</MsgId><CreDtTm>2026-12-01T10:00:00</CreDtTm>`)
	fmt.Fprintf(&b, "<NbOfTxs>%d</NbOfTxs><CtrlSum>%s</CtrlSum><InitgPty><Nm>Generator</Nm></InitgPty></GrpHdr>\n", n, total.FloatString(2))
	for start := 0; start < n; start += 1000 {
		end := min(start+1000, n)
		sum := new(big.Rat)
		for i := start; i < end; i++ {
			v, _ := new(big.Rat).SetString(amount(i))
			sum.Add(sum, v)
		}
		fmt.Fprintf(&b, `<PmtInf><PmtInfId>PMT-%d</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>%d</NbOfTxs><CtrlSum>%s</CtrlSum>
<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm><SeqTp>RCUR</SeqTp></PmtTpInf>
<ReqdColltnDt>%s</ReqdColltnDt><Cdtr><Nm>Bridge Creditor GmbH</Nm></Cdtr>
<CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct><CdtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></CdtrAgt>
<ChrgBr>SLEV</ChrgBr><CdtrSchmeId><Id><PrvtId><Othr><Id>DE98ZZZ09999999999</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>
`, start/1000+1, end-start, sum.FloatString(2), date)
		for i := start; i < end; i++ {
			d := i % debtors
			fmt.Fprintf(&b, `<DrctDbtTxInf><PmtId><EndToEndId>E2E-%07d</EndToEndId></PmtId><InstdAmt Ccy="EUR">%s</InstdAmt>
<DrctDbtTx><MndtRltdInf><MndtId>MNDT-%05d</MndtId><DtOfSgntr>2024-01-15</DtOfSgntr></MndtRltdInf></DrctDbtTx>
<DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt><Dbtr><Nm>Debtor %05d</Nm></Dbtr>
<DbtrAcct><Id><IBAN>%s</IBAN></Id></DbtrAcct><RmtInf><Ustrd>Invoice %d</Ustrd></RmtInf></DrctDbtTxInf>
`, i, amount(i), d, d, germanIBAN(d), i)
		}
		b.WriteString("</PmtInf>\n")
	}
	b.WriteString("</CstmrDrctDbtInitn>\n</Document>\n")
	return b.Bytes()
}

func TestGenerate_Valid(t *testing.T) {
	require.NoError(t, bankid.CheckIBAN(germanIBAN(42)))
	doc := generate(2500, 500, "2026-12-10")
	res := read(t, doc, Options{Today: "2026-12-04"})
	require.Empty(t, res.Problems)
	require.Len(t, res.Run.Collections, 2500)
	debtors := map[string]bool{}
	for _, c := range res.Run.Collections {
		debtors[c.Debtor.ExternalID] = true
	}
	assert.Len(t, debtors, 500)
	assert.Zero(t, res.SchemaErrors)
}

// The figure: a 10,000-transaction file with 2,000 distinct
// debtors parsed and validated (schema and business rules). The time is
// logged, not asserted (a loaded CI machine must not fail on it); the
// figure in bench/results.md comes from BenchmarkRead.
func TestRead_TenThousandLogsTime(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	doc := generate(10000, 2000, "2026-12-10")
	start := time.Now()
	res, err := Read(bytes.NewReader(doc), Options{Today: "2026-12-04"})
	t.Logf("10,000 collections, 2,000 debtors, %d bytes: parse+validate %v", len(doc), time.Since(start))
	require.NoError(t, err)
	require.Empty(t, res.Problems)
	require.Len(t, res.Run.Collections, 10000)
}

func BenchmarkRead(b *testing.B) {
	doc := generate(10000, 2000, "2026-12-10")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	// CPU time per read (all threads, GC included) says more than the
	// wall time on a machine shared with other builds.
	cpu := sharedtest.CPUTime()
	for b.Loop() {
		res, err := Read(bytes.NewReader(doc), Options{Today: "2026-12-04"})
		if err != nil || len(res.Problems) > 0 || len(res.Run.Collections) != 10000 {
			b.Fatal(err, res.Problems)
		}
	}
	if c := sharedtest.CPUTime() - cpu; c > 0 {
		b.ReportMetric(float64(c.Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}
