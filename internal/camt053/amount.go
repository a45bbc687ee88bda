package camt053

import (
	"fmt"
	"strconv"

	"github.com/atlarbridge/bridge/internal/money"
)

// max18Digits is the largest value of the 18 digits the schemas allow
// for amounts (totalDigits) and numbers.
const max18Digits = 999_999_999_999_999_999

// formatAmount writes a non-negative amount in minor units as the decimal
// the schemas expect ("1234.50", JPY "1500", BHD "1.234"). The schemas
// have no sign: direction is CdtDbtInd.
func formatAmount(minor int64, currency string) (string, error) {
	if err := checkAmount(minor, currency); err != nil {
		return "", err
	}
	return money.Format(minor, currency), nil
}

// checkAmount is what formatAmount and appendAmount accept.
func checkAmount(minor int64, currency string) error {
	if minor < 0 {
		return fmt.Errorf("amount %d %s: negative", minor, currency)
	}
	if minor > max18Digits {
		return fmt.Errorf("amount %d %s: more than 18 digits", minor, currency)
	}
	if !isCurrency(currency) {
		return fmt.Errorf("currency %q: not an ISO 4217 code", currency)
	}
	return nil
}

// signedAmount splits a signed balance into its magnitude and the
// CdtDbtInd the schemas use instead of a sign.
func signedAmount(minor int64) (abs int64, ind string, err error) {
	switch {
	case minor == -minor && minor != 0: // math.MinInt64 has no magnitude
		return 0, "", fmt.Errorf("amount %d: out of range", minor)
	case minor < 0:
		return -minor, dbit, nil
	default:
		return minor, crdt, nil
	}
}

// Credit/debit indicators (CreditDebitCode).
const (
	crdt = "CRDT"
	dbit = "DBIT"
)

// appendAmount is formatAmount appending to dst: the renderer writes an
// entry's amount two or three times and formats it once, into a buffer
// it reuses, so an entry costs no allocation for its amount.
func appendAmount(dst []byte, minor int64, currency string) ([]byte, error) {
	if err := checkAmount(minor, currency); err != nil {
		return dst, err
	}
	exp, ok := money.Exponent(currency)
	if !ok {
		exp = 2 // as money.Format
	}
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], minor, 10)
	n := len(d)
	if n <= exp { // "0.05": at least one digit before the point
		dst = append(dst, '0', '.')
		for range exp - n {
			dst = append(dst, '0')
		}
		return append(dst, d...), nil
	}
	dst = append(dst, d[:n-exp]...)
	if exp > 0 {
		dst = append(dst, '.')
		dst = append(dst, d[n-exp:]...)
	}
	return dst, nil
}
