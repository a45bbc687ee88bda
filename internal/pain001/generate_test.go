package pain001

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// generate returns a valid pain.001.001.03 file of n credit transfers in
// blocks of up to 1000, as a large ERP payment run writes it: distinct
// creditors with valid German IBANs, amounts from 0.01 to 1000.00 EUR,
// correct NbOfTxs and CtrlSum at both levels. About 850 bytes a
// transaction, so 100 000 make an 85 MB file.
func generate(n int) []byte {
	const block = 1000
	var b bytes.Buffer
	b.Grow(n*900 + 2048)
	cents := func(i int) int64 { return int64(i%100000) + 1 }
	var total int64
	for i := range n {
		total += cents(i)
	}
	amount := func(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>GEN-`)
	fmt.Fprintf(&b, "%d</MsgId>\n      <CreDtTm>2025-01-02T08:00:00</CreDtTm>\n      <NbOfTxs>%d</NbOfTxs>\n      <CtrlSum>%s</CtrlSum>\n", n, n, amount(total))
	b.WriteString("      <InitgPty>\n        <Nm>Generated Payables AG</Nm>\n      </InitgPty>\n    </GrpHdr>\n")
	for start := 0; start < n; start += block {
		end := min(start+block, n)
		var sum int64
		for i := start; i < end; i++ {
			sum += cents(i)
		}
		fmt.Fprintf(&b, `    <PmtInf>
      <PmtInfId>PMT-%d</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>%d</NbOfTxs>
      <CtrlSum>%s</CtrlSum>
      <PmtTpInf>
        <SvcLvl>
          <Cd>SEPA</Cd>
        </SvcLvl>
      </PmtTpInf>
      <ReqdExctnDt>2025-01-03</ReqdExctnDt>
      <Dbtr>
        <Nm>Generated Payables AG</Nm>
      </Dbtr>
      <DbtrAcct>
        <Id>
          <IBAN>DE89370400440532013000</IBAN>
        </Id>
      </DbtrAcct>
      <DbtrAgt>
        <FinInstnId>
          <BIC>COBADEFFXXX</BIC>
        </FinInstnId>
      </DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
`, start/block+1, end-start, amount(sum))
		for i := start; i < end; i++ {
			fmt.Fprintf(&b, `      <CdtTrfTxInf>
        <PmtId>
          <InstrId>INSTR-%07d</InstrId>
          <EndToEndId>E2E-%07d</EndToEndId>
        </PmtId>
        <Amt>
          <InstdAmt Ccy="EUR">%s</InstdAmt>
        </Amt>
        <CdtrAgt>
          <FinInstnId>
            <BIC>DEUTDEFFXXX</BIC>
          </FinInstnId>
        </CdtrAgt>
        <Cdtr>
          <Nm>Supplier %d GmbH</Nm>
          <PstlAdr>
            <StrtNm>Industriestrasse</StrtNm>
            <BldgNb>%d</BldgNb>
            <PstCd>10115</PstCd>
            <TwnNm>Berlin</TwnNm>
            <Ctry>DE</Ctry>
          </PstlAdr>
        </Cdtr>
        <CdtrAcct>
          <Id>
            <IBAN>%s</IBAN>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Invoice %d of 2025-01-02</Ustrd>
        </RmtInf>
      </CdtTrfTxInf>
`, i, i, amount(cents(i)), i, i%200+1, testIBAN("DE", fmt.Sprintf("50010517%010d", i)), i)
		}
		b.WriteString("    </PmtInf>\n")
	}
	b.WriteString("  </CstmrCdtTrfInitn>\n</Document>\n")
	return b.Bytes()
}

// testIBAN computes the check digits of an IBAN (ISO 7064 mod 97-10)
// independently of bankid, so that the generator does not trust the code
// under test.
func testIBAN(country, bban string) string {
	rem := 0
	for _, c := range bban + country + "00" {
		if c >= '0' && c <= '9' {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	return fmt.Sprintf("%s%02d%s", country, 98-rem, bban)
}

func TestGenerate_SchemaValid(t *testing.T) {
	doc := generate(3)
	require.NoError(t, xmllint(t, "pain.001.001.03", doc))
}

func TestRead_Generated(t *testing.T) {
	n := 2500 // three blocks, the last one short
	res := read(t, generate(n), Options{Today: "2025-01-02"})
	require.Empty(t, res.Problems)
	require.Len(t, res.Run.Payments, n)
	require.Len(t, res.Header.PmtInfs, 3)
	assert.Equal(t, 500, res.Header.PmtInfs[2].TxCount)
	last := res.Run.Payments[n-1]
	assert.Equal(t, payrun.Payment{
		Row: n, ExternalID: "E2E-0002499", PmtInfID: "PMT-3", InstrID: "INSTR-0002499",
		SourceIBAN: "DE89370400440532013000", Amount: 2500, Currency: "EUR", Date: "2025-01-03",
		Reference: "Invoice 2499 of 2025-01-02", Scheme: "SCT",
		Creditor: &payrun.Creditor{
			Name: "Supplier 2499 GmbH", IBAN: testIBAN("DE", "500105170000002499"), BIC: "DEUTDEFFXXX",
			Country: "DE", City: "Berlin", PostalCode: "10115", StreetName: "Industriestrasse",
		},
	}, last)
}

// Reading keeps one transaction in memory besides what it emits: with the
// payments thrown away, the live heap while reading 20 000 transactions
// (17 MB of XML) stays a small fraction of the file — a tree of it would be
// several times its size. What remains grows with the ids kept for the
// duplicate checks, some 100 bytes a transaction.
func TestRead_StreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 17 MB")
	}
	doc := generate(20000)
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprintf("fast=%v", fast), func(t *testing.T) {
			rd, err := newReader(Options{Today: "2025-01-02"})
			require.NoError(t, err)

			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			base, peak := ms.HeapInuse, ms.HeapInuse
			n := 0
			rd.emit = func(payrun.Payment) {
				n++
				if n%2000 == 0 {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
			}
			require.NoError(t, rd.read(bytes.NewReader(doc), fast))
			require.Empty(t, rd.problems.result())
			require.Equal(t, 20000, n)

			grew := int64(peak) - int64(base)
			t.Logf("file %d bytes, live heap grew by at most %d bytes (%d per transaction)", len(doc), grew, grew/int64(n))
			assert.Less(t, grew, int64(len(doc)/4), "reading must not hold the document")
		})
	}
}

// payments returns what it was given, in order, with no spare length,
// across the block boundaries (nil for none, as append would).
func TestPayments_Blocks(t *testing.T) {
	for _, n := range []int{0, 1, 8, 9, paymentBlock, paymentBlock + 1, 5*paymentBlock + 17} {
		var ps payments
		for i := range n {
			ps.add(payrun.Payment{Row: i, Amount: int64(i) + 1})
		}
		got := ps.all()
		require.Len(t, got, n)
		if n == 0 {
			assert.Nil(t, got)
		}
		for i, p := range got {
			if p.Row != i || p.Amount != int64(i)+1 {
				t.Fatalf("n=%d: payment %d is %d (amount %d)", n, i, p.Row, p.Amount)
			}
		}
	}
}

var (
	benchOnce sync.Once
	benchDoc  []byte
)

// BenchmarkRead_WithoutSchemaRules is BenchmarkRead without the generated
// schema rules: run both, alternating, to see what the rules cost
// (bench/results.md).
func BenchmarkRead_WithoutSchemaRules(b *testing.B) {
	schemaRules = false
	defer func() { schemaRules = true }()
	BenchmarkRead(b)
}

// BenchmarkRead reads the 100 000-transaction file, reporting MB/s and the
// live heap per payment of the Run it returns.
func BenchmarkRead(b *testing.B) {
	benchOnce.Do(func() { benchDoc = generate(100000) })
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	b.SetBytes(int64(len(benchDoc)))
	b.ReportAllocs()
	var res *Result
	for b.Loop() {
		res = nil
		var err error
		res, err = Read(bytes.NewReader(benchDoc), Options{Today: "2025-01-02"})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Problems) > 0 || len(res.Run.Payments) != 100000 {
			b.Fatalf("%d payments, problems: %v", len(res.Run.Payments), res.Problems)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(int64(ms.HeapAlloc)-int64(base))/float64(len(res.Run.Payments)), "heap-B/payment")
	runtime.KeepAlive(res)
}
