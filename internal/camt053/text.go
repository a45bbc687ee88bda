package camt053

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Schema length limits (MaxNNText) used by the renderer.
const (
	max34  = 34
	max35  = 35
	max140 = 140
	max500 = 500
)

// cleanText makes s safe for an ISO 20022 text element of at most max
// characters: bytes that are not valid UTF-8 and characters XML 1.0
// forbids are dropped, other control characters (line breaks, tabs)
// become spaces, runs of spaces collapse, and the result is trimmed and
// cut to max characters (the schemas count characters, not bytes). An
// empty result means "omit the element": every text type has minLength 1.
func cleanText(s string, max int) string {
	if isPlain(s, max) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), 4*max))
	n := 0
	pendingSpace := false
	for i := 0; i < len(s) && n < max; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			continue // invalid byte
		case !xmlChar(r):
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			pendingSpace = n > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			n++
			pendingSpace = false
			if n == max {
				break
			}
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimRight(b.String(), " ")
}

// isPlain reports whether s is printable ASCII without leading, trailing
// or doubled spaces and fits in max: the common case, returned unchanged.
func isPlain(s string, max int) bool {
	if len(s) == 0 || len(s) > max || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || (c == ' ' && s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

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

// isDate reports whether s is an ISO date (YYYY-MM-DD).
func isDate(s string) bool {
	if len(s) != len(time.DateOnly) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// isoDateTime formats t as ISODateTime, keeping its own offset and
// writing UTC as +00:00, which every importer we know of accepts.
func isoDateTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05-07:00")
}
