package pain001

import (
	"math/big"
	"strings"
	"time"
	"unicode/utf8"
)

// xmlSpace is what XML Schema's whiteSpace="collapse" strips: xs:decimal,
// xs:date and xs:dateTime values may be surrounded by it.
const xmlSpace = " \t\r\n"

// decimal is an xs:decimal value read from the file.
type decimal struct {
	// canon is the value without sign, leading zeros or trailing fraction
	// zeros ("0012.340" is "12.34", "0.0" is "0"), which is also what
	// money.Parse and big.Rat accept.
	canon string
	neg   bool
	// total and frac are the XML Schema totalDigits and fractionDigits of
	// the value (not of the lexical form: "1.50" has one fraction digit).
	total, frac int
	// scale is the number of fraction digits as written ("1.50": 2), which
	// sums are shown with.
	scale int
}

// parseDecimal reads the xs:decimal lexical form [+-]?(d+(.d*)?|.d+),
// surrounded by optional white space. Exponents, thousands separators and
// commas are not xs:decimal and are rejected.
func parseDecimal(s string) (decimal, bool) {
	s = strings.Trim(s, xmlSpace)
	var d decimal
	switch {
	case strings.HasPrefix(s, "-"):
		d.neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	intPart, fracPart, _ := strings.Cut(s, ".")
	if intPart == "" && fracPart == "" || !digits(intPart) || !digits(fracPart) {
		return decimal{}, false
	}
	d.scale = len(fracPart)
	intPart = strings.TrimLeft(intPart, "0")
	fracPart = strings.TrimRight(fracPart, "0")
	if intPart == "" && fracPart == "" {
		return decimal{canon: "0", total: 1, scale: d.scale}, true // -0 is 0
	}
	d.frac = len(fracPart)
	d.total = len(intPart) + len(fracPart)
	if intPart == "" {
		intPart = "0"
		d.total = len(strings.TrimLeft(fracPart, "0"))
	}
	d.canon = intPart
	if fracPart != "" {
		d.canon += "." + fracPart
	}
	return d, true
}

// rat returns the exact value of d.
func (d decimal) rat() *big.Rat {
	v, _ := new(big.Rat).SetString(d.canon) // canon is digits[.digits]: always valid
	if d.neg {
		v.Neg(v)
	}
	return v
}

// digits reports whether s is empty or only ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatRat renders an exact sum with frac fraction digits, the most any
// of its terms was written with, so that "6.20" alone sums to "6.20" and
// "6543.14"+"112.72" to "6655.86".
func formatRat(v *big.Rat, frac int) string {
	return v.FloatString(frac)
}

// parseISODate reads an xs:date (YYYY-MM-DD with an optional time zone,
// which does not change the calendar date the bank executes on) and returns
// it as YYYY-MM-DD.
func parseISODate(s string) (string, bool) {
	s = strings.Trim(s, xmlSpace)
	if len(s) < 10 {
		return "", false
	}
	date, zone := s[:10], s[10:]
	if !validZone(zone) {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return "", false
	}
	return date, true
}

// parseISODateTime reads an xs:dateTime (YYYY-MM-DDThh:mm:ss[.s+][zone])
// and returns its date as YYYY-MM-DD.
func parseISODateTime(s string) (string, bool) {
	s = strings.Trim(s, xmlSpace)
	date, clock, ok := strings.Cut(s, "T")
	if !ok || len(clock) < 8 {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil || len(date) != 10 {
		return "", false
	}
	hms, rest := clock[:8], clock[8:]
	if _, err := time.Parse(time.TimeOnly, hms); err != nil {
		return "", false
	}
	if strings.HasPrefix(rest, ".") {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return "", false
		}
		rest = rest[n:]
	}
	if !validZone(rest) {
		return "", false
	}
	return date, true
}

// validZone reports whether s is an XML Schema time zone: "", "Z" or ±hh:mm.
func validZone(s string) bool {
	switch {
	case s == "" || s == "Z":
		return true
	case len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':':
		return digits(s[1:3]) && digits(s[4:6]) && s[1:3] <= "14" && s[4:6] <= "59"
	}
	return false
}

// textLen is the length XML Schema's maxLength counts: characters.
func textLen(s string) int { return utf8.RuneCountInString(s) }

// ibanPattern reports whether s matches IBAN2007Identifier,
// [A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}; v02's IBANIdentifier also allows a
// lower-case country code.
func ibanPattern(s string, v int) bool {
	if len(s) < 5 || len(s) > 34 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i < 2:
			if !upper(c) && !(v == 2 && lower(c)) {
				return false
			}
		case i < 4:
			if !digit(c) {
				return false
			}
		default:
			if !upper(c) && !lower(c) && !digit(c) {
				return false
			}
		}
	}
	return true
}

// bicPattern reports whether s matches the version's BIC type: up to v05
// BICIdentifier/BICFIIdentifier [A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?,
// from v09 BICFIDec2014Identifier [A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?.
func bicPattern(s string, v int) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		var ok bool
		switch {
		case v >= 9 && i < 4:
			ok = upper(c) || digit(c)
		case i < 6:
			ok = upper(c)
		case v >= 9:
			ok = upper(c) || digit(c)
		case i == 6:
			ok = upper(c) || c >= '2' && c <= '9'
		case i == 7:
			ok = upper(c) && c != 'O' || digit(c)
		default:
			ok = upper(c) || digit(c)
		}
		if !ok {
			return false
		}
	}
	return true
}

// codePattern reports whether s is exactly n upper-case letters, the
// pattern of CurrencyCode ([A-Z]{3}) and CountryCode ([A-Z]{2}).
func codePattern(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if !upper(s[i]) {
			return false
		}
	}
	return true
}

// numericText reports whether s matches Max15NumericText, [0-9]{1,15}.
func numericText(s string) bool {
	return len(s) >= 1 && len(s) <= 15 && digits(s)
}

func upper(c byte) bool { return c >= 'A' && c <= 'Z' }
func lower(c byte) bool { return c >= 'a' && c <= 'z' }
func digit(c byte) bool { return c >= '0' && c <= '9' }

// clip shortens a value for a Problem so that one absurd field cannot make
// an error file of megabytes.
func clip(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
