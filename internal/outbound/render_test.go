package outbound

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/pain002"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var renderNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// renderCases are journal entries as inbound leaves them, one per thing
// the ERP must be able to match in what outbound writes.
var renderCases = []struct {
	name  string
	file  state.File
	kinds []string
}{{
	// A DK pain.001.002.03 rejected for two transactions: the ack echoes
	// the file's own MsgId and message name, and names each rejected
	// transaction by PmtInfId and EndToEndId with its own reason.
	name: "dk_rejected_per_tx",
	file: state.File{ID: "01JQ7ZK3M4N5P6Q7R8S9T0V1W2", Format: "pain001", Name: "lohn.xml", State: state.Rejected,
		Original: &state.Original{MsgID: "SAP-BCM-20260310-0001", MsgNameID: "pain.001.002.03", NbOfTxs: 3, CtrlSum: "300.00"},
		Problems: []state.Problem{
			{Field: "GrpHdr/CtrlSum", Code: "AM10", Message: "GrpHdr/CtrlSum: 300.00 declared, 299.00 found"},
			{Row: 2, Field: "CdtrAcct/Id/IBAN", Code: "AC01", Message: "row 2, CdtrAcct/Id/IBAN: DE00 1234: expected an IBAN with a valid checksum", PmtInfID: "PMT-1", EndToEndID: "E2E-2"},
			{Row: 2, Field: "Amt/InstdAmt", Code: "AM12", Message: "row 2, Amt/InstdAmt: 1.234: expected at most 2 decimals", PmtInfID: "PMT-1", EndToEndID: "E2E-2"},
			{Row: 3, Field: "Cdtr/Nm", Message: "row 3, Cdtr/Nm: expected a creditor name", PmtInfID: "PMT-2", EndToEndID: "E2E-3"},
		}},
	kinds: []string{KindAck},
}, {
	// A pain.001 too broken to read a MsgId: the file id stands in.
	name: "broken_no_msgid",
	file: state.File{ID: "01JQ7ZK3M4N5P6Q7R8S9T0V1W3", Format: "pain001", Name: "junk.xml", State: state.Rejected,
		Original: &state.Original{},
		Problems: []state.Problem{{Line: 1, Field: "file", Code: "FF01", Message: "line 1: expected well-formed XML"}}},
	kinds: []string{KindAck},
}, {
	// A Swiss .ch.02 file whose payments ended every way Atlar knows:
	// ACCEPTED is ACSP, ISO reason codes from the bank are kept in
	// Rsn/Cd, others become NARR with the code in the text; StsId is the
	// UUID without hyphens.
	name: "ch_outcomes",
	file: state.File{ID: "01JQ7ZK3M4N5P6Q7R8S9T0V1W4", Format: "pain001", Name: "zahlungen.xml", State: state.Completed,
		Original: &state.Original{MsgID: "CH-MSG-7", MsgNameID: "pain.001.001.03.ch.02", NbOfTxs: 5, CtrlSum: "500.00",
			PmtInfs: []state.OriginalPmt{{ID: "PMT-CH", NbOfTxs: 5, CtrlSum: "500.00"}}},
		Batches: []state.Batch{{ID: "b1", Count: 5, Status: "COMPLETED", ResultsRead: true}},
		Payments: []state.Payment{
			{Row: 1, ExternalID: "E1", PmtInfID: "PMT-CH", Amount: 10000, Currency: "CHF", PaymentID: "3f6c1a2e-9b7d-4c1e-8a55-0d2e6f7a8b9c", Status: "EXECUTED"},
			{Row: 2, ExternalID: "E2", PmtInfID: "PMT-CH", Amount: 10000, Currency: "CHF", PaymentID: "4a7d2b3f-0c8e-4d2f-9b66-1e3f7a8b9c0d", Status: "ACCEPTED"},
			{Row: 3, ExternalID: "E3", PmtInfID: "PMT-CH", Amount: 10000, Currency: "CHF", PaymentID: "5b8e3c4a-1d9f-4e3a-8c77-2f4a8b9c0d1e", Status: "REJECTED", ReasonCode: "AC04", Reason: "Closed account number"},
			{Row: 4, ExternalID: "E4", PmtInfID: "PMT-CH", Amount: 10000, Currency: "CHF", PaymentID: "6c9f4d5b-2e0a-4f4b-9d88-3a5b9c0d1e2f", Status: "FAILED", ReasonCode: "BANK-TIMEOUT", Reason: "no answer from the bank"},
			{Row: 5, ExternalID: "E5", PmtInfID: "PMT-CH", Amount: 10000, Currency: "CHF", PaymentID: "7d0a5e6c-3f1b-4a5c-8e99-4b6c0d1e2f3a", Status: "RETURNED", ReasonCode: "AM04", Reason: "Insufficient funds"},
		}},
	kinds: []string{KindResultXML, KindResultCSV},
}, {
	// A file whose first payment asked for a date already past: accepted,
	// made today, and the ack and result say so.
	name: "past_date",
	file: state.File{ID: "01JQ7ZK3M4N5P6Q7R8S9T0V1W5", Format: "pain001", Name: "late.xml", State: state.Completed,
		Original: &state.Original{MsgID: "LATE-1", MsgNameID: "pain.001.001.09", NbOfTxs: 2, CtrlSum: "20.00"},
		Batches:  []state.Batch{{ID: "b1", Count: 2, Status: "COMPLETED", ResultsRead: true}},
		Payments: []state.Payment{
			{Row: 1, ExternalID: "L1", PmtInfID: "P", Amount: 1000, Currency: "EUR", PaymentID: "8e1b6f7d-4a2c-4b6d-9f00-5c7d1e2f3a4b", Status: "EXECUTED", RequestedDate: "2026-03-06", ExecutionDate: "2026-03-10"},
			{Row: 2, ExternalID: "L2", PmtInfID: "P", Amount: 1000, Currency: "EUR", PaymentID: "9f2c7a8e-5b3d-4c7e-8a11-6d8e2f3a4b5c", Status: "EXECUTED"},
		}},
	kinds: []string{KindAck, KindResultXML, KindResultCSV},
}, {
	// A CSV batch Atlar refused with a reason for one record: the ack
	// names that transaction by its external id (EndToEndId) under the
	// file's one block.
	name: "csv_refused_by_atlar",
	file: state.File{ID: "01JQ7ZK3M4N5P6Q7R8S9T0V1W6", Format: "csv", Name: "run.csv", State: state.Failed,
		Original: &state.Original{MsgID: "01JQ7ZK3M4N5P6Q7R8S9T0V1W6", MsgNameID: "CSV", NbOfTxs: 2, CtrlSum: "20.00"},
		Batches:  []state.Batch{{ExternalID: "bridge-x-1", Count: 2, Status: "REFUSED"}},
		Payments: []state.Payment{{Row: 1, ExternalID: "C-1", Status: "REJECTED"}, {Row: 2, ExternalID: "C-2", Status: "REJECTED"}},
		Problems: []state.Problem{
			{Row: 2, Field: "payment C-2", Code: "NARR", Message: "row 2: Atlar: destination.iban: invalid", EndToEndID: "C-2"},
			{Code: "NARR", Message: "Atlar refused batch 1 of 1 (2 payments): 400 Bad Request"},
		}},
	kinds: []string{KindAck},
}, {
	// A pain.008.003.02 (German DK) collections file: the result names
	// the input as pain.008.003.02, one OrgnlPmtInfAndSts per PmtInf and
	// one TxInfAndSts per collection (executed, returned by the debtor's
	// bank with its ISO reason).
	name: "pain008_collections",
	file: state.File{ID: "01JQ7ZK3M4N5P6Q7R8S9T0V1W9", Format: "pain008", Mode: "collections", Name: "lastschriften.xml", State: state.Completed,
		Original: &state.Original{MsgID: "DK-COLL-1", MsgNameID: "pain.008.003.02", NbOfTxs: 2, CtrlSum: "30.00",
			PmtInfs: []state.OriginalPmt{{ID: "PMT-DD-1", NbOfTxs: 2, CtrlSum: "30.00"}}},
		Payments: []state.Payment{
			{Row: 1, ExternalID: "E2E-DD-1", PmtInfID: "PMT-DD-1", Amount: 1000, Currency: "EUR", PaymentID: "dd-1", Status: "EXECUTED"},
			{Row: 2, ExternalID: "E2E-DD-2", PmtInfID: "PMT-DD-1", Amount: 2000, Currency: "EUR", PaymentID: "dd-2", Status: "REJECTED", ReasonCode: "MD01", Reason: "No mandate"},
		}},
	kinds: []string{KindAck, KindResultXML},
}}

