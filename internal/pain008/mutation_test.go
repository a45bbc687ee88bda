package pain008

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each business rule broken once in the corrected ABN AMRO sample: the
// file is rejected with a problem naming the element (and the value), and
// nothing panics.
func TestRead_Mutations(t *testing.T) {
	base := strings.ReplaceAll(string(corrected(t, sampleCases[2])), "\r\n", "\n")
	const tx = "PmtInf[1]/DrctDbtTxInf[1]/"
	tests := []struct {
		name, old, new string
		field, value   string
		code           string
	}{
		{"group NbOfTxs", "<NbOfTxs>1</NbOfTxs>\n\t\t<CtrlSum>1600.00</CtrlSum>\n\t\t<InitgPty>", "<NbOfTxs>2</NbOfTxs>\n\t\t<CtrlSum>1600.00</CtrlSum>\n\t\t<InitgPty>", "GrpHdr/NbOfTxs", "2", "AM18"},
		{"group CtrlSum", "<CtrlSum>1600.00</CtrlSum>\n\t\t<InitgPty>", "<CtrlSum>1600.01</CtrlSum>\n\t\t<InitgPty>", "GrpHdr/CtrlSum", "1600.01", "AM10"},
		{"PmtInf NbOfTxs", "<NbOfTxs>1</NbOfTxs>\n\t\t<CtrlSum>1600.00</CtrlSum>\n\t<PmtTpInf>", "<NbOfTxs>3</NbOfTxs>\n\t\t<CtrlSum>1600.00</CtrlSum>\n\t<PmtTpInf>", "PmtInf[1]/NbOfTxs", "3", "AM18"},
		{"PmtInf CtrlSum", "<CtrlSum>1600.00</CtrlSum>\n\t<PmtTpInf>", "<CtrlSum>16.00</CtrlSum>\n\t<PmtTpInf>", "PmtInf[1]/CtrlSum", "16.00", "AM10"},
		{"collection date in the past", "<ReqdColltnDt>2012-02-21</ReqdColltnDt>", "<ReqdColltnDt>2012-02-20</ReqdColltnDt>", "PmtInf[1]/ReqdColltnDt", "2012-02-20", "DT01"},
		{"unknown local instrument", "<Cd>CORE</Cd>", "<Cd>INST</Cd>", "PmtInf[1]/PmtTpInf/LclInstrm/Cd", "INST", "CH16"},
		{"unknown sequence type", "<SeqTp>RCUR</SeqTp>", "<SeqTp>ONCE</SeqTp>", "PmtInf[1]/PmtTpInf/SeqTp", "ONCE", "CH16"},
		{"creditor IBAN checksum", "DE89370400440532013000", "DE89370400440532013001", "PmtInf[1]/CdtrAcct/Id/IBAN", "DE89370400440532013001", "AC01"},
		{"creditor BIC", "ABNADEFFFRA", "ABNA1EFFFRA", "PmtInf[1]/CdtrAgt/FinInstnId/BIC", "ABNA1EFFFRA", "RC01"},
		{"creditor id check digits", "NL03ZZZ011234567890", "NL04ZZZ011234567890", tx + "DrctDbtTx/CdtrSchmeId/Id/PrvtId/Othr/Id", "NL04ZZZ011234567890", "CH16"},
		{"debtor IBAN checksum", "DE02120300000000202051", "DE02120300000000202052", tx + "DbtrAcct/Id/IBAN", "DE02120300000000202052", "AC01"},
		{"debtor BIC", "NBAGDE3E", "NBAGDE3", tx + "DbtrAgt/FinInstnId/BIC", "NBAGDE3", "RC01"},
		{"currency not EUR", `Ccy="EUR"`, `Ccy="CHF"`, tx + "InstdAmt/@Ccy", "CHF", "AM03"},
		{"amount precision", ">1600.00</InstdAmt>", ">1600.001</InstdAmt>", tx + "InstdAmt", "1600.001", "AM12"},
		{"end-to-end id pattern", "<EndToEndId>2000000038</EndToEndId>", "<EndToEndId>2000 0038</EndToEndId>", tx + "PmtId/EndToEndId", "2000 0038", "CH16"},
		{"mandate id missing", "<MndtId>MANDAAT123456</MndtId>", "", tx + "DrctDbtTx/MndtRltdInf/MndtId", "", "CH21"},
		{"signature date missing", "<DtOfSgntr>2010-09-05</DtOfSgntr>", "", tx + "DrctDbtTx/MndtRltdInf/DtOfSgntr", "", "CH21"},
		{"signature date after today", "<DtOfSgntr>2010-09-05</DtOfSgntr>", "<DtOfSgntr>2012-03-05</DtOfSgntr>", tx + "DrctDbtTx/MndtRltdInf/DtOfSgntr", "2012-03-05", "DT01"},
		{"amendment without details", "<AmdmntInd>false</AmdmntInd>", "<AmdmntInd>true</AmdmntInd>", tx + "DrctDbtTx/MndtRltdInf/AmdmntInfDtls/OrgnlMndtId", "", "MD01"},
		{"amendment names the same mandate", "<AmdmntInd>false</AmdmntInd>", "<AmdmntInd>true</AmdmntInd><AmdmntInfDtls><OrgnlMndtId>MANDAAT123456</OrgnlMndtId></AmdmntInfDtls>", tx + "DrctDbtTx/MndtRltdInf/AmdmntInfDtls/OrgnlMndtId", "MANDAAT123456", "MD01"},
		{"creditor id missing", "<CdtrSchmeId>", "<!--", tx + "DrctDbtTx/CdtrSchmeId/Id/PrvtId/Othr/Id", "", "CH21"},
		{"debtor name missing", "<Nm>FICO Customer account</Nm>", "", tx + "Dbtr/Nm", "", "CH21"},
		{"payment method", "<PmtMtd>DD</PmtMtd>", "<PmtMtd>TRF</PmtMtd>", "PmtInf[1]/PmtMtd", "TRF", "CH16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := base
			if tt.name == "creditor id missing" {
				doc = strings.Replace(doc, "</CdtrSchmeId>", "-->", 1)
			}
			require.Contains(t, doc, tt.old)
			doc = strings.Replace(doc, tt.old, tt.new, 1)
			res := read(t, []byte(doc), Options{Today: "2012-02-21"})
			require.NotEmpty(t, res.Problems)
			p := problemAt(t, res.Problems, tt.field)
			assert.Equal(t, tt.value, p.Value, p.String())
			assert.Equal(t, tt.code, p.Code, p.String())
			assert.NotEmpty(t, p.Expected)
			if strings.HasPrefix(tt.field, "PmtInf[1]/DrctDbtTxInf[1]/") {
				assert.Equal(t, 1, p.Row, p.String())
			}
			assert.Positive(t, p.Line, p.String())
		})
	}
}

