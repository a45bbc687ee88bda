package pain001

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleCase is the verdict on one public sample in
// ../shared/iso20022/samples/pain001 and why. Today is the file's own
// creation date, so that execution dates are judged as on the day the
// file was made.
type sampleCase struct {
	file     string
	today    string
	version  string
	variant  string
	payments int
	// codes are the reason codes of every problem, in order; none means
	// the sample is accepted.
	codes []string
	why   string
}

var sampleCases = []sampleCase{
	{
		file: "ch-sepaking.pain.001.001.03.ch.02.xml", today: "2010-02-15",
		version: "pain.001.001.03", variant: "CH SIX .ch.02", payments: 3,
		why: "valid: Swiss namespace, CHF and EUR, ESR payment to a postal account without Cdtr",
	},
	{
		file: "ch-six-musterfile-nov2020.pain.001.001.03.ch.02.xml", today: "2020-06-24",
		version: "pain.001.001.03", variant: "CH SIX .ch.02", payments: 8,
		codes: []string{"AC01", "NARR", "AC01", "AM18"},
		why: "CH010023512312312365L and IT1122334455667788991122334 fail mod 97; " +
			"PmtInfId-04 pays an EqvtAmt; GrpHdr/NbOfTxs says 7 for 8 transactions",
	},
	{
		file: "de-dk-sepaking.pain.001.003.03.xml", today: "2010-11-11",
		version: "pain.001.001.03", variant: "DK pain.001.003.03", payments: 2,
		why: "valid: German DK namespace",
	},
	{
		file: "de-sepaking.pain.001.001.03.xml", today: "2010-11-11",
		version: "pain.001.001.03", payments: 2,
		why: "valid: no group CtrlSum, block totals right",
	},
	{
		file: "lt-bom-international-rub.pain.001.001.03.xml", today: "2015-09-28",
		version: "pain.001.001.03", payments: 1,
		codes: []string{"AC01"},
		why:   "debtor LT007180000000000000 has check digits 00, which no IBAN can have",
	},
	{
		file: "lt-bom-international-usd.pain.001.001.03.xml", today: "2015-09-28",
		version: "pain.001.001.03", payments: 1,
		codes: []string{"AC01"},
		why:   "debtor LT007180000000000000 has check digits 00",
	},
	{
		file: "lt-bom-sepa-eur.pain.001.001.03.xml", today: "2017-08-23",
		version: "pain.001.001.03", payments: 1,
		codes: []string{"AC01", "AC01"},
		why:   "debtor LT007180000000000000 and creditor LT007400000000000000 have check digits 00",
	},
	{
		file: "multi-ccy-eur-usd-jpy.pain.001.001.03.xml", today: "2009-09-28",
		version: "pain.001.001.03", payments: 3,
		why: "valid: JPY/EUR/USD in one block, CtrlSum 11500000 adds the three currencies",
	},
	{
		file: "nl-abnamro-voorbeeld.pain.001.001.03.xml", today: "2013-04-02",
		version: "pain.001.001.03", payments: 1,
		why: "valid",
	},
	{
		file: "nl-ing-voorbeeld.pain.001.001.03.xml", today: "2013-04-02",
		version: "pain.001.001.03", payments: 1,
		why: "valid",
	},
	{
		file: "nl-irp-example.pain.001.001.03.xml", today: "2010-09-28",
		version: "pain.001.001.03", payments: 1,
		codes: []string{"AC01"},
		why:   "creditor NL90ABNA0111111111 fails mod 97 (the second PmtInf is commented out)",
	},
	{
		file: "pain001py.pain.001.001.03.xml", today: "2023-03-10",
		version: "pain.001.001.03", payments: 4,
		codes: []string{"AM18"},
		why:   "GrpHdr/NbOfTxs says 2 for 4 transactions (accounts are Othr, so no IBAN check)",
	},
	{
		file: "pain001py.pain.001.001.09.xml", today: "2023-03-10",
		version: "pain.001.001.09", payments: 5,
		codes: []string{"AC01", "AC01", "AC01", "AC01", "AC01", "AC01", "AM18"},
		why:   "all six IBANs fail mod 97; GrpHdr/NbOfTxs says 2 for 5 transactions",
	},
	{
		file: "phpsepa.pain.001.001.03.xml", today: "2025-08-19",
		version: "pain.001.001.03", payments: 1,
		codes: []string{"AC01"},
		why:   "debtor BG87200500001234567890 fails mod 97",
	},
	{
		file: "phpsepa.pain.001.001.05.xml", today: "2025-08-19",
		version: "pain.001.001.05", payments: 1,
		codes: []string{"AC01"},
		why:   "debtor BG87200500001234567890 fails mod 97",
	},
	{
		file: "phpsepa.pain.001.001.09.xml", today: "2025-08-19",
		version: "pain.001.001.09", payments: 1,
		codes: []string{"AC01"},
		why:   "debtor BG87200500001234567890 fails mod 97",
	},
	{
		file: "phpsepa.pain.001.002.03.xml", today: "2025-08-19",
		version: "pain.001.001.03", variant: "DK pain.001.002.03", payments: 1,
		codes: []string{"AC01"},
		why:   "debtor BG87200500001234567890 fails mod 97",
	},
}

