// Package translit spells text in plain ASCII letters the way banks do
// when a format's character set has no room for others (SWIFT X, BAI2):
// German umlauts by the DK convention (ä→ae, ß→ss), other accented
// letters without their accents (é→e, ç→c).
package translit

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// special are the letters and signs decomposition does not handle, or
// handles differently from banking practice.
var special = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'Ä': "AE", 'Ö': "OE", 'Ü': "UE", 'ß': "ss", 'ẞ': "SS",
	'Æ': "AE", 'æ': "ae", 'Ø': "O", 'ø': "o", 'Œ': "OE", 'œ': "oe", 'Å': "A", 'å': "a",
	'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", 'Þ': "TH", 'þ': "th", 'ð': "d",
	'&': "+", '_': "-", '"': "'", '€': "EUR",
}

// Rune returns r spelled in ASCII for a character set that lacks it, and
// false when r has no spelling (a sign, or a letter of another script):
// the caller then uses its own placeholder.
func Rune(r rune) (string, bool) {
	if s, ok := special[r]; ok {
		return s, true
	}
	if !unicode.IsLetter(r) {
		return "", false
	}
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		if d < 0x80 && unicode.IsLetter(d) {
			b.WriteRune(d)
		}
	}
	return b.String(), b.Len() > 0
}

// ASCII returns s in printable ASCII: letters transliterated, white space
// as one space, anything else as '.'.
func ASCII(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			if t, ok := Rune(r); ok {
				b.WriteString(t)
			} else {
				b.WriteByte('.')
			}
		}
	}
	return b.String()
}
