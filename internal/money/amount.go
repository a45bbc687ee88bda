package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

const (
	nbsp       = '\u00a0' // no-break space, common in French/Swiss exports
	narrowNbsp = '\u202f' // narrow no-break space, what newer locales emit
)

// Parse converts a decimal amount in major units, written with the given
// separators, into integer minor units of currency: Parse("1.234,5", "EUR",
// ',', '.') is 123450.
//
// decimalSep is '.' or ','. thousandsSep is 0 (none), '.', ',', a space,
// an apostrophe or a no-break space; the space-like ones stand in for one
// another because exports mix them. Thousands groups must have exactly three digits, so
// "1,23,456" is rejected rather than guessed at.
//
// An amount may have fewer decimals than the currency ("12.5" EUR is 1250)
// but never more: "1.234" EUR is an error, not a rounding. Signs, exponent
// notation, empty input and anything that does not fit in int64 are errors.
// Zero parses to 0; callers decide whether zero is allowed. Surrounding
// white space is ignored.
func Parse(s, currency string, decimalSep, thousandsSep rune) (int64, error) {
	exp, ok := Exponent(currency)
	if !ok {
		return 0, fmt.Errorf("unknown currency %q", currency)
	}
	if decimalSep != '.' && decimalSep != ',' {
		return 0, fmt.Errorf("decimal separator must be '.' or ',' (got %q)", decimalSep)
	}
	switch thousandsSep {
	case 0, '.', ',', ' ', '\'', nbsp, narrowNbsp:
	default:
		return 0, fmt.Errorf("thousands separator must be none, '.', ',', ' ' or '\\'' (got %q)", thousandsSep)
	}
	if thousandsSep == decimalSep {
		return 0, fmt.Errorf("thousands and decimal separator are both %q", decimalSep)
	}
	return parse(strings.TrimSpace(s), currency, exp, decimalSep, thousandsSep)
}

func parse(s, currency string, exp int, decimalSep, thousandsSep rune) (int64, error) {
	if s == "" {
		return 0, errors.New("amount is empty")
	}
	var (
		v            int64
		intDigits    int
		fracDigits   int
		group        int // digits since the last thousands separator
		sawThousands bool
		afterDecimal bool
	)
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if afterDecimal {
				fracDigits++
				if fracDigits > exp {
					return 0, tooManyDecimals(currency, exp)
				}
			} else {
				intDigits++
				group++
				if sawThousands && group > 3 {
					return 0, errGroups
				}
			}
			d := int64(r - '0')
			if v > (math.MaxInt64-d)/10 {
				return 0, errTooLarge
			}
			v = v*10 + d
		case r == decimalSep:
			if afterDecimal {
				return 0, fmt.Errorf("more than one decimal separator %q", decimalSep)
			}
			if intDigits == 0 {
				return 0, fmt.Errorf("a digit must come before the decimal separator %q", decimalSep)
			}
			if sawThousands && group != 3 {
				return 0, errGroups
			}
			afterDecimal = true
		case isThousands(r, thousandsSep):
			if afterDecimal {
				return 0, fmt.Errorf("thousands separator %q after the decimal separator", r)
			}
			if intDigits == 0 {
				return 0, fmt.Errorf("amount starts with thousands separator %q", r)
			}
			if group > 3 || (sawThousands && group != 3) {
				return 0, errGroups
			}
			sawThousands = true
			group = 0
		case i == 0 && r == '-':
			return 0, errors.New("amount must not be negative")
		case i == 0 && r == '+':
			return 0, errors.New("amount must not have a sign")
		default:
			return 0, invalidChar(r, decimalSep, thousandsSep)
		}
	}
	if afterDecimal && fracDigits == 0 {
		return 0, fmt.Errorf("a digit must follow the decimal separator %q", decimalSep)
	}
	if sawThousands && !afterDecimal && group != 3 {
		return 0, errGroups
	}
	scale := pow10[exp-fracDigits]
	if v > math.MaxInt64/scale {
		return 0, errTooLarge
	}
	return v * scale, nil
}

var (
	errGroups   = errors.New("thousands groups must have 3 digits")
	errTooLarge = errors.New("amount is too large")
)

func isThousands(r, sep rune) bool {
	switch sep {
	case 0:
		return false
	case ' ', nbsp, narrowNbsp:
		return r == ' ' || r == nbsp || r == narrowNbsp
	}
	return r == sep
}

func tooManyDecimals(currency string, exp int) error {
	if exp == 0 {
		return fmt.Errorf("%s allows no decimals", currency)
	}
	return fmt.Errorf("%s allows at most %d decimals", currency, exp)
}

func invalidChar(r, decimalSep, thousandsSep rune) error {
	th := "no thousands separator"
	if thousandsSep != 0 {
		th = fmt.Sprintf("thousands separator %q", thousandsSep)
	}
	return fmt.Errorf("invalid character %q (decimal separator %q, %s)", r, decimalSep, th)
}

// Format renders minor units as a plain decimal string in major units with
// '.' and exactly the currency's decimals and no thousands separators:
// "1234.50" EUR, "1234" JPY, "1.234" BHD, with a leading "-" when negative.
// It is the form Atlar's stringValue and ISO 20022 amounts use. An unknown
// currency is formatted with 2 decimals, the ISO 4217 default, because Format
// is for output and has no error to return.
func Format(minor int64, currency string) string {
	exp, ok := Exponent(currency)
	if !ok {
		exp = 2
	}
	neg := minor < 0
	// Through uint64 so that math.MinInt64 has an absolute value.
	abs := uint64(minor)
	if neg {
		abs = -abs
	}
	digits := strconv.FormatUint(abs, 10)
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp+1-len(digits)) + digits
	}
	var b strings.Builder
	b.Grow(len(digits) + 2)
	if neg {
		b.WriteByte('-')
	}
	cut := len(digits) - exp
	b.WriteString(digits[:cut])
	if exp > 0 {
		b.WriteByte('.')
		b.WriteString(digits[cut:])
	}
	return b.String()
}
