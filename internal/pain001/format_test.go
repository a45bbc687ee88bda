package pain001

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

// Mutations of the file as a file: XML syntax, namespaces, encodings,
// resource limits and what each level lets through.
func TestRead_MutationsFormat(t *testing.T) {
	runMutations(t, []mutation{
		{
			name: "truncated XML", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte { return d[:len(d)/2] },
			codes:  []string{"FF01"}, mention: []string{"unexpected EOF"},
			check: func(t *testing.T, res *Result) {
				doc := readSample(t, deSample)
				assert.Equal(t, bytes.Count(doc[:len(doc)/2], []byte("\n"))+1, res.Problems[0].Line)
			},
		},
		{
			name: "unknown namespace", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return []byte(strings.ReplaceAll(string(d), "pain.001.001.03", "pain.008.001.02"))
			},
			codes: []string{"FF01"}, field: "Document/@xmlns",
			mention: []string{"urn:iso:std:iso:20022:tech:xsd:pain.008.001.02", "pain.001.001.02/.03/.05/.08/.09/.10/.11"},
		},
		{
			name: "no namespace", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, `xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"`, "")
			},
			codes: []string{"FF01"}, field: "Document/@xmlns",
		},
		{
			name: "not a Document", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return []byte(`<?xml version="1.0"?><html><body>hello</body></html>`)
			},
			codes: []string{"FF01"}, field: "html",
		},
		{
			name: "empty file", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte { return nil },
			codes:  []string{"FF01"}, mention: []string{"empty"},
		},
		{
			name: "white space and a BOM only", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte { return []byte("\ufeff \r\n") },
			codes:  []string{"FF01"}, mention: []string{"empty"},
		},
		{
			name: "namespace prefix", sample: deSample, today: deToday,
			mutate:  func(t *testing.T, d []byte) []byte { return prefixed(t, d, "ns2") },
			xmllint: "pain.001.001.03",
			check: func(t *testing.T, res *Result) {
				plain := read(t, readSample(t, deSample), Options{Today: deToday})
				assert.Equal(t, plain.Run, res.Run)
				assert.Equal(t, plain.Header, res.Header)
			},
		},
		{
			name: "ISO-8859-1 with a non-ASCII creditor name", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				d = replaceOnce(t, d, `encoding="UTF-8"`, `encoding="ISO-8859-1"`)
				d = replaceOnce(t, d, "<Nm>Creditor Name</Nm>", "<Nm>Müller &amp; Söhne Straße</Nm>")
				latin1, err := charmap.ISO8859_1.NewEncoder().Bytes(d)
				require.NoError(t, err)
				require.NotContains(t, string(latin1), "ü", "the file must really be Latin-1")
				return latin1
			},
			xmllint: "pain.001.001.03",
			check: func(t *testing.T, res *Result) {
				assert.Equal(t, "Müller & Söhne Straße", res.Run.Payments[0].Creditor.Name)
			},
		},
		{
			name: "windows-1252 with a euro sign", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				d = replaceOnce(t, d, `encoding="UTF-8"`, `encoding="windows-1252"`)
				d = replaceOnce(t, d, "<Ustrd>Unstructured Remittance Information</Ustrd>", "<Ustrd>Rechnung 4711 über 100 €</Ustrd>")
				cp, err := charmap.Windows1252.NewEncoder().Bytes(d)
				require.NoError(t, err)
				return cp
			},
			check: func(t *testing.T, res *Result) {
				assert.Equal(t, "Rechnung 4711 über 100 €", res.Run.Payments[0].Reference)
			},
		},
		{
			name: "unsupported encoding", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, `encoding="UTF-8"`, `encoding="Shift_JIS"`)
			},
			codes: []string{"FF01"}, field: "encoding", mention: []string{"Shift_JIS"},
		},
		{
			name: "invalid UTF-8", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, "<Nm>Creditor Name</Nm>", "<Nm>Creditor \xff Name</Nm>")
			},
			codes: []string{"FF01"}, mention: []string{"UTF-8"},
		},
		{
			name: "text after the root element", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte { return append(d, "\n<Document/>\n"...) },
			codes:  []string{"FF01"},
		},
		{
			name: "text before the root element", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, "<Document", "junk <Document")
			},
			codes: []string{"FF01"}, mention: []string{"junk"},
		},
		{
			name: "entity from a DOCTYPE is not expanded", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				d = replaceOnce(t, d, "<Document", `<!DOCTYPE Document [<!ENTITY x "boom">]>`+"\n<Document")
				return replaceOnce(t, d, "<Nm>Creditor Name</Nm>", "<Nm>&x;</Nm>")
			},
			codes: []string{"FF01"},
		},
		{
			name: "text node over 64 KiB", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, "<Ustrd>Unstructured Remittance Information</Ustrd>", "<Ustrd>"+strings.Repeat("x", 70000)+"</Ustrd>")
			},
			codes: []string{"FF01"}, field: "PmtInf[1]/CdtTrfTxInf[1]/RmtInf/Ustrd",
		},
		{
			name: "text node over 64 KiB in an element the reader skips", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, "<BtchBookg>true</BtchBookg>", "<BtchBookg>"+strings.Repeat(" ", 70000)+"true</BtchBookg>")
			},
			codes: []string{"FF01"}, field: "PmtInf[1]/BtchBookg",
		},
		{
			name: "text node over 64 KiB in another namespace", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				return replaceOnce(t, d, "<BtchBookg>true</BtchBookg>", `<x:Note xmlns:x="urn:x">`+strings.Repeat("x", 70000)+"</x:Note><BtchBookg>true</BtchBookg>")
			},
			codes: []string{"FF01"},
		},
		{
			name: "nesting over the depth limit", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte {
				deep := strings.Repeat("<X>", 100) + strings.Repeat("</X>", 100)
				return replaceOnce(t, d, "<Ustrd>Unstructured Remittance Information</Ustrd>", deep)
			},
			codes: []string{"FF01"}, mention: []string{"nested"},
		},
		{
			name: "larger than MaxSize", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte { return d },
			opts:   func(o *Options) { o.MaxSize = 1000 },
			codes:  []string{"FF01"}, mention: []string{"at most 1000 bytes"},
		},
		{
			name: "exactly MaxSize", sample: deSample, today: deToday,
			mutate: func(t *testing.T, d []byte) []byte { return d },
			opts:   func(o *Options) { o.MaxSize = int64(len(readSample(t, deSample))) },
		},
		{
			name: "level wellformed ignores checksums and totals", sample: deSample, today: deToday, level: LevelWellformed,
			mutate: func(t *testing.T, d []byte) []byte {
				d = replaceOnce(t, d, "DE21500500009876543210", "DE21500500009876543201")
				return replaceOnce(t, d, "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>")
			},
		},
		{
			name: "level wellformed rejects an unknown namespace", sample: deSample, today: deToday, level: LevelWellformed,
			mutate: func(t *testing.T, d []byte) []byte {
				return []byte(strings.ReplaceAll(string(d), "pain.001.001.03", "pain.001.001.04"))
			},
			codes: []string{"FF01"},
		},
		{
			name: "level none reads an unknown namespace", sample: deSample, today: deToday, level: LevelNone,
			mutate: func(t *testing.T, d []byte) []byte {
				return []byte(strings.ReplaceAll(string(d), "pain.001.001.03", "pain.001.001.04"))
			},
			check: func(t *testing.T, res *Result) {
				assert.Len(t, res.Run.Payments, 2)
				assert.Empty(t, res.Header.Version)
			},
		},
		{
			name: "level none still rejects truncated XML", sample: deSample, today: deToday, level: LevelNone,
			mutate: func(t *testing.T, d []byte) []byte { return d[:len(d)-20] },
			codes:  []string{"FF01"},
		},
	})
}