func TestRender_Golden(t *testing.T) {
	sharedtest.Tool(t, "xmllint", "libxml2-utils")
	schemas := map[string]string{
		pain002.V10: sharedtest.XSD(t, "pain.002.001.10.xsd"),
		pain002.V03: sharedtest.XSD(t, "pain.002.001.03.xsd"),
	}
	dk := sharedtest.XSD(t, "pain.002.001.03.DK.xsd")
	for _, c := range renderCases {
		for _, version := range []string{pain002.V10, pain002.V03} {
			r := &Route{Name: "r", Format: c.file.Format, Results: []string{"pain002", "csv"}, Pain002Version: version, CSV: csvpay.Profile{}}
			for _, kind := range c.kinds {
				if kind == KindResultCSV && version == pain002.V03 {
					continue
				}
				t.Run(c.name+"/"+version+"/"+kind, func(t *testing.T) {
					f := c.file
					var (
						got []byte
						err error
					)
					switch kind {
					case KindAck:
						got, err = renderAck(&f, r, renderNow)
					case KindResultXML:
						got, err = renderStatus(&f, r, kind, renderNow)
					case KindResultCSV:
						got, err = renderCSV(&f, r, nil)
					}
					require.NoError(t, err)
					golden(t, filepath.Join("testdata", "results", c.name+"."+version+"."+suffix[kind]), got)
					if kind == KindResultCSV {
						return
					}
					sharedtest.XMLLint(t, got, schemas[version])
					if version == pain002.V03 && !anyAccepted(&f) && kind == KindAck {
						sharedtest.XMLLint(t, got, dk)
					}
				})
			}
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got), "golden %s differs (go test -update rewrites it; review the diff)", path)
}

