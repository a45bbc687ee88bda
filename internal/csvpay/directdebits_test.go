package csvpay

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/atlarbridge/bridge/internal/ddrun"
	"github.com/atlarbridge/bridge/internal/payrun"
)

const ddCSV = `external_id,creditor_iban,amount,currency,collection_date,debtor_name,debtor_iban,debtor_bic,mandate_reference,mandate_signature_date,scheme,reference,debtor_external_id
DD-1,DE89370400440532013000,"1234.50",EUR,2026-12-10,Müller GmbH,DE02120300000000202051,BYLADEM1001,M-1,2024-01-15,SDD_B2B,Invoice 1,CUST-7
DD-2,DE89370400440532013000,"12.00",EUR,2026-12-10,Jane Doe,DE21500500009876543210,,M-2,2024-02-01,CORE,Invoice 2,
`

// variant rewrites the base file into a profile's conventions.
func ddVariant(t *testing.T, delim, dec rune, enc string) ([]byte, Profile) {
	t.Helper()
	p := DefaultProfile()
	s := ddCSV
	if dec == ',' {
		s = strings.ReplaceAll(strings.ReplaceAll(s, `"1234.50"`, `"1234,50"`), `"12.00"`, `"12,00"`)
		p.Decimal = ','
	}
	if delim != ',' {
		s = strings.ReplaceAll(s, ",", string(delim))
		s = strings.ReplaceAll(s, `"1234`+string(delim)+`50"`, `"1234,50"`)
		s = strings.ReplaceAll(s, `"12`+string(delim)+`00"`, `"12,00"`)
		p.Delimiter = delim
	}
	b := []byte(s)
	switch enc {
	case "windows-1252":
		var err error
		b, err = charmap.Windows1252.NewEncoder().Bytes(b)
		require.NoError(t, err)
	case "utf-8-bom":
		b = append([]byte{0xEF, 0xBB, 0xBF}, b...)
	}
	if enc != "" {
		p.Encoding = enc
	}
	return b, p
}

func TestParseDirectDebits_Profiles(t *testing.T) {
	for _, tt := range []struct {
		name  string
		delim rune
		dec   rune
		enc   string
	}{
		{"comma utf-8", ',', '.', ""},
		{"semicolon decimal comma windows-1252", ';', ',', "windows-1252"},
		{"semicolon BOM", ';', ',', "utf-8-bom"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, p := ddVariant(t, tt.delim, tt.dec, tt.enc)
			run, err := ParseDirectDebits(data, p, DirectDebitOptions{Today: "2026-12-04", CreditorID: "DE98ZZZ09999999999"})
			require.NoError(t, err)
			require.Len(t, run.Collections, 2)
			c := run.Collections[0]
			assert.Equal(t, "CSV", run.MsgName)
			assert.Equal(t, int64(123450), c.Amount)
			assert.Equal(t, "Müller GmbH", c.Debtor.Name)
			assert.Equal(t, ddrun.SchemeB2B, c.Scheme)
			assert.Equal(t, ddrun.PartyCompany, c.Debtor.PartyType)
			assert.Equal(t, "CUST-7", c.Debtor.ExternalID)
			assert.Equal(t, "DE98ZZZ09999999999", c.CreditorID, "the route's default")
			assert.Equal(t, ddrun.Mandate{Reference: "M-1", SignatureDate: "2024-01-15"}, c.Mandate)
			d := run.Collections[1]
			assert.Equal(t, int64(1200), d.Amount)
			assert.Equal(t, ddrun.SchemeCore, d.Scheme)
			assert.Equal(t, ddrun.DebtorExternalID("DE21500500009876543210"), d.Debtor.ExternalID)
			assert.Equal(t, 3, d.Line)
		})
	}
}

// Each rule broken once: the file is rejected naming row, column and value.
func TestParseDirectDebits_Rejects(t *testing.T) {
	for _, tt := range []struct {
		name, old, new, field, value string
		opts                         DirectDebitOptions
	}{
		{"debtor IBAN", "DE02120300000000202051", "DE02120300000000202052", "debtor_iban", "DE02120300000000202052", DirectDebitOptions{}},
		{"currency", ",EUR,2026-12-10,Müller", ",USD,2026-12-10,Müller", "currency", "USD", DirectDebitOptions{}},
		{"past date", "2026-12-10,Müller", "2026-12-01,Müller", "collection_date", "2026-12-01", DirectDebitOptions{}},
		{"scheme", "SDD_B2B", "SCT", "scheme", "SCT", DirectDebitOptions{}},
		{"mandate missing", ",M-1,", ",,", "mandate_reference", "", DirectDebitOptions{}},
		{"duplicate id", "DD-2,", "DD-1,", "external_id", "DD-1", DirectDebitOptions{}},
		{"debtor external id", "CUST-7", "CUST 7", "debtor_external_id", "CUST 7", DirectDebitOptions{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, ddCSV, tt.old)
			data := strings.Replace(ddCSV, tt.old, tt.new, 1)
			_, err := ParseDirectDebits([]byte(data), DefaultProfile(), DirectDebitOptions{Today: "2026-12-04", CreditorID: "DE98ZZZ09999999999"})
			var ps payrun.Problems
			require.ErrorAs(t, err, &ps)
			found := false
			for _, p := range ps {
				if p.Field == tt.field && p.Value == tt.value && p.Row > 0 {
					found = true
				}
			}
			assert.True(t, found, "want %s=%q in %v", tt.field, tt.value, ps)
		})
	}
	// Without the route's creditor id, the column is required.
	_, err := ParseDirectDebits([]byte(ddCSV), DefaultProfile(), DirectDebitOptions{Today: "2026-12-04"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "creditor_id")
	_, err = ParseDirectDebits([]byte(ddCSV), DefaultProfile(), DirectDebitOptions{Today: "2026-12-04", CreditorID: "DE99ZZZ09999999999"})
	assert.ErrorContains(t, err, "check digits")
}

func TestWriteResultColumns(t *testing.T) {
	data, p := ddVariant(t, ';', ',', "windows-1252")
	out, err := WriteResultColumns(data, p, DirectDebitResultHeader, map[int][]string{
		1: {"executed", "dd-1", "m-1", ""},
		2: {"rejected", "", "", "=HYPERLINK(\"x\")"},
	}, true)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(out), string(data[:40])), "original bytes kept")
	dec, err := charmap.Windows1252.NewDecoder().Bytes(out)
	require.NoError(t, err)
	lines := strings.Split(string(dec), "\n")
	assert.True(t, strings.HasSuffix(lines[0], ";status;atlar_direct_debit_id;atlar_mandate_id;reason"), lines[0])
	assert.True(t, strings.HasSuffix(lines[1], ";executed;dd-1;m-1;"), lines[1])
	assert.True(t, strings.HasSuffix(lines[2], `;rejected;;;"'=HYPERLINK(""x"")"`), lines[2])
}
