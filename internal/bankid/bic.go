package bankid

import (
	"fmt"
	"unicode/utf8"
)

// CheckBIC reports whether s is a well-formed BIC (ISO 9362): 8 or 11
// characters, a 4-letter institution code, an ISO 3166 country code, a
// 2-character location code and an optional 3-character branch code, all
// upper case. It does not normalize: callers upper-case and trim first.
func CheckBIC(s string) error {
	n := utf8.RuneCountInString(s)
	if n != 8 && n != 11 {
		return fmt.Errorf("BIC must have 8 or 11 characters (got %d)", n)
	}
	pos := 0
	for _, r := range s {
		pos++
		isLetter := r >= 'A' && r <= 'Z'
		switch {
		case pos <= 6 && !isLetter:
			return fmt.Errorf("BIC characters 1-6 must be letters A-Z (bank and country code; found %q at position %d)", r, pos)
		case pos > 6 && !isLetter && (r < '0' || r > '9'):
			return fmt.Errorf("BIC characters 7-%d must be letters A-Z or digits (found %q at position %d)", n, r, pos)
		}
	}
	if country := s[4:6]; !IsCountry(country) {
		return fmt.Errorf("BIC characters 5-6 must be an ISO 3166 country code (got %q)", country)
	}
	return nil
}
