package mt940

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atlarbridge/bridge/internal/translit"
)

// isX reports whether r is in the SWIFT X character set (without CR LF):
// a-z A-Z 0-9 / - ? : ( ) . , ' + and space.
func isX(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("/-?:().,'+ ", r)
}

// latinOK reports whether r may stay as it is when the profile keeps
// Latin-1 letters (KeepLatin1): letters of ISO-8859-1, which windows-1252
// and UTF-8 can also carry.
func latinOK(r rune) bool {
	return r >= 0xC0 && r <= 0xFF && r != 0xD7 && r != 0xF7 && unicode.IsLetter(r)
}

// toX returns s in the SWIFT X character set: letters transliterated,
// white space (tabs, line breaks, no-break spaces) as one space, any other
// character as '.'. keepLatin1 keeps Latin-1 letters (a profile option for
// German ERPs that read umlauts). Text already in X is returned as is.
func toX(s string, keepLatin1 bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !isX(rune(c)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch {
		case isX(r):
			b.WriteRune(r)
		case keepLatin1 && latinOK(r):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			if t, ok := translit.Rune(r); ok {
				b.WriteString(t)
			} else {
				b.WriteByte('.')
			}
		}
	}
	return b.String()
}
