package camt053

import (
	"strings"
)

// Schema length limits (MaxNNText) used by the renderer.
const (
	max34  = 34
	max35  = 35
	max140 = 140
	max500 = 500
)

// The schemas' identifier patterns, checked byte by byte: the renderer
// checks several per entry, and regexp cost a third of a 100,000-entry
// camt.054 (text_test.go checks each against the XSD's regular
// expression).

// isIBAN is IBAN2007Identifier: [A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}.
func isIBAN(s string) bool {
	if len(s) < 5 || len(s) > 34 || !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if c := s[i]; !isUpper(c) && !isDigit(c) && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// isBIC is BICIdentifier / BICFIIdentifier (v02–v04):
// [A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?.
func isBIC(s string) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	for i := range 6 {
		if !isUpper(s[i]) {
			return false
		}
	}
	if c := s[6]; !isUpper(c) && (c < '2' || c > '9') {
		return false
	}
	if c := s[7]; c == 'O' || (!isUpper(c) && !isDigit(c)) {
		return false
	}
	return upperOrDigits(s[8:])
}

// isBIC2014 is BICFIDec2014Identifier (v08):
// [A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?.
func isBIC2014(s string) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	return upperOrDigits(s[:4]) && isUpper(s[4]) && isUpper(s[5]) && upperOrDigits(s[6:])
}

// isCode is the shape of ISO external codes (bank transaction domain,
// family and sub-family: Max4 code lists): [A-Z0-9]{1,4}.
func isCode(s string) bool {
	return len(s) >= 1 && len(s) <= 4 && upperOrDigits(s)
}

// isCurrency is ActiveOrHistoricCurrencyCode: [A-Z]{3}.
func isCurrency(s string) bool {
	return len(s) == 3 && isUpper(s[0]) && isUpper(s[1]) && isUpper(s[2])
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func upperOrDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// compact removes spaces and upper-cases an IBAN or BIC as people write
// them ("DE89 3704 …"). Values already compact (the usual case) are
// returned as they are, without allocating.
func compact(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || (c >= 'a' && c <= 'z') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}
