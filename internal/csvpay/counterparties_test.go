package csvpay

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/atlarbridge/bridge/internal/parties"
	"github.com/atlarbridge/bridge/internal/payrun"
)

const cpCSV = "external_id;name;party_type;iban;account_number;routing_number;bic;currency;country;email;street;city;postal_code\r\n" +
	"V-100;Bäckerei Schmidt GmbH;COMPANY;DE89 3704 0044 0532 0130 00;;;COBADEFFXXX;EUR;DE;ap@schmidt.example;Hauptstr. 1;Köln;50667\r\n" +
	"V-200;Acme Inc;company;;123456789;021000021;;USD;US;;;;\r\n"

func TestParseCounterparties_Windows1252Semicolon(t *testing.T) {
	for _, enc := range []string{"windows-1252", "utf-8-bom"} {
		t.Run(enc, func(t *testing.T) {
			p := DefaultProfile()
			p.Delimiter, p.Encoding = ';', enc
			data := []byte(cpCSV)
			if enc == "windows-1252" {
				var err error
				data, err = charmap.Windows1252.NewEncoder().Bytes(data)
				require.NoError(t, err)
			} else {
				data = append([]byte{0xEF, 0xBB, 0xBF}, data...)
			}
			set, err := ParseCounterparties(data, p, "2026-12-04")
			require.NoError(t, err)
			require.Len(t, set.Counterparties, 2)
			assert.Equal(t, parties.Counterparty{
				Row: 1, Line: 2, ExternalID: "V-100", Name: "Bäckerei Schmidt GmbH", PartyType: "COMPANY",
				Email:   "ap@schmidt.example",
				Address: parties.Address{Street: "Hauptstr. 1", City: "Köln", PostalCode: "50667", Country: "DE"},
				Account: parties.Account{IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Currency: "EUR", Market: "DE"},
			}, set.Counterparties[0])
			assert.Equal(t, parties.Account{Number: "123456789", Routing: "021000021", Currency: "USD", Market: "US"}, set.Counterparties[1].Account)
			assert.Equal(t, "COMPANY", set.Counterparties[1].PartyType)

			out, err := WriteResultColumns(data, p, CounterpartyResultHeader, map[int][]string{
				1: {parties.StatusCreated, "cp-1", "ea-1", ""},
				2: {parties.StatusUnchanged, "cp-2", "ea-2", ""},
			}, true)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(out), string(data[:len(data)-10])[:60]))
			assert.Contains(t, string(out), ";status;counterparty_id;external_account_id;reason\r\n")
			assert.Contains(t, string(out), "50667;created;cp-1;ea-1;\r\n")
		})
	}
}

func TestParseCounterparties_Rejects(t *testing.T) {
	p := DefaultProfile()
	p.Delimiter = ';'
	for _, tt := range []struct{ name, old, new, field, value string }{
		{"duplicate external id", "V-200;", "V-100;", "external_id", "V-100"},
		{"party type", "COMPANY;DE89", "PERSON;DE89", "party_type", "PERSON"},
		{"iban", "0532 0130 00", "0532 0130 01", "iban", "DE89 3704 0044 0532 0130 01"},
		{"routing", "021000021", "021000022", "routing_number", "021000022"},
		{"email", "ap@schmidt.example", "ap at schmidt", "email", "ap at schmidt"},
		{"no account", ";123456789;021000021;", ";;;", "iban", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, cpCSV, tt.old)
			_, err := ParseCounterparties([]byte(strings.Replace(cpCSV, tt.old, tt.new, 1)), p, "2026-12-04")
			var ps payrun.Problems
			require.ErrorAs(t, err, &ps)
			found := false
			for _, pr := range ps {
				found = found || pr.Field == tt.field && pr.Value == tt.value && pr.Row > 0
			}
			assert.True(t, found, "want %s=%q in %v", tt.field, tt.value, ps)
		})
	}
}
