package pain002

import (
	"regexp"
	"strings"

	"github.com/atlarbridge/bridge/internal/money"
)

// currencyPattern is ActiveOrHistoricCurrencyCode.
var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// maxAmount is the largest amount with the 18 digits the schemas allow.
const maxAmount = 999_999_999_999_999_999

// maxSEPAAmount is the DK restriction's ceiling, 999999999.99 EUR.
const maxSEPAAmount = 99_999_999_999

// amount returns the InstdAmt to write for an original transaction's
// amount in minor units, and false when it cannot be written validly in
// this version (see Encode).
func (e *encoder) amount(minor int64, currency string) (string, bool) {
	if minor <= 0 || minor > maxAmount || !currencyPattern.MatchString(currency) {
		return "", false
	}
	if e.d.sepaRestricted && (currency != "EUR" || minor > maxSEPAAmount) {
		return "", false
	}
	return money.Format(minor, currency), true
}

// decimalPattern is a plain non-negative decimal as control sums are
// written.
var decimalPattern = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]+))?$`)

// decimalNumber returns s trimmed when it is a valid DecimalNumber
// (at most 18 digits, 17 of them after the point).
func decimalNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	m := decimalPattern.FindStringSubmatch(s)
	if m == nil || len(m[1])+len(m[2]) > 18 || len(m[2]) > 17 {
		return "", false
	}
	return s, true
}