// A second transaction reusing the first one's EndToEndId is a duplicate
// (DU04) naming the transaction first using it.
func TestRead_DuplicateEndToEndID(t *testing.T) {
	doc := string(corrected(t, sampleCases[0]))
	doc = strings.Replace(doc, "OriginatorID1235", "OriginatorID1234", 1)
	res := read(t, []byte(doc), Options{Today: "2010-12-03"})
	p := problemAt(t, res.Problems, "PmtInf[1]/DrctDbtTxInf[2]/PmtId/EndToEndId")
	assert.Equal(t, "DU04", p.Code)
	assert.Equal(t, 2, p.Row)
	assert.Contains(t, p.Expected, "already used by transaction 1")
}

// Files that are not pain.008 are rejected whole and collect nothing.
func TestRead_NotPain008(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":      "",
		"not xml":    "amount;iban\n1;DE89",
		"pain.001":   `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>`,
		"truncated":  string(corrected(t, sampleCases[3]))[:900],
		"entity":     `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>`,
		"bad syntax": `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"><CstmrDrctDbtInitn></Document>`,
	} {
		t.Run(name, func(t *testing.T) {
			res := read(t, []byte(doc), Options{Today: "2012-02-21"})
			require.NotEmpty(t, res.Problems)
			assert.Empty(t, res.Run.Collections)
		})
	}
}

func TestRead_MaxSize(t *testing.T) {
	doc := corrected(t, sampleCases[3])
	res := read(t, doc, Options{Today: "2012-02-05", MaxSize: 100})
	require.Len(t, res.Problems, 1)
	assert.Contains(t, res.Problems[0].Expected, "at most 100 bytes")
	res = read(t, doc, Options{Today: "2012-02-05", MaxSize: int64(len(doc))})
	assert.Empty(t, res.Problems)
}

func TestRead_BadOptions(t *testing.T) {
	for _, o := range []Options{{Level: "lax"}, {Today: "05.02.2012"}, {MaxSize: -1}} {
		_, err := Read(strings.NewReader(""), o)
		assert.Error(t, err, fmt.Sprint(o))
	}
}

// A failing reader is an error, not a problem of the file.
func TestRead_ReaderError(t *testing.T) {
	boom := errors.New("disk gone")
	doc := corrected(t, sampleCases[3])
	_, err := Read(io.MultiReader(bytes.NewReader(doc[:500]), iotest.ErrReader(boom)), Options{Today: "2012-02-05"})
	require.ErrorIs(t, err, boom)
}