// TestRender_Echo checks in the documents what the goldens show, so a
// careless -update cannot hide a regression.
// A collections file's status reports echo the pain.008's own name.
func TestRender_Pain008Echo(t *testing.T) {
	r := &Route{Name: "r", Format: "pain008", Results: []string{"pain002"}}
	f := renderCases[len(renderCases)-1].file
	out, err := renderStatus(&f, r, KindResultXML, renderNow)
	require.NoError(t, err)
	assert.Contains(t, string(out), "<OrgnlMsgNmId>pain.008.003.02</OrgnlMsgNmId>")
	assert.Contains(t, string(out), "<OrgnlPmtInfId>PMT-DD-1</OrgnlPmtInfId>")
	assert.Equal(t, 2, bytes.Count(out, []byte("<OrgnlEndToEndId>")), "one TxInfAndSts per collection")
	assert.Contains(t, string(out), "<Cd>MD01</Cd>")
}

func TestRender_Echo(t *testing.T) {
	r := &Route{Name: "r", Format: "pain001", Results: []string{"pain002", "csv"}}
	c := renderCases[0].file
	ack, err := renderAck(&c, r, renderNow)
	require.NoError(t, err)
	assert.Contains(t, string(ack), "<OrgnlMsgId>SAP-BCM-20260310-0001</OrgnlMsgId>")
	assert.Contains(t, string(ack), "<OrgnlMsgNmId>pain.001.002.03</OrgnlMsgNmId>")
	assert.Contains(t, string(ack), "<OrgnlPmtInfId>PMT-1</OrgnlPmtInfId>")
	assert.Contains(t, string(ack), "<OrgnlEndToEndId>E2E-2</OrgnlEndToEndId>")
	assert.Equal(t, 2, bytes.Count(ack, []byte("<OrgnlEndToEndId>")), "one entry per rejected transaction")

	b := renderCases[1].file
	ack, err = renderAck(&b, r, renderNow)
	require.NoError(t, err)
	assert.Contains(t, string(ack), "<OrgnlMsgId>01JQ7ZK3M4N5P6Q7R8S9T0V1W3</OrgnlMsgId>")
	assert.Contains(t, string(ack), "<OrgnlMsgNmId>pain.001</OrgnlMsgNmId>")

	ch := renderCases[2].file
	res, err := renderStatus(&ch, r, KindResultXML, renderNow)
	require.NoError(t, err)
	s := string(res)
	assert.Contains(t, s, "<OrgnlMsgNmId>pain.001.001.03.ch.02</OrgnlMsgNmId>")
	assert.Contains(t, s, "<StsId>3f6c1a2e9b7d4c1e8a550d2e6f7a8b9c</StsId>")
	assert.NotContains(t, s, "ACCP")
	assert.Regexp(t, regexp.MustCompile(`<OrgnlEndToEndId>E2</OrgnlEndToEndId>\s*<TxSts>ACSP</TxSts>`), s)
	assert.Regexp(t, regexp.MustCompile(`<OrgnlEndToEndId>E3</OrgnlEndToEndId>\s*<TxSts>RJCT</TxSts>\s*<StsRsnInf>\s*<Rsn>\s*<Cd>AC04</Cd>`), s)
	assert.Regexp(t, regexp.MustCompile(`<OrgnlEndToEndId>E4</OrgnlEndToEndId>\s*<TxSts>RJCT</TxSts>\s*<StsRsnInf>\s*<Rsn>\s*<Cd>NARR</Cd>\s*</Rsn>\s*<AddtlInf>BANK-TIMEOUT: no answer`), s)
	assert.Regexp(t, regexp.MustCompile(`<Cd>AM04</Cd>`), s)
}

