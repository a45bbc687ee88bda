package ddrun

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckCreditorID(t *testing.T) {
	tests := []struct {
		id      string
		wantErr string // "" valid
	}{
		{"DE98ZZZ09999999999", ""},  // the Bundesbank's test id
		{"DE98AAA09999999999", ""},  // business code not covered by the check digits
		{"NL08ZZZ502057730000", ""}, // a Dutch id as banks publish it
		{"FR72ZZZ123456", ""},
		{"DE99ZZZ09999999999", "check digits 99 do not match (expected 98"},
		{"DE98ZZZ09999999998", "check digits 98 do not match"},
		{"DE00ZZZ05123456789", "do not match"}, // the ID in the sepa_king samples
		{"XX98ZZZ09999999999", "not an ISO 3166 country code"},
		{"DEAAZZZ09999999999", "positions 3-4 must be check digits"},
		{"de98zzz09999999999", "not an ISO 3166 country code"},
		{"DE79ZZZabc123", ""}, // letters in the national id count in either case
		{"DE79ZZZABC123", ""},
		{"DE98ZZZ-9999999999", "is not a letter or digit"},
		{"DE98ZZZ", "want 8 to 35 characters"},
		{"", "want 8 to 35 characters"},
		{"DE98ZZZ09999999999999999999999999999", "want 8 to 35 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			err := CheckCreditorID(tt.id)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestCreditorIDCheckDigits(t *testing.T) {
	assert.Equal(t, "98", CreditorIDCheckDigits("DE", "09999999999"))
	assert.Equal(t, "08", CreditorIDCheckDigits("NL", "502057730000"))
}

func TestDebtorExternalID(t *testing.T) {
	a := DebtorExternalID("DE89370400440532013000")
	assert.Equal(t, a, DebtorExternalID("de89 3704 0044 0532 0130 00"), "normalised: same debtor, same id")
	assert.NotEqual(t, a, DebtorExternalID("DE02120300000000202051"))
	assert.True(t, IsExternalID(a), a)
	assert.NotContains(t, a, "0532013000", "the account number does not show in the id")
	assert.Len(t, a, 27)
}

func TestMandateExternalID(t *testing.T) {
	assert.Equal(t, "MANDATE-1", MandateExternalID("MANDATE-1"))
	got := MandateExternalID("Mandat 1/2024")
	assert.True(t, IsExternalID(got), got)
	assert.NotEqual(t, got, MandateExternalID("Mandat 1/2025"))
}

func TestSchemeFor(t *testing.T) {
	for in, want := range map[string]string{"CORE": SchemeCore, "core": SchemeCore, "COR1": SchemeCore, "B2B": SchemeB2B, "SDD_B2B": SchemeB2B, "INST": "", "": ""} {
		assert.Equal(t, want, SchemeFor(in), in)
	}
}
