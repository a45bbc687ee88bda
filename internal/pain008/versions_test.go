package pain008

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The ING sample converted to pain.008.001.08 as SOURCES.md describes
// (namespace, BIC → BICFI) reads to the same collections, checked against
// the .08 XSD; left with BIC, the .08 schema rejects it.
func TestRead_V08(t *testing.T) {
	v02 := string(corrected(t, sampleCases[3]))
	v08 := strings.ReplaceAll(v02, "pain.008.001.02", "pain.008.001.08")
	v08 = strings.ReplaceAll(strings.ReplaceAll(v08, "<BIC>", "<BICFI>"), "</BIC>", "</BICFI>")
	want := read(t, []byte(v02), Options{Today: "2012-02-05"})
	got := read(t, []byte(v08), Options{Today: "2012-02-05"})
	require.Empty(t, got.Problems)
	assert.Equal(t, "pain.008.001.08", got.Header.MsgName)
	want.Run.MsgName = got.Run.MsgName
	assert.Equal(t, want.Run, got.Run)

	stale := strings.ReplaceAll(v02, "pain.008.001.02", "pain.008.001.08")
	bad := read(t, []byte(stale), Options{Today: "2012-02-05"})
	assert.Positive(t, bad.SchemaErrors)
	assert.NotEmpty(t, bad.Problems)
}

// A pain.008.001.02 whose schemaLocation names the German DK restriction
// is checked against it; the message name stays the ISO one for pain.002.
func TestRead_DKFlavour(t *testing.T) {
	doc := strings.Replace(string(corrected(t, sampleCases[3])), `xmlns:xsi="http://www.w3.org/2001/XMLSchemainstance"`,
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02 pain.008.001.02.DK.xsd"`, 1)
	res := read(t, []byte(doc), Options{Today: "2012-02-05"})
	assert.Equal(t, "pain.008.001.02.DK", res.Header.Schema)
	assert.Equal(t, "pain.008.001.02", res.Run.MsgName)
	assert.Empty(t, res.Problems)

	// The DK restriction allows only SLEV as charge bearer: SHAR passes
	// ISO's XSD and fails the DK one.
	amp := strings.Replace(doc, "<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>SHAR</ChrgBr>", 1)
	require.NotEqual(t, doc, amp)
	res = read(t, []byte(amp), Options{Today: "2012-02-05"})
	assert.Positive(t, res.SchemaErrors)
	iso := read(t, []byte(strings.Replace(amp, " pain.008.001.02.DK.xsd", " pain.008.001.02.xsd", 1)), Options{Today: "2012-02-05"})
	assert.Zero(t, iso.SchemaErrors)
}

// An ISO-8859-1 file is decoded: a debtor name with ü reads as UTF-8.
func TestRead_Latin1(t *testing.T) {
	doc := strings.Replace(string(corrected(t, sampleCases[3])), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
	require.Contains(t, doc, "ISO-8859-1")
	require.Contains(t, doc, "<Nm>NAAM</Nm>")
	doc = strings.ReplaceAll(doc, "<Nm>NAAM</Nm>", "<Nm>M\xfcller</Nm>")
	res := read(t, []byte(doc), Options{Today: "2012-02-05"})
	require.Empty(t, res.Problems)
	assert.Equal(t, "Müller", res.Run.Collections[0].Debtor.Name)
}