func TestRead_Samples(t *testing.T) {
	listed := map[string]bool{}
	for _, sc := range sampleCases {
		listed[sc.file] = true
	}
	for _, name := range sampleNames(t) {
		require.True(t, listed[name], "sample %s has no verdict in sampleCases", name)
	}

	for _, sc := range sampleCases {
		t.Run(sc.file, func(t *testing.T) {
			res := read(t, readSample(t, sc.file), Options{Today: sc.today})
			t.Logf("%s: %v", sc.why, res.Problems)

			assert.Equal(t, sc.codes, codes(res.Problems), "problems: %v", res.Problems)
			assert.Equal(t, sc.version, res.Header.Version)
			assert.Equal(t, sc.variant, res.Header.Variant)
			assert.Equal(t, sc.version, res.Run.MsgNameID)
			assert.Equal(t, res.Header.MsgID, res.Run.MsgID)
			require.Len(t, res.Run.Payments, sc.payments)

			real := 0
			for _, p := range res.Header.PmtInfs {
				real += p.TxCount
			}
			assert.Equal(t, sc.payments, real)
			for i, p := range res.Run.Payments {
				assert.Equal(t, i+1, p.Row)
				require.NotNil(t, p.Creditor)
				if len(sc.codes) == 0 {
					assert.Positive(t, p.Amount, "row %d", p.Row)
					assert.NotEmpty(t, p.Currency, "row %d", p.Row)
				}
			}
			for _, p := range res.Problems {
				assert.NotEmpty(t, p.Field, "%v", p)
				assert.Positive(t, p.Line, "%v", p)
			}
		})
	}
}

// The NbOfTxs problems of the three samples that miscount name both
// numbers, so that an operator sees what to fix.
func TestRead_SamplesNbOfTxsNamesBothNumbers(t *testing.T) {
	tests := []struct {
		file, declared, real string
	}{
		{"ch-six-musterfile-nov2020.pain.001.001.03.ch.02.xml", "7", "8"},
		{"pain001py.pain.001.001.03.xml", "2", "4"},
		{"pain001py.pain.001.001.09.xml", "2", "5"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := read(t, readSample(t, tt.file), Options{Today: "2020-01-01"})
			ps := withCode(res.Problems, "AM18")
			require.Len(t, ps, 1)
			assert.Equal(t, "GrpHdr/NbOfTxs", ps[0].Field)
			assert.Equal(t, tt.declared, ps[0].Value)
			msg := ps[0].String()
			assert.Contains(t, msg, `"`+tt.declared+`"`)
			assert.Contains(t, msg, "expected "+tt.real+",")
		})
	}
}

// xmllint is the independent judge of schema validity: where it accepts a
// sample, the reader must not report a schema-level problem (CH16, CH21,
// FF01) on it either. The Swiss and DK namespaces have no XSD here.
func TestRead_SamplesAgreeWithXmllint(t *testing.T) {
	for _, sc := range sampleCases {
		if sc.variant != "" {
			continue
		}
		t.Run(sc.file, func(t *testing.T) {
			doc := readSample(t, sc.file)
			require.NoError(t, xmllint(t, sc.version, doc))
			res := read(t, doc, Options{Today: sc.today})
			for _, code := range []string{"CH16", "CH21", "FF01"} {
				assert.Empty(t, withCode(res.Problems, code))
			}
		})
	}
}

// Level wellformed accepts every sample: their defects are checksums and
// totals, which only strict checks, except the Swiss EqvtAmt.
func TestRead_SamplesWellformed(t *testing.T) {
	for _, sc := range sampleCases {
		t.Run(sc.file, func(t *testing.T) {
			res := read(t, readSample(t, sc.file), Options{Today: sc.today, Level: LevelWellformed})
			if sc.file == "ch-six-musterfile-nov2020.pain.001.001.03.ch.02.xml" {
				assert.Equal(t, []string{"NARR"}, codes(res.Problems))
				return
			}
			assert.Empty(t, res.Problems)
		})
	}
}
