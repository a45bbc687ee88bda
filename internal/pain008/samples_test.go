package pain008

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite the corrected samples and golden files in testdata/")

// sampleCase is a public sample, the problems it is rejected with, and the
// edits that make its corrected copy.
type sampleCase struct {
	file  string
	today string // the file's ReqdColltnDt: nothing is in the past
	// want: every problem of the sample, as field → value it names.
	want map[string]string
	// fix replaces old with new, n times each (-1 all), in order.
	fix []edit
}

type edit struct {
	old, new string
	n        int
}

var sampleCases = []sampleCase{
	{
		file:  "de-dk-sepaking.pain.008.003.02.xml",
		today: "2010-12-03",
		want: map[string]string{
			"PmtInf[1]/CdtrSchmeId/Id/PrvtId/Othr/Id":                                                          "DE00ZZZ00099999999",
			"PmtInf[1]/DrctDbtTxInf[1]/DrctDbtTx/MndtRltdInf/AmdmntInfDtls/OrgnlCdtrSchmeId/Id/PrvtId/Othr/Id": "AA00ZZZOriginalCreditorID",
		},
		fix: []edit{
			{"DE00ZZZ00099999999", "DE10ZZZ00099999999", -1},
			{"AA00ZZZOriginalCreditorID", "DE98ZZZ09999999999", -1},
		},
	},
	{
		file:  "de-sepaking.pain.008.002.02.xml",
		today: "2010-12-03",
		want: map[string]string{
			"PmtInf[1]/CdtrSchmeId/Id/PrvtId/Othr/Id":                                                          "DE00ZZZ00099999999",
			"PmtInf[1]/DrctDbtTxInf[1]/DrctDbtTx/MndtRltdInf/AmdmntInfDtls/OrgnlCdtrSchmeId/Id/PrvtId/Othr/Id": "AA00ZZZOriginalCreditorID",
		},
		fix: []edit{
			{"DE00ZZZ00099999999", "DE10ZZZ00099999999", -1},
			{"AA00ZZZOriginalCreditorID", "DE98ZZZ09999999999", -1},
		},
	},
	{
		file:  "nl-abnamro-voorbeeld.pain.008.001.02.xml",
		today: "2012-02-21",
		want: map[string]string{
			"PmtInf[1]/CdtrAcct/Id/IBAN":                                        "DE12345678901234567890",
			"PmtInf[1]/DrctDbtTxInf[1]/DbtrAcct/Id/IBAN":                        "DE12345678901234567890",
			"PmtInf[1]/DrctDbtTxInf[1]/DrctDbtTx/CdtrSchmeId/Id/PrvtId/Othr/Id": "NL89ZZZ011234567890",
		},
		fix: []edit{
			{"NL89ZZZ011234567890", "NL03ZZZ011234567890", -1},
			{"DE12345678901234567890", "DE89370400440532013000", 1}, // the creditor's
			{"DE12345678901234567890", "DE02120300000000202051", 1}, // the debtor's
		},
	},
	{
		file:  "nl-ing-voorbeeld.pain.008.001.02.xml",
		today: "2012-02-05",
		want: map[string]string{
			"PmtInf[1]/DrctDbtTxInf[1]/DrctDbtTx/CdtrSchmeId/Id/PrvtId/Othr/Id": "NL89ZZZ011234567890",
		},
		fix: []edit{{"NL89ZZZ011234567890", "NL03ZZZ011234567890", -1}},
	},
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(sharedtest.Dir(t, "iso20022", "samples", "pain008", name))
	require.NoError(t, err)
	return b
}

// read runs Read and fails on an I/O error, which a bytes.Reader never
// causes, or if reading with encoding/xml alone finds anything else than
// Read with its fast scanner.
func read(t *testing.T, doc []byte, o Options) *Result {
	t.Helper()
	res, err := Read(bytes.NewReader(doc), o)
	require.NoError(t, err)
	slow, err := readWith(bytes.NewReader(doc), o, false)
	require.NoError(t, err)
	require.Equal(t, slow, res, "Read against encoding/xml alone")
	return res
}

// The public samples are rejected — their creditor identifiers fail the
// check digits, one file's IBANs theirs — with exactly those elements and
// values named.
func TestRead_PublicSamplesRejected(t *testing.T) {
	for _, sc := range sampleCases {
		t.Run(sc.file, func(t *testing.T) {
			res := read(t, readSample(t, sc.file), Options{Today: sc.today})
			got := map[string]string{}
			for _, p := range res.Problems {
				got[p.Field] = p.Value
			}
			assert.Equal(t, sc.want, got, "problems: %v", res.Problems)
			assert.Zero(t, res.SchemaErrors, "the samples pass their XSD")
		})
	}
}

// corrected applies a case's edits to the public sample.
func corrected(t testing.TB, sc sampleCase) []byte {
	t.Helper()
	s := string(readSample(t, sc.file))
	for _, e := range sc.fix {
		require.Contains(t, s, e.old)
		s = strings.Replace(s, e.old, e.new, e.n)
	}
	return []byte(s)
}

// The corrected copies in testdata/corrected (the samples with valid
// creditor ids and IBANs, made by corrected, for the next round's golden
// plans) are accepted and read into the collections pinned in
// testdata/<sample>.run.golden.json; -update rewrites both.
func TestRead_CorrectedSamplesGolden(t *testing.T) {
	for _, sc := range sampleCases {
		t.Run(sc.file, func(t *testing.T) {
			doc := corrected(t, sc)
			copyPath := filepath.Join("testdata", "corrected", sc.file)
			golden := filepath.Join("testdata", sc.file+".run.golden.json")
			res := read(t, doc, Options{Today: sc.today})
			require.Empty(t, res.Problems)
			got, err := json.MarshalIndent(struct {
				Header Header
				Run    any
			}{res.Header, res.Run}, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(copyPath), 0o755))
				require.NoError(t, os.WriteFile(copyPath, doc, 0o644))
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			kept, err := os.ReadFile(copyPath)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(doc), string(kept), "testdata/corrected is out of date: run with -update")
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			assert.JSONEq(t, string(want), string(got))
		})
	}
}

// problemAt returns the problem naming field, failing the test without one.
func problemAt(t *testing.T, ps payrun.Problems, field string) payrun.Problem {
	t.Helper()
	for _, p := range ps {
		if p.Field == field {
			return p
		}
	}
	t.Fatalf("no problem at %s in %v", field, ps)
	return payrun.Problem{}
}
