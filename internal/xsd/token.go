package xsd

import (
	"encoding/xml"
	"math"
)

// TokenKind says what Token is given.
type TokenKind uint8

// Token kinds; the zero kind (a comment, processing instruction or
// directive) is ignored.
const (
	StartToken TokenKind = iota + 1
	EndToken
	TextToken
)

// lazyLine is the line Token passes down: the report asks the line
// function for it, only when there is a violation to report.
const lazyLine = math.MinInt

// LineLater, given as the line to Start, Text or End, makes a report ask
// SetLine's function instead: for a reader that dispatches on the token
// kind itself and wants no second switch nor a position per token.
const LineLater = lazyLine

// SetLine gives Token the reader's position: line is called only when a
// violation is reported (the reader has not moved on by then), so the
// common, valid token costs no position bookkeeping.
func (v *Validator) SetLine(line func() int) { v.lineFn = line }

// Token is the reader's fast path: one call per token of the document
// (after the root, which goes through Start), with namespace-resolved names
// for StartToken, the text for TextToken, nothing for EndToken. It checks
// exactly what Start, Text and End check; an EndToken with no element open
// is ignored. The line of a report comes from SetLine's function.
func (v *Validator) Token(kind TokenKind, name xml.Name, attrs []xml.Attr, text []byte) {
	switch kind {
	case StartToken:
		v.Start(name, attrs, lazyLine)
	case EndToken:
		if len(v.stack) > 0 {
			v.End(lazyLine)
		}
	case TextToken:
		v.Text(text, lazyLine)
	}
}

// blanks and tabs are compared with indentation in one memory compare
// rather than a loop over its bytes.
const (
	blanks = "                                                                                                                                "
	tabs   = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
)

// isIndent reports whether b is a line break (LF or CR LF) followed by
// spaces only or tabs only, as pretty-printers write between elements.
// False says nothing: Text then looks at every byte.
func isIndent(b []byte) bool {
	switch {
	case len(b) > 0 && b[0] == '\n':
		b = b[1:]
	case len(b) > 1 && b[0] == '\r' && b[1] == '\n':
		b = b[2:]
	default:
		return false
	}
	if len(b) > 0 && b[0] == '\t' {
		return len(b) <= len(tabs) && string(b) == tabs[:len(b)]
	}
	return len(b) <= len(blanks) && string(b) == blanks[:len(b)]
}
