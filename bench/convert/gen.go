package main

import (
	"bytes"
	"fmt"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// The payer of every generated payment: the sandbox's EUR account.
const (
	payerIBAN = "DE89370400440532013000"
	payerBIC  = "COBADEFFXXX"
)

// csvFile is an n-row payment run as a German ERP exports it: Windows-1252,
// ";" between fields, decimal comma with thousands dots, DD.MM.YYYY dates,
// German headers (see the sap profile in config.go of this command).
func csvFile(n int, date time.Time) []byte {
	var b bytes.Buffer
	b.Grow(n * 140)
	b.WriteString("Belegnummer;Konto;Betrag;Währung;Datum;Empfänger;IBAN;BIC;Verwendungszweck;Kostenstelle\r\n")
	day := date.Format("02.01.2006")
	for i := range n {
		fmt.Fprintf(&b, "RE-%07d;%s;%d.%03d,%02d;EUR;%s;Müller & Söhne GmbH %d;%s;DEUTDEFFXXX;Rechnung %d vom März;KST-%d\r\n",
			i, payerIBAN, 1+i%900, i%1000, i%100, day, i, iban("DE", fmt.Sprintf("50010517%010d", i)), i, i%50)
	}
	raw, err := charmap.Windows1252.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		panic(err) // every character above is in Windows-1252
	}
	return raw
}

// painFile is a pain.001.001.03 of n credit transfers in payment
// informations of 1000, some 600 bytes a transaction as ERPs indent them.
func painFile(n int, date time.Time) []byte {
	const block = 1000
	cents := func(i int) int64 { return int64(i%100000) + 1 }
	amount := func(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }
	var total int64
	for i := range n {
		total += cents(i)
	}
	var b bytes.Buffer
	b.Grow(n*620 + 2048)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>BENCH-%d</MsgId>
      <CreDtTm>%sT08:00:00</CreDtTm>
      <NbOfTxs>%d</NbOfTxs>
      <CtrlSum>%s</CtrlSum>
      <InitgPty>
        <Nm>Generated Payables AG</Nm>
      </InitgPty>
    </GrpHdr>
`, n, date.Format(time.DateOnly), n, amount(total))
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
      <ReqdExctnDt>%s</ReqdExctnDt>
      <Dbtr>
        <Nm>Generated Payables AG</Nm>
      </Dbtr>
      <DbtrAcct>
        <Id>
          <IBAN>%s</IBAN>
        </Id>
      </DbtrAcct>
      <DbtrAgt>
        <FinInstnId>
          <BIC>%s</BIC>
        </FinInstnId>
      </DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
`, start/block+1, end-start, amount(sum), date.Format(time.DateOnly), payerIBAN, payerBIC)
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
        </Cdtr>
        <CdtrAcct>
          <Id>
            <IBAN>%s</IBAN>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Invoice %d of %s</Ustrd>
        </RmtInf>
      </CdtTrfTxInf>
`, i, i, amount(cents(i)), i, iban("DE", fmt.Sprintf("50010517%010d", i)), i, date.Format(time.DateOnly))
		}
		b.WriteString("    </PmtInf>\n")
	}
	b.WriteString("  </CstmrCdtTrfInitn>\n</Document>\n")
	return b.Bytes()
}

// iban computes an IBAN's check digits (ISO 7064 mod 97-10) on its own, so
// that the generator does not trust the code it measures.
func iban(country, bban string) string {
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
