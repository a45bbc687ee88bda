// Package bankid checks bank identifiers offline: IBANs (registry country
// and length, characters, ISO 7064 mod-97 check digits), BICs and ISO 3166
// country codes. It catches typos before a payment leaves the building; it
// cannot tell whether an account exists.
package bankid

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// NormalizeIBAN returns s in electronic format: upper case, with the spaces
// (and other white space) of the printed format removed. Store and send the
// normalized form.
func NormalizeIBAN(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == ' ' || c == '\t' || (c >= 'a' && c <= 'z') {
			clean = false
			break
		}
	}
	if clean {
		return s // the common case: already electronic format, no allocation
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// IBANCountry returns the country code an IBAN starts with (after
// normalizing), or "" when it does not start with two letters.
func IBANCountry(iban string) string {
	iban = NormalizeIBAN(iban)
	if len(iban) < 2 || !isUpper(iban[0]) || !isUpper(iban[1]) {
		return ""
	}
	return iban[:2]
}

// ErrIBANChecksum is returned (wrapped) by CheckIBAN when everything about
// an IBAN looks right except its check digits: almost always a typo.
var ErrIBANChecksum = errors.New("IBAN check digits do not match (mod 97): a character is probably mistyped")

// CheckIBAN reports whether s, after NormalizeIBAN, is a valid IBAN: a
// country in the SWIFT IBAN registry, that country's length, letters and
// digits only, two check digits, and mod-97 remainder 1. The errors say what
// was expected.
func CheckIBAN(s string) error {
	iban := NormalizeIBAN(s)
	if iban == "" {
		return errors.New("IBAN is empty")
	}
	for i := 0; i < len(iban); i++ {
		if !isUpper(iban[i]) && !isDigit(iban[i]) {
			r := []rune(iban[i:])[0]
			return fmt.Errorf("IBAN may contain only letters and digits (found %q at position %d)", r, i+1)
		}
	}
	if len(iban) < 4 || !isUpper(iban[0]) || !isUpper(iban[1]) || !isDigit(iban[2]) || !isDigit(iban[3]) {
		return errors.New("IBAN must start with a 2-letter country code and 2 check digits")
	}
	country := iban[:2]
	want, ok := ibanLengths[country]
	if !ok {
		return fmt.Errorf("IBAN country %q does not issue IBANs (not in the SWIFT IBAN registry)", country)
	}
	if len(iban) != want {
		return fmt.Errorf("%s IBAN must have %d characters (got %d)", country, want, len(iban))
	}
	if mod97(iban) != 1 {
		return ErrIBANChecksum
	}
	return nil
}

// mod97 computes ISO 7064 MOD 97-10 of an IBAN: the first four characters
// moved to the end, letters as 10..35, the digits read as one big number.
// It works digit by digit so no big integer is needed.
func mod97(iban string) int {
	rem := 0
	add := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
			return
		}
		v := int(c-'A') + 10
		rem = (rem*100 + v) % 97
	}
	for i := 4; i < len(iban); i++ {
		add(iban[i])
	}
	for i := 0; i < 4; i++ {
		add(iban[i])
	}
	return rem
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
