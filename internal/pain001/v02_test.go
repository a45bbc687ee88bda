package pain001

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// v02Doc is a pain.001.001.02 file, the structure before .03: the message
// element is named after the version, GrpHdr has Grpg, PmtInf has no
// totals, accounts may be a BBAN, the creditor reference is CdtrRef and a
// clearing member id carries its system as a prefix. No public sample of
// it was found, so it is written here and checked with xmllint.
const v02Doc = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.02">
  <pain.001.001.02>
    <GrpHdr>
      <MsgId>V02-MSG-1</MsgId>
      <CreDtTm>2008-10-01T10:00:00</CreDtTm>
      <BtchBookg>false</BtchBookg>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>1500.50</CtrlSum>
      <Grpg>MIXD</Grpg>
      <InitgPty><Nm>Old ERP GmbH</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>V02-PMT-1</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><CtgyPurp>SALA</CtgyPurp></PmtTpInf>
      <ReqdExctnDt>2008-10-02</ReqdExctnDt>
      <Dbtr><Nm>Old ERP GmbH</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>
      <CdtTrfTxInf>
        <PmtId><EndToEndId>V02-E2E-1</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">1000.50</InstdAmt></Amt>
        <ChrgBr>SLEV</ChrgBr>
        <CdtrAgt><FinInstnId><BIC>SPUEDE2UXXX</BIC></FinInstnId></CdtrAgt>
        <Cdtr><Nm>Creditor One</Nm><PstlAdr><AdrLine>Hauptstr. 1</AdrLine><TwnNm>Berlin</TwnNm><Ctry>DE</Ctry></PstlAdr></Cdtr>
        <CdtrAcct><Id><IBAN>DE21500500009876543210</IBAN></Id></CdtrAcct>
        <RmtInf><Strd><CdtrRefInf><CdtrRef>RF18539007547034</CdtrRef></CdtrRefInf></Strd></RmtInf>
      </CdtTrfTxInf>
      <CdtTrfTxInf>
        <PmtId><EndToEndId>V02-E2E-2</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="USD">500.00</InstdAmt></Amt>
        <CdtrAgt><FinInstnId><ClrSysMmbId><Id>USABA026009593</Id></ClrSysMmbId></FinInstnId></CdtrAgt>
        <Cdtr><Nm>US Supplier Inc</Nm><PstlAdr><Ctry>US</Ctry></PstlAdr></Cdtr>
        <CdtrAcct><Id><BBAN>123456789</BBAN></Id></CdtrAcct>
      </CdtTrfTxInf>
    </PmtInf>
  </pain.001.001.02>
</Document>
`

func TestRead_V02(t *testing.T) {
	doc := []byte(v02Doc)
	require.NoError(t, xmllint(t, "pain.001.001.02", doc))

	res := read(t, doc, Options{Today: "2008-10-01"})
	require.Empty(t, res.Problems)
	assert.Equal(t, "pain.001.001.02", res.Header.Version)
	assert.Equal(t, "pain.001.001.02", res.Run.MsgNameID)
	assert.Equal(t, "SALA", res.Header.PmtInfs[0].CtgyPurp)
	assert.Equal(t, []payrun.Payment{
		{
			Row: 1, ExternalID: "V02-E2E-1", PmtInfID: "V02-PMT-1", SourceIBAN: "DE89370400440532013000",
			Amount: 100050, Currency: "EUR", Date: "2008-10-02", Reference: "RF18539007547034", Scheme: "SCT",
			Creditor: &payrun.Creditor{
				Name: "Creditor One", IBAN: "DE21500500009876543210", BIC: "SPUEDE2UXXX",
				Country: "DE", AddressLines: []string{"Hauptstr. 1"}, City: "Berlin",
			},
		},
		{
			Row: 2, ExternalID: "V02-E2E-2", PmtInfID: "V02-PMT-1", SourceIBAN: "DE89370400440532013000",
			Amount: 50000, Currency: "USD", Date: "2008-10-02", Scheme: "SCT",
			Creditor: &payrun.Creditor{
				Name: "US Supplier Inc", AccountNumber: "123456789", RoutingNumber: "026009593", Country: "US",
			},
		},
	}, res.Run.Payments)

	t.Run("group total off", func(t *testing.T) {
		bad := replaceOnce(t, doc, "<CtrlSum>1500.50</CtrlSum>", "<CtrlSum>1500.49</CtrlSum>")
		res := read(t, bad, Options{Today: "2008-10-01"})
		assert.Equal(t, []string{"AM10"}, codes(res.Problems))
	})
	t.Run("Grpg missing", func(t *testing.T) {
		bad := replaceOnce(t, doc, "<Grpg>MIXD</Grpg>", "")
		require.Error(t, xmllint(t, "pain.001.001.02", bad))
		res := read(t, bad, Options{Today: "2008-10-01"})
		assert.Equal(t, []string{"CH21"}, codes(res.Problems))
	})
}

func TestRead_V05(t *testing.T) {
	doc := replaceOnce(t, readSample(t, "phpsepa.pain.001.001.05.xml"), v09BadDbtr, v09Dbtr)
	require.NoError(t, xmllint(t, "pain.001.001.05", doc))
	res := read(t, doc, Options{Today: "2025-08-19"})
	require.Empty(t, res.Problems)
	assert.Equal(t, "BANKBGFFXXX", res.Header.PmtInfs[0].DebtorBIC) // BICFI
	assert.Equal(t, "BANKDEFFXXX", res.Run.Payments[0].Creditor.BIC)
}
