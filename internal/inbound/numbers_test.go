package inbound

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// usPain001 is a pain.001.001.09 as US banks' ACH/RTP/wire templates write
// it: the debtor by account number and ABA routing number, no IBAN
// anywhere. DBTR, DBTRAGT, SVC, CCY, CDTR and CDTRAGT are filled in.
const usPain001 = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>US-OTHR-1</MsgId>
      <CreDtTm>2026-03-10T08:00:00</CreDtTm>
      <NbOfTxs>1</NbOfTxs>
      <CtrlSum>125.00</CtrlSum>
      <InitgPty><Nm>Demo Treasury</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>P1</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>1</NbOfTxs>
      <CtrlSum>125.00</CtrlSum>
      <PmtTpInf>SVC</PmtTpInf>
      <ReqdExctnDt><Dt>2026-03-11</Dt></ReqdExctnDt>
      <Dbtr><Nm>Demo Treasury</Nm></Dbtr>
      <DbtrAcct><Id><Othr><Id>DBTR</Id></Othr></Id></DbtrAcct>
      <DbtrAgt><FinInstnId>DBTRAGT</FinInstnId></DbtrAgt>
      <CdtTrfTxInf>
        <PmtId><EndToEndId>E2E-1</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="CCY">125.00</InstdAmt></Amt>
        <CdtrAgt><FinInstnId>CDTRAGT</FinInstnId></CdtrAgt>
        CDTR
        <RmtInf><Ustrd>Invoice 4711</Ustrd></RmtInf>
      </CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`

func clrSys(system, member string) string {
	return "<ClrSysMmbId><ClrSysId><Cd>" + system + "</Cd></ClrSysId><MmbId>" + member + "</MmbId></ClrSysMmbId>"
}

// TestBuildPlan_DebtorByAccountNumber converts US (ACH, RTP, wire) and UK
// (FPS, BACS) files whose debtor is an account number in transfers mode,
// matching the demo's accounts in the Atlar fake by number and routing —
// the USD account 458003278449 / ABA 026009593, the GBP account by the
// sort code and account number inside its IBAN — and rejects the others
// naming the value and what would be accepted.
func TestBuildPlan_DebtorByAccountNumber(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	_, url := atlartest.NewTest(t, atlartest.Options{Clock: clock, SeedDays: -1})
	api, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret", Clock: clock, MaxRetries: -1})
	require.NoError(t, err)
	rs := newAccounts(api, clock, time.Hour)
	r := caseRoute(t, "testdata/plan/transfers.xml")

	us := atlartest.SeedUSDAccountNumber
	usCdtr := `<Cdtr><Nm>Acme Supplies Inc</Nm><PstlAdr><Ctry>US</Ctry></PstlAdr></Cdtr>
        <CdtrAcct><Id><Othr><Id>123456789</Id></Othr></Id></CdtrAcct>`
	ukCdtr := `<Cdtr><Nm>Supplier Ltd</Nm><PstlAdr><Ctry>GB</Ctry></PstlAdr></Cdtr>
        <CdtrAcct><Id><Othr><Id>31926819</Id></Othr></Id></CdtrAcct>`
	tests := []struct {
		name, svc, ccy, dbtr, dbtrAgt, cdtr, cdtrAgt string
		source                                       string // the Atlar account id expected
		scheme                                       string
		problem                                      []string // texts the one problem must contain
	}{
		{name: "US ACH (CCD)", svc: "<LclInstrm><Prtry>CCD</Prtry></LclInstrm>", ccy: "USD",
			dbtr: us, dbtrAgt: clrSys("USABA", atlartest.SeedUSDRoutingABA), cdtr: usCdtr, cdtrAgt: clrSys("USABA", "021000021"),
			source: atlartest.SeedUSDAccountID, scheme: "US_CT_ACH"},
		{name: "US RTP", svc: "<LclInstrm><Prtry>RTP</Prtry></LclInstrm>", ccy: "USD",
			dbtr: us, dbtrAgt: clrSys("USABA", atlartest.SeedUSDRoutingABA), cdtr: usCdtr, cdtrAgt: clrSys("USABA", "021000021"),
			source: atlartest.SeedUSDAccountID, scheme: "US_CT_ACH"},
		{name: "US wire, BIC and ABA", svc: "<SvcLvl><Cd>URGP</Cd></SvcLvl>", ccy: "USD",
			dbtr: us, dbtrAgt: "<BICFI>" + atlartest.SeedUSDBIC + "</BICFI>" + clrSys("USABA", atlartest.SeedUSDRoutingABA),
			cdtr: usCdtr, cdtrAgt: clrSys("USABA", "021000021"),
			source: atlartest.SeedUSDAccountID, scheme: "US_CT_ACH"},
		{name: "US, number alone", svc: "<SvcLvl><Cd>NURG</Cd></SvcLvl>", ccy: "USD",
			dbtr: us, dbtrAgt: "<Nm>Bank</Nm>", cdtr: usCdtr, cdtrAgt: clrSys("USABA", "021000021"),
			source: atlartest.SeedUSDAccountID, scheme: "US_CT_ACH"},
		{name: "UK FPS, sort code and account number", svc: "<SvcLvl><Cd>NURG</Cd></SvcLvl>", ccy: "GBP",
			dbtr: "55555555", dbtrAgt: clrSys("GBDSC", "202015"), cdtr: ukCdtr, cdtrAgt: clrSys("GBDSC", "601613"),
			source: atlartest.SeedGBPAccountID, scheme: "GB_CT_FPS"},
		{name: "UK BACS, sort code written with hyphens", svc: "<LclInstrm><Prtry>BACS</Prtry></LclInstrm>", ccy: "GBP",
			dbtr: "55555555", dbtrAgt: clrSys("GBDSC", "20-20-15"), cdtr: ukCdtr, cdtrAgt: clrSys("GBDSC", "601613"),
			source: atlartest.SeedGBPAccountID, scheme: "GB_CT_FPS"},
		{name: "wrong routing", svc: "<SvcLvl><Cd>NURG</Cd></SvcLvl>", ccy: "USD",
			dbtr: us, dbtrAgt: clrSys("USABA", "021000021"), cdtr: usCdtr, cdtrAgt: clrSys("USABA", "021000021"),
			problem: []string{"DbtrAcct/Id/Othr/Id", us + " (routing 021000021)", "US_ABA " + atlartest.SeedUSDRoutingABA}},
		{name: "unknown number", svc: "<SvcLvl><Cd>NURG</Cd></SvcLvl>", ccy: "USD",
			dbtr: "999000111", dbtrAgt: clrSys("USABA", atlartest.SeedUSDRoutingABA), cdtr: usCdtr, cdtrAgt: clrSys("USABA", "021000021"),
			problem: []string{"DbtrAcct/Id/Othr/Id", "999000111", "the account number of an account in Atlar", "an IBAN, or a source_account_id"}},
		{name: "currency of another account", svc: "<SvcLvl><Cd>NURG</Cd></SvcLvl>", ccy: "GBP",
			dbtr: us, dbtrAgt: clrSys("USABA", atlartest.SeedUSDRoutingABA), cdtr: ukCdtr, cdtrAgt: clrSys("GBDSC", "601613"),
			problem: []string{"USD, the currency of account " + us}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.NewReplacer("<PmtTpInf>SVC</PmtTpInf>", "<PmtTpInf>"+tt.svc+"</PmtTpInf>",
				"DBTRAGT", tt.dbtrAgt, "DBTR", tt.dbtr, "CCY", tt.ccy, "CDTRAGT", tt.cdtrAgt, "CDTR", tt.cdtr).Replace(usPain001)
			sharedtest.XMLLint(t, []byte(doc), sharedtest.XSD(t, "pain.001.001.09.xsd"))
			plan, probs, err := BuildPlan(context.Background(), r, PlanInput{FileID: planFileID, Data: []byte(doc), Today: "2026-03-10"}, rs)
			require.NoError(t, err)
			if tt.problem != nil {
				require.Nil(t, plan)
				require.Len(t, probs, 1, "%v", probs)
				for _, m := range tt.problem {
					assert.Contains(t, probs[0].String(), m)
				}
				return
			}
			require.Empty(t, probs)
			require.NotNil(t, plan)
			require.Len(t, plan.Batches, 1)
			p := plan.Batches[0].Payments[0]
			assert.Equal(t, atlar.AccountRef{Type: "ACCOUNT", ID: tt.source}, p.Source)
			assert.Equal(t, tt.scheme, p.Scheme)
			assert.Equal(t, int64(12500), p.Amount.Value)
			requireSchema(t, batchSchema(t), plan.Batches[0])
		})
	}
}

func TestMatchNumber_Ambiguous(t *testing.T) {
	accs := map[string]*atlar.Account{
		"a": {ID: "a", Identifiers: []atlar.AccountIdentifier{{Type: "NUMBER", Number: "111"}}, Routing: []atlar.RoutingIdentifier{{Type: "US_ABA", Number: "026009593"}}},
		"b": {ID: "b", Identifiers: []atlar.AccountIdentifier{{Type: "NUMBER", Number: "111"}}, Routing: []atlar.RoutingIdentifier{{Type: "US_ABA", Number: "021000021"}}},
	}
	_, err := matchNumber(accs, "111", "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "2 accounts in Atlar have this number")
	acc, err := matchNumber(accs, "111", "021000021")
	require.NoError(t, err)
	assert.Equal(t, "b", acc.ID)
}

// In instruction mode with connection_id "auto", a debtor given by account
// number finds its bank connection the same way.
func TestBuildPlan_InstructionDebtorByAccountNumber(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	_, url := atlartest.NewTest(t, atlartest.Options{Clock: clock, SeedDays: -1})
	api, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret", Clock: clock, MaxRetries: -1})
	require.NoError(t, err)
	rs := newAccounts(api, clock, time.Hour)
	r := caseRoute(t, "testdata/plan/instruction.xml")
	fill := func(dbtr, routing string) []byte {
		return []byte(strings.NewReplacer("<PmtTpInf>SVC</PmtTpInf>", "", "DBTRAGT", clrSys("USABA", routing),
			"DBTR", dbtr, "CCY", "USD", "CDTRAGT", clrSys("USABA", "021000021"),
			"CDTR", `<Cdtr><Nm>Acme</Nm></Cdtr><CdtrAcct><Id><Othr><Id>123456789</Id></Othr></Id></CdtrAcct>`).Replace(usPain001))
	}
	plan, probs, err := BuildPlan(context.Background(), r, PlanInput{FileID: planFileID, Data: fill(atlartest.SeedUSDAccountNumber, atlartest.SeedUSDRoutingABA), Today: "2026-03-10"}, rs)
	require.NoError(t, err)
	require.Empty(t, probs)
	assert.Equal(t, atlartest.SeedConnectionID, plan.Instruction.ConnectionID)

	_, probs, err = BuildPlan(context.Background(), r, PlanInput{FileID: planFileID, Data: fill("999000111", atlartest.SeedUSDRoutingABA), Today: "2026-03-10"}, rs)
	require.NoError(t, err)
	require.Len(t, probs, 1)
	assert.Equal(t, "PmtInf[1]/DbtrAcct/Id/Othr/Id", probs[0].Field)
	assert.Equal(t, "999000111", probs[0].Value)
}
