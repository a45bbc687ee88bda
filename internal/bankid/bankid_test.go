package bankid

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validIBANs are the SWIFT IBAN registry's and national banks' published
// example IBANs, covering short, long and alphanumeric BBANs.
var validIBANs = []string{
	"DE89370400440532013000",
	"GB29NWBK60161331926819",
	"GB33BUKB20201555555555",
	"FR1420041010050500013M02606",
	"NL91ABNA0417164300",
	"BE68539007547034",
	"CH9300762011623852957",
	"NO9386011117947",
	"AT611904300234573201",
	"IT60X0542811101000000123456",
	"ES9121000418450200051332",
	"SE4550000000058398257466",
	"PL61109010140000071219812874",
	"MT84MALT011000012345MTLCAST001S",
	"LC55HEMM000100010012001200023015",
	"RU0304452522540817810538091310419",
	"SA0380000000608010167519",
	"BR1800360305000010009795493C1",
	"XK051212012345678906",
}

func TestCheckIBAN(t *testing.T) {
	for _, iban := range validIBANs {
		t.Run("valid/"+iban, func(t *testing.T) {
			require.NoError(t, CheckIBAN(iban))
			assert.Len(t, iban, ibanLengths[iban[:2]], "example length agrees with the registry table")
		})
	}

	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"printed format", "DE89 3704 0044 0532 0130 00", ""},
		{"lower case", "de89370400440532013000", ""},
		{"tabs and nbsp", "DE89\t3704\u00a00044 0532 0130 00", ""},
		{"empty", "", "IBAN is empty"},
		{"blank", "   ", "IBAN is empty"},
		{"dash", "DE89-3704-0044-0532-0130-00", `IBAN may contain only letters and digits (found '-' at position 5)`},
		{"umlaut", "DE89370400440532013ÄÖ", `found 'Ä' at position 20`},
		{"too short", "DE8", "must start with a 2-letter country code and 2 check digits"},
		{"digits first", "1289370400440532013000", "must start with a 2-letter country code and 2 check digits"},
		{"letters as check digits", "DEAB370400440532013000", "must start with a 2-letter country code and 2 check digits"},
		{"unknown country", "US64SVBKUS6S3300958879", `IBAN country "US" does not issue IBANs`},
		{"wrong length", "DE8937040044053201300", "DE IBAN must have 22 characters (got 21)"},
		{"one digit off", "DE89370400440532013001", "check digits do not match"},
		{"swapped digits", "DE89370400440532031000", "check digits do not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckIBAN(tt.in)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestCheckIBAN_ChecksumIsSentinel(t *testing.T) {
	err := CheckIBAN("GB29NWBK60161331926818")
	assert.True(t, errors.Is(err, ErrIBANChecksum))
}

func TestCheckIBAN_EverySingleDigitTypoIsCaught(t *testing.T) {
	// Mod 97 catches every single-character substitution; prove it for one
	// IBAN so a broken mod97 cannot hide behind lucky examples.
	const iban = "DE89370400440532013000"
	for i := 4; i < len(iban); i++ {
		for d := byte('0'); d <= '9'; d++ {
			if d == iban[i] {
				continue
			}
			typo := iban[:i] + string(d) + iban[i+1:]
			assert.ErrorIs(t, CheckIBAN(typo), ErrIBANChecksum, typo)
		}
	}
}

func TestNormalizeIBAN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DE89370400440532013000", "DE89370400440532013000"},
		{"de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{" GB29\u00a0NWBK 6016 1331 9268 19\n", "GB29NWBK60161331926819"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, NormalizeIBAN(tt.in))
		})
	}
}

func TestIBANCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DE89370400440532013000", "DE"},
		{"gb29 nwbk", "GB"},
		{"12345", ""},
		{"D", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, IBANCountry(tt.in))
		})
	}
}

func TestCheckBIC(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"8 characters", "COBADEFF", ""},
		{"11 characters", "COBADEFFXXX", ""},
		{"digits in location and branch", "DEUTDEDB101", ""},
		{"digit location", "BUKBGB22", ""},
		{"kosovo", "RBKOXK22", ""},
		{"empty", "", "BIC must have 8 or 11 characters (got 0)"},
		{"9 characters", "COBADEFFX", "BIC must have 8 or 11 characters (got 9)"},
		{"lower case", "cobadeff", `characters 1-6 must be letters A-Z (bank and country code; found 'c' at position 1)`},
		{"digit in bank code", "C0BADEFF", `found '0' at position 2`},
		{"umlaut", "CÖBADEFF", `found 'Ö' at position 2`},
		{"punctuation in branch", "COBADEFFXX-", `characters 7-11 must be letters A-Z or digits (found '-' at position 11)`},
		{"unknown country", "COBAQQFF", `characters 5-6 must be an ISO 3166 country code (got "QQ")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBIC(tt.in)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestIsCountry(t *testing.T) {
	for _, c := range []string{"DE", "GB", "US", "XK", "AX", "SS"} {
		assert.True(t, IsCountry(c), c)
	}
	for _, c := range []string{"de", "UK", "EU", "QQ", "", "DEU"} {
		assert.False(t, IsCountry(c), c)
	}
	assert.Len(t, countries, 250, "249 ISO 3166-1 codes plus XK")
	for code := range ibanLengths {
		assert.True(t, IsCountry(code), "IBAN registry country %s is a country", code)
	}
}

func BenchmarkCheckIBAN(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := CheckIBAN(validIBANs[i%len(validIBANs)]); err != nil {
			b.Fatal(err)
		}
	}
}