func TestStsID(t *testing.T) {
	for in, want := range map[string]string{
		"3f6c1a2e-9b7d-4c1e-8a55-0d2e6f7a8b9c": "3f6c1a2e9b7d4c1e8a550d2e6f7a8b9c",
		"short-id":                             "short-id",
		"a-very-long-identifier-that-is-not-a-uuid-at-all": "a-very-long-identifier-that-is-not-",
	} {
		assert.Equal(t, want, stsID(in), in)
		assert.LessOrEqual(t, len(stsID(in)), 35)
	}
}

func TestEscapeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "",
		"Closed account number":    "Closed account number",
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+49 30 1234":              "'+49 30 1234",
		"-2+3+cmd|' /C calc'!A0":   "'-2+3+cmd|' /C calc'!A0",
		"@SUM(1+1)":                "'@SUM(1+1)",
		"\tTAB":                    "'\tTAB",
		"\rCR":                     "'\rCR",
		"AC04: =1+1 in the middle": "AC04: =1+1 in the middle",
	} {
		assert.Equal(t, want, escapeFormula(in), "%q", in)
	}
}

// TestRenderCSV_Formulas: in a CSV input's result, the ERP's own cells
// (a formula-looking reference, a negative amount) come back byte for
// byte so that the ERP can import them again, while the reason the
// bridge adds is escaped unless the route keeps formulas.
func TestRenderCSV_Formulas(t *testing.T) {
	original := []byte("external_id,amount,currency,reference\nX-1,-12.50,EUR,=SUM(A1:A9)\nX-2,10.00,EUR,@ref\n")
	f := &state.File{ID: "F", Format: "csv", State: state.Completed, Payments: []state.Payment{
		{Row: 1, ExternalID: "X-1", Status: "REJECTED", Reason: "=HYPERLINK(\"http://evil\",\"click\")"},
		{Row: 2, ExternalID: "X-2", Status: "EXECUTED", PaymentID: "p2"},
	}}
	r := &Route{Name: "payables", Format: "csv", CSV: csvpay.DefaultProfile()}
	got, err := renderCSV(f, r, original)
	require.NoError(t, err)
	assert.Equal(t, "external_id,amount,currency,reference,status,atlar_payment_id,reason\n"+
		"X-1,-12.50,EUR,=SUM(A1:A9),REJECTED,,\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\"\n"+
		"X-2,10.00,EUR,@ref,EXECUTED,p2,\n", string(got))

	r.KeepFormulas = true
	got, err = renderCSV(f, r, original)
	require.NoError(t, err)
	assert.Contains(t, string(got), ",REJECTED,,\"=HYPERLINK(")

	// pain.001 input: the bridge writes the whole CSV; the reason is
	// escaped, the ERP's ids are not.
	p := &state.File{ID: "P", Format: "pain001", State: state.Completed, Payments: []state.Payment{
		{Row: 1, ExternalID: "-E1", PmtInfID: "+P1", Amount: 100, Currency: "EUR", Status: "RETURNED", ReasonCode: "AM04", Reason: "x"},
		{Row: 2, ExternalID: "E2", PmtInfID: "P1", Amount: 100, Currency: "EUR", Status: "FAILED", Reason: "-1 day late"},
	}}
	got, err = renderCSV(p, &Route{Name: "sepa", Format: "pain001"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "external_id,pmt_inf_id,amount,currency,status,atlar_payment_id,reason\n"+
		"-E1,+P1,1.00,EUR,RETURNED,,AM04: x\n"+
		"E2,P1,1.00,EUR,FAILED,,'-1 day late\n", string(got))
}
