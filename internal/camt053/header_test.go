package camt053

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/isoxml"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleHeaders is what a careful reader takes from each public sample
// (checked by hand against the files). Samples not listed here still get
// the invariant checks.
var sampleHeaders = map[string]Header{
	"ch-postfinance.camt.053.001.04.xml":           {V04, "20201124375204229003967", "20201124375204229003973", "CH2909000000250094239", "", "CHF", "2020-06-24"},
	"fi-bank-sample.camt.053.001.02.xml":           {V02, "BANKFILEID00001", "BANKSTMTID0972009", "FI7433010001222090", "", "EUR", "2009-10-29"},
	"genkgo-all-balance-types.camt.053.001.02.xml": {V02, "CAMT05300000001", "CAMT0532015012200001", "", "CH2801234000123456789", "EUR", "2015-01-22"},
	"genkgo-five-decimals.camt.053.001.02.xml":     {V02, "CAMT053RIB000000000001", "253EURNL26VAYB8060476890", "NL26VAYB8060476890", "", "EUR", "2015-03-10"},
	"genkgo-multi-statement.camt.053.001.02.xml":   {V02, "CAMT053RIB000000000001", "253EURNL26VAYB8060476890", "NL26VAYB8060476890", "", "EUR", "2007-10-18"},
	"genkgo-party-ids.camt.053.001.02.xml":         {V02, "CAMT053RIB000000000001", "253EURNL26VAYB8060476890", "NL26VAYB8060476890", "", "EUR", "2007-10-18"},
	"genkgo.camt.053.001.03.xml":                   {V03, "CAMT053RIB000000000001", "253EURNL26VAYB8060476890", "", "NL26VAYB8060476890", "EUR", "2007-10-18"},
	"genkgo.camt.053.001.04.xml":                   {V04, "CAMT053RIB000000000001", "253EURNL26VAYB8060476890", "", "NL26VAYB8060476890", "EUR", "2007-10-18"},
	"genkgo.camt.053.001.08.xml":                   {V08, "CAMT053RIB000000000001", "253EURNL26VAYB8060476890", "", "NL26VAYB8060476890", "EUR", "2007-10-18"},
	"moov-statement1.camt.053.001.02.xml":          {V02, "201509302599406884", "201509302599406883", "LT007180000000000000", "", "EUR", "2015-06-30"},
	// No Acct/Ccy: the currency comes from the first balance.
	"nl-nvb.camt.053.001.02.xml":             {V02, "AAAASESS-FP-STAT001", "AAAASESS-FP-STAT001", "", "50000000054910000003", "SEK", "2010-10-18"},
	"viafintech-batch.camt.053.001.02.xml":   {V02, "201906240000000_2019062111111111", "2019062434566666666666666", "NL18INGB00012345678", "", "EUR", "2019-06-23"},
	"viafintech-example.camt.053.001.02.xml": {V02, "053D2013-12-27T22:05:03.0N130000005", "0352C5320131227220503", "DE14740618130000033626", "", "EUR", "2013-12-27"},
	"viafintech-large.camt.053.001.04.xml":   {V04, "20160430375204000008573", "20160430375204000008574", "CH0309000000250090342", "", "CHF", "2016-04-30"},
	"viafintech.camt.053.001.08.xml":         {V08, "R39B4SA289HMZ6XA", "R30B4SA880HMZ9XA", "CH1111111111111111111", "", "CHF", "2023-06-20"},
}

func TestReadHeader_Samples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sharedtest.Dir(t, "iso20022", "samples", "camt053"), "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no camt.053 samples found")
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			h, err := ReadHeader(data)
			require.NoError(t, err)
			assertSensible(t, h)
			if want, ok := sampleHeaders[name]; ok {
				assert.Equal(t, want, h)
			} else {
				t.Logf("no expectations for %s; add them to sampleHeaders: %+v", name, h)
			}
		})
	}
}

// assertSensible checks what the outbox relies on to name a file.
func assertSensible(t *testing.T, h Header) {
	t.Helper()
	assert.Contains(t, Versions, h.Version)
	assert.NotEmpty(t, h.MsgID)
	assert.NotEmpty(t, h.StatementID)
	assert.True(t, h.IBAN != "" || h.OtherID != "", "account id")
	assert.Regexp(t, `^[A-Z]{3}$`, h.Currency)
	assert.True(t, isoxml.IsDate(h.Date), "date %q", h.Date)
}