func TestRead_Errors(t *testing.T) {
	t.Run("failing reader", func(t *testing.T) {
		disk := errors.New("disk on fire")
		doc := readSample(t, deSample)
		_, err := Read(io.MultiReader(bytes.NewReader(doc[:300]), iotest.ErrReader(disk)), Options{})
		require.Error(t, err)
		assert.ErrorIs(t, err, disk)
	})
	t.Run("failing reader under a charset", func(t *testing.T) {
		disk := errors.New("disk on fire")
		doc := replaceOnce(t, readSample(t, deSample), `encoding="UTF-8"`, `encoding="ISO-8859-1"`)
		_, err := Read(io.MultiReader(bytes.NewReader(doc[:300]), iotest.ErrReader(disk)), Options{})
		assert.ErrorIs(t, err, disk)
	})
	t.Run("unknown level", func(t *testing.T) {
		_, err := Read(bytes.NewReader(nil), Options{Level: "lenient"})
		assert.ErrorContains(t, err, `unknown level "lenient"`)
	})
	t.Run("bad today", func(t *testing.T) {
		_, err := Read(bytes.NewReader(nil), Options{Today: "11.11.2010"})
		assert.ErrorContains(t, err, "YYYY-MM-DD")
	})
}

func TestRead_ProblemsAreCapped(t *testing.T) {
	// 1500 transactions, each with a broken creditor IBAN.
	doc := regexp.MustCompile(`<IBAN>DE(\d\d)50010517`).ReplaceAll(generate(1500), []byte("<IBAN>DE00${1}0010517"))
	res := read(t, doc, Options{Today: "2025-01-02"})
	require.Len(t, res.Problems, maxProblems)
	assert.Equal(t, "AC01", res.Problems[0].Code)
	last := res.Problems[maxProblems-1]
	assert.Equal(t, "NARR", last.Code)
	assert.Contains(t, last.Expected, "501 more") // 999 listed
	assert.Len(t, res.Run.Payments, 1500)
}
