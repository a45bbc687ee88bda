package payrun

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKnownScheme(t *testing.T) {
	for _, s := range []string{"SCT", "SCT_INST", "CROSS_BORDER", "GB_CT_FPS", "US_CT_WIRE", "DK_CT_FIK71", "BOOK_TRANSFER", "CN_CT"} {
		assert.True(t, KnownScheme(s), s)
	}
	for _, s := range []string{"", "sct", "SEPA", "DK_CT_FIK", "SCT "} {
		assert.False(t, KnownScheme(s), s)
	}
	seen := map[string]bool{}
	for _, s := range Schemes {
		assert.False(t, seen[s], "duplicate scheme %s", s)
		seen[s] = true
	}
	for s := range schemeCurrency {
		assert.True(t, KnownScheme(s), s)
	}
	for _, d := range domestic {
		assert.True(t, KnownScheme(d.scheme), d.scheme)
	}
}

func TestCheckSchemeCurrency(t *testing.T) {
	tests := []struct {
		scheme, currency string
		wantErr          string
	}{
		{"SCT", "EUR", ""},
		{"SCT_INST", "EUR", ""},
		{"GB_CT_FPS", "GBP", ""},
		{"CROSS_BORDER", "USD", ""},
		{"CH_CT", "EUR", ""}, // Swiss banks clear EUR domestically too
		{"SCT", "USD", "scheme SCT moves only EUR (got USD)"},
		{"GB_CT_CHAPS", "EUR", "scheme GB_CT_CHAPS moves only GBP (got EUR)"},
		{"US_CT_ACH", "CAD", "scheme US_CT_ACH moves only USD (got CAD)"},
	}
	for _, tt := range tests {
		t.Run(tt.scheme+"_"+tt.currency, func(t *testing.T) {
			err := CheckSchemeCurrency(tt.scheme, tt.currency)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestDefaultScheme(t *testing.T) {
	tests := []struct {
		name     string
		currency string
		c        *Creditor
		want     string
	}{
		{"EUR external account", "EUR", nil, "SCT"},
		{"GBP external account", "GBP", nil, "GB_CT_FPS"},
		{"USD external account", "USD", nil, "US_CT_ACH"},
		{"DKK", "DKK", nil, "DK_A2A"},
		{"SEK", "SEK", nil, "SE_A2A"},
		{"NOK", "NOK", nil, "NO_CT"},
		{"CHF", "CHF", nil, "CH_CT"},
		{"JPY", "JPY", nil, "CROSS_BORDER"},
		{"PLN", "PLN", &Creditor{IBAN: "PL61109010140000071219812874"}, "CROSS_BORDER"},
		{"EUR to German IBAN", "EUR", &Creditor{IBAN: "DE89370400440532013000"}, "SCT"},
		{"EUR to Swiss IBAN", "EUR", &Creditor{IBAN: "CH9300762011623852957"}, "SCT"},
		{"EUR to Brazilian IBAN", "EUR", &Creditor{IBAN: "BR1800360305000010009795493C1"}, "CROSS_BORDER"},
		{"EUR without IBAN", "EUR", &Creditor{AccountNumber: "123456", Country: "DE"}, "CROSS_BORDER"},
		{"GBP sort code", "GBP", &Creditor{AccountNumber: "31926819", SortCode: "601613"}, "GB_CT_FPS"},
		{"GBP to German IBAN", "GBP", &Creditor{IBAN: "DE89370400440532013000"}, "CROSS_BORDER"},
		{"USD ABA", "USD", &Creditor{AccountNumber: "458003278449", RoutingNumber: "026009593", Country: "US"}, "US_CT_ACH"},
		{"USD to IBAN", "USD", &Creditor{IBAN: "DE89370400440532013000"}, "CROSS_BORDER"},
		{"USD abroad by country", "USD", &Creditor{AccountNumber: "1234", Country: "MX"}, "CROSS_BORDER"},
		{"IBAN country beats address country", "CHF", &Creditor{IBAN: "CH9300762011623852957", Country: "DE"}, "CH_CT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DefaultScheme(tt.currency, tt.c))
		})
	}
}