// TestReadHeader_Tolerance feeds variations of one of our own statements
// in the shapes real files arrive in.
func TestReadHeader_Tolerance(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "render", "eur_iban."+V04+".xml"))
	require.NoError(t, err)
	doc := string(base)
	want := Header{V04, "ATLAR-STMT-20240301-0001", "STMT-DE89-20240301", "DE89370400440532013000", "", "EUR", "2024-03-01"}

	// prefixed rewrites every element to use the ns: prefix.
	prefixed := strings.NewReplacer("<?", "<?", "</", "</ns:", "<", "<ns:", `xmlns=`, `xmlns:ns=`).Replace(doc)
	latin1 := strings.Replace(strings.Replace(doc, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1),
		"Müller &amp; Söhne", "M\xfcller &amp; S\xf6hne", 1)
	body := strings.SplitN(doc, "?>", 2)[1]

	tests := []struct {
		name string
		doc  string
	}{
		{"as written", doc},
		{"utf-8 BOM", "\xef\xbb\xbf" + doc},
		{"namespace prefix", prefixed},
		{"ISO-8859-1", latin1},
		{"no declaration", body},
		{"envelope with AppHdr", `<?xml version="1.0"?><message><AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.01"><BizMsgIdr>X</BizMsgIdr></AppHdr>` + body + `</message>`},
		{"whitespace around values", strings.Replace(doc, "<IBAN>DE89370400440532013000</IBAN>", "<IBAN>\n  DE89 3704 0044 0532 0130 00\n</IBAN>", 1)},
		{"CRLF line ends", strings.ReplaceAll(doc, "\n", "\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ReadHeader([]byte(tt.doc))
			require.NoError(t, err)
			assert.Equal(t, want, h)
		})
	}
}

func TestReadHeader_DateFallback(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "render", "eur_iban."+V02+".xml"))
	require.NoError(t, err)
	noPeriod := cutElement(t, string(base), "FrToDt")
	// Stmt/CreDtTm is 2024-03-02; with it gone, GrpHdr/CreDtTm is used.
	stmtCre := "<CreDtTm>2024-03-02T06:15:00+01:00</CreDtTm>"
	noStmtCre := strings.Replace(noPeriod, "<Id>STMT-DE89-20240301</Id>\n      <ElctrncSeqNb>61</ElctrncSeqNb>\n      "+stmtCre,
		"<Id>STMT-DE89-20240301</Id>\n      <ElctrncSeqNb>61</ElctrncSeqNb>", 1)
	require.NotEqual(t, noPeriod, noStmtCre)
	grpOnly := strings.Replace(noStmtCre, stmtCre, "<CreDtTm>2024-03-05T00:30:00+01:00</CreDtTm>", 1)

	tests := []struct{ name, doc, want string }{
		{"ToDtTm", string(base), "2024-03-01"},
		{"Stmt CreDtTm", noPeriod, "2024-03-02"},
		{"GrpHdr CreDtTm", grpOnly, "2024-03-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ReadHeader([]byte(tt.doc))
			require.NoError(t, err)
			assert.Equal(t, tt.want, h.Date)
		})
	}
}

func TestReadHeader_Errors(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "render", "jpy_othr."+V03+".xml"))
	require.NoError(t, err)
	doc := string(base)
	tests := []struct {
		name, doc, want string
		notStatement    bool
	}{
		{"empty", "", "no BkToCstmrStmt", true},
		{"not xml", "external_id,amount\n1,2\n", "no BkToCstmrStmt", true},
		{"truncated in the header", doc[:400], "XML syntax error", false},
		{"pain.001", `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>`, "no BkToCstmrStmt", true},
		{"camt.052 namespace", strings.Replace(doc, "camt.053.001.03", "camt.052.001.03", 1), `namespace "urn:iso:std:iso:20022:tech:xsd:camt.052.001.03"`, true},
		{"no namespace", strings.Replace(doc, ` xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.03"`, "", 1), `namespace ""`, true},
		{"no statement", cutElement(t, doc, "Stmt"), "no Stmt", true},
		{"no account id", cutElement(t, doc, "Othr"), "has no account id", true},
		{"no date", strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(doc, "2024-04-16T", "x"), "2024-04-15T", "x"), "+09:00", ""), "has no date", true},
		{"unknown encoding", strings.Replace(doc, `encoding="UTF-8"`, `encoding="x-klingon"`, 1), `encoding "x-klingon"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadHeader([]byte(tt.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.notStatement, errors.Is(err, ErrNotStatement))
		})
	}
}

func TestEndToEndIDs_Samples(t *testing.T) {
	dir := sharedtest.Dir(t, "iso20022", "samples", "camt053")
	tests := []struct {
		file string
		want []string
	}{
		{"genkgo.camt.053.001.08.xml", []string{"MUELL/FINP/RA12345"}},
		{"ch-postfinance.camt.053.001.04.xml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			require.NoError(t, err)
			ids, err := EndToEndIDs(data)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids)
		})
	}

	t.Run("malformed", func(t *testing.T) {
		_, err := EndToEndIDs([]byte("<Document><Refs><EndToEndId>x</Refs>"))
		require.Error(t, err)
	})
}

// cutElement removes the first <name>…</name> (with its content) from doc.
func cutElement(t *testing.T, doc, name string) string {
	t.Helper()
	start := strings.Index(doc, "<"+name+">")
	end := strings.Index(doc, "</"+name+">")
	require.True(t, start >= 0 && end > start, "element %s not found", name)
	return doc[:start] + doc[end+len("</"+name+">"):]
}
