package ddrun

import (
	"fmt"
	"strings"

	"github.com/atlarbridge/bridge/internal/bankid"
)

// CheckCreditorID checks a SEPA creditor identifier (EPC262-08): country
// code, two check digits, a three-character creditor business code (any
// alphanumerics, often ZZZ, not covered by the check digits) and a
// national identifier of up to 28 alphanumerics. The check digits are
// ISO 7064 MOD 97-10 over the national identifier followed by the country
// code and "00", letters as numbers (A=10 … Z=35), as for an IBAN.
func CheckCreditorID(s string) error {
	if len(s) < 8 || len(s) > 35 {
		return fmt.Errorf("creditor identifier %q: want 8 to 35 characters (country, check digits, business code, national id)", s)
	}
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) {
			return fmt.Errorf("creditor identifier %q: character %q at position %d is not a letter or digit", s, s[i], i+1)
		}
	}
	country := s[:2]
	if strings.ToUpper(country) != country || !bankid.IsCountry(country) {
		return fmt.Errorf("creditor identifier %q: %q is not an ISO 3166 country code", s, country)
	}
	if !digit(s[2]) || !digit(s[3]) {
		return fmt.Errorf("creditor identifier %q: positions 3-4 must be check digits", s)
	}
	// Letters count the same in either case, as in an IBAN.
	want := CreditorIDCheckDigits(country, strings.ToUpper(s[7:]))
	if s[2:4] != want {
		return fmt.Errorf("creditor identifier %q: check digits %s do not match (expected %s for national id %s)", s, s[2:4], want, s[7:])
	}
	return nil
}

// CreditorIDCheckDigits computes the two check digits of a creditor
// identifier from its country code and national identifier.
func CreditorIDCheckDigits(country, national string) string {
	rem := 0
	add := func(c byte) {
		switch {
		case digit(c):
			rem = (rem*10 + int(c-'0')) % 97
		default:
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		}
	}
	for _, s := range []string{national, country, "00"} {
		for i := 0; i < len(s); i++ {
			add(s[i])
		}
	}
	return fmt.Sprintf("%02d", 98-rem)
}

func digit(c byte) bool { return c >= '0' && c <= '9' }
func alnum(c byte) bool { return digit(c) || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
