package camt053

import (
	"regexp"
	"strings"
)

// Schema length limits (MaxNNText) used by the renderer.
const (
	max34  = 34
	max35  = 35
	max140 = 140
	max500 = 500
)

var (
	// ibanPattern is IBAN2007Identifier.
	ibanPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$`)
	// bicPattern is BICIdentifier / BICFIIdentifier (v02–v04).
	bicPattern = regexp.MustCompile(`^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$`)
	// bic2014Pattern is BICFIDec2014Identifier (v08).
	bic2014Pattern = regexp.MustCompile(`^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
	// codePattern is the shape of ISO external codes (bank transaction
	// domain, family and sub-family: Max4 code lists).
	codePattern = regexp.MustCompile(`^[A-Z0-9]{1,4}$`)
)

// compact removes spaces and upper-cases an IBAN or BIC as people write
// them ("DE89 3704 …").
func compact(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}
