package pain001

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// Every supported version and variant is accepted when valid, checked
// against its own XSD (which xmllint confirms).
func TestRead_EveryVersion(t *testing.T) {
	const badDbtr, badCdtr, goodCdtr = "BG87200500001234567890", "DE87200500001234567890", "DE89370400440532013000"
	fixIBANs := func(d []byte) []byte {
		d = bytes.ReplaceAll(d, []byte(badDbtr), []byte(v09Dbtr))
		return bytes.ReplaceAll(d, []byte(badCdtr), []byte(goodCdtr))
	}
	shared := func(name string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return fixIBANs(readSample(t, name)) }
	}
	repo := func(name string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return fixIBANs(readExtraSample(t, name)) }
	}
	tests := []struct {
		xsd, version, variant, today string
		doc                          func(*testing.T) []byte
	}{
		{"pain.001.001.02", "pain.001.001.02", "", "2009-09-28", func(*testing.T) []byte { return []byte(v02Doc) }},
		{"pain.001.001.03", "pain.001.001.03", "", deToday, shared(deSample)},
		{"pain.001.001.05", "pain.001.001.05", "", v09Today, shared("phpsepa.pain.001.001.05.xml")},
		{"pain.001.001.08", "pain.001.001.08", "", v09Today, repo("phpsepa.pain.001.001.08.xml")},
		{"pain.001.001.09", "pain.001.001.09", "", v09Today, shared(v09Sample)},
		{"pain.001.001.10", "pain.001.001.10", "", v09Today, repo("phpsepa.pain.001.001.10.xml")},
		{"pain.001.001.11", "pain.001.001.11", "", v09Today, repo("derived.pain.001.001.11.xml")},
		{"pain.001.002.03", "pain.001.001.03", "DK pain.001.002.03", v09Today, shared("phpsepa.pain.001.002.03.xml")},
		{"pain.001.003.03", "pain.001.001.03", "DK pain.001.003.03", "2010-11-11", shared("de-dk-sepaking.pain.001.003.03.xml")},
		{"pain.001.001.03.ch.02", "pain.001.001.03", "CH SIX .ch.02", chToday, shared(chSample)},
		{"pain.001.001.09.ch.03", "pain.001.001.09", "CH SPS .ch.03", v09Today, func(t *testing.T) []byte {
			d := fixIBANs(readSample(t, v09Sample))
			return replaceOnce(t, d, "pain.001.001.09 pain.001.001.09.xsd", "pain.001.001.09 pain.001.001.09.ch.03.xsd")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.xsd, func(t *testing.T) {
			doc := tt.doc(t)
			sharedtest.XMLLint(t, doc, sharedtest.XSD(t, tt.xsd+".xsd"))
			res := read(t, doc, Options{Today: tt.today})
			assert.Empty(t, res.Problems)
			assert.Zero(t, res.SchemaErrors)
			assert.Equal(t, tt.version, res.Header.Version)
			assert.Equal(t, tt.variant, res.Header.Variant)
			require.NotEmpty(t, res.Run.Payments)
			s, ok := schemaFor(doc)
			require.True(t, ok)
			assert.Equal(t, tt.xsd, s.rules.Name, "the XSD the rules come from")
		})
	}
}

// The classes of defect issue 15 found forwarded with ACTC: each is now a
// schema problem, and xmllint agrees.
func TestRead_SchemaFindings(t *testing.T) {
	runMutations(t, []mutation{
		{
			name: "BIC in a party's identification fails BICOrBEI", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, "<Nm>Initiator Name</Nm>",
					"<Nm>Initiator Name</Nm><Id><OrgId><BICOrBEI>DEUTDE1F</BICOrBEI></OrgId></Id>")
			},
			codes: []string{"CH16"}, field: "GrpHdr/InitgPty/Id/OrgId/BICOrBEI",
			mention: []string{"DEUTDE1F", "AnyBICIdentifier"}, xmllint: "pain.001.001.03",
		},
		{
			name: "U+00A0 as indentation", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, "<InitgPty>\n        <Nm>", "<InitgPty>\n\u00a0\u00a0<Nm>")
			},
			codes: []string{"CH16"}, field: "GrpHdr/InitgPty",
			mention: []string{"XML white space"}, xmllint: "pain.001.001.03",
		},
		{
			name: "DK pain.001.002.03 requires CdtrAgt", sample: "phpsepa.pain.001.002.03.xml", today: v09Today,
			mutate: func(t *testing.T, d []byte) []byte {
				d = bytes.ReplaceAll(d, []byte("BG87200500001234567890"), []byte(v09Dbtr))
				d = bytes.ReplaceAll(d, []byte("DE87200500001234567890"), []byte("DE89370400440532013000"))
				return replaceOnce(t, d, "<CdtrAgt>\n          <FinInstnId>\n            <BIC>BANKDEFFXXX</BIC>\n          </FinInstnId>\n        </CdtrAgt>\n", "")
			},
			codes: []string{"CH21"}, field: "PmtInf[1]/CdtTrfTxInf[1]/CdtrAgt", xmllint: "pain.001.002.03",
			check: func(t *testing.T, res *Result) {
				require.Positive(t, res.SchemaErrors)
			},
		},
	})
}
