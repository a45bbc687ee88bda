package isoxml

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CleanText makes s safe for an ISO 20022 text element of at most max
// characters: bytes that are not valid UTF-8 and characters XML 1.0
// forbids are dropped, other control characters (line breaks, tabs)
// become spaces, runs of spaces collapse, and the result is trimmed and
// cut to max characters (the schemas count characters, not bytes). An
// empty result means "omit the element": every text type has minLength 1.
func CleanText(s string, max int) string {
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
		case !XMLChar(r):
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

// XMLChar reports whether r may appear in an XML 1.0 document.
func XMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

// RuneOffset returns the byte offset just after the n-th character of s,
// and whether s has at most n characters.
func RuneOffset(s string, n int) (int, bool) {
	for i := range s {
		if n == 0 {
			return i, false
		}
		n--
	}
	return len(s), true
}

// IsDate reports whether s is an ISO date (YYYY-MM-DD).
func IsDate(s string) bool {
	if len(s) != len(time.DateOnly) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// DateTime formats t as ISODateTime, keeping its own offset and
// writing UTC as +00:00, which every importer we know of accepts.
func DateTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05-07:00")
}
