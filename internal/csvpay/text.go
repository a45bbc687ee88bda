package csvpay

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/atlarbridge/bridge/internal/payrun"
	"golang.org/x/text/encoding/charmap"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// charmapOf returns the single-byte encoding of a canonical encoding name,
// or nil for utf-8.
func charmapOf(name string) *charmap.Charmap {
	switch encodings[strings.ToLower(name)] {
	case "windows-1252":
		return charmap.Windows1252
	case "iso-8859-1":
		return charmap.ISO8859_1
	case "iso-8859-15":
		return charmap.ISO8859_15
	}
	return nil
}

// checkText says why data is not the text the profile promises (UTF-16,
// binary, invalid UTF-8, a UTF-8 BOM in a single-byte profile), or returns
// the length of a UTF-8 byte order mark to drop.
//
// All supported encodings are ASCII-compatible, so delimiters, quotes and
// line breaks sit at the same places before and after decoding; WriteResult
// relies on that to work on the original bytes.
func checkText(data []byte, enc string) (bomLen int, problem *payrun.Problem) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return 0, fileProblem(0, "encoding", "UTF-16 text",
			fmt.Sprintf("%s text; save the file as UTF-8 or set the profile's encoding", enc), codeFormat)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return 0, fileProblem(lineAt(data, i), "", "",
			"a text file (found a NUL byte: the file looks binary)", codeFormat)
	}
	if charmapOf(enc) != nil {
		if bytes.HasPrefix(data, utf8BOM) {
			return 0, fileProblem(1, "encoding", "UTF-8 byte order mark",
				fmt.Sprintf("%s text as the profile says (the file starts like UTF-8)", enc), codeFormat)
		}
		return 0, nil // every byte is a character in a single-byte encoding
	}
	if bytes.HasPrefix(data, utf8BOM) {
		bomLen = len(utf8BOM)
	}
	if i := invalidUTF8At(data[bomLen:]); i < len(data)-bomLen {
		return 0, fileProblem(lineAt(data, bomLen+i), "encoding", "",
			"UTF-8 text (found bytes that are not UTF-8; if the ERP writes windows-1252 or iso-8859-1, set the profile's encoding)", codeFormat)
	}
	return bomLen, nil
}

// decodeText checks data and returns it as UTF-8 text without a BOM.
func decodeText(data []byte, enc string) ([]byte, *payrun.Problem) {
	bomLen, problem := checkText(data, enc)
	if problem != nil {
		return nil, problem
	}
	cm := charmapOf(enc)
	if cm == nil {
		return data[bomLen:], nil
	}
	text, err := cm.NewDecoder().Bytes(data)
	if err != nil { // single-byte decoders map every byte; keep the error honest anyway
		return nil, fileProblem(0, "encoding", "", fmt.Sprintf("%s text (%v)", enc, err), codeFormat)
	}
	return text, nil
}

// encoderFor returns how to write appended result text in the file's own
// encoding. Characters the encoding lacks become '?', so a result file
// never mixes encodings.
func encoderFor(enc string) func(string) []byte {
	cm := charmapOf(enc)
	if cm == nil {
		return func(s string) []byte { return []byte(s) }
	}
	return func(s string) []byte {
		out := make([]byte, 0, len(s))
		for _, r := range s {
			b, ok := cm.EncodeRune(r)
			if !ok {
				b = '?'
			}
			out = append(out, b)
		}
		return out
	}
}

// invalidUTF8At returns the byte offset of the first invalid UTF-8
// sequence in b (len(b) if there is none).
func invalidUTF8At(b []byte) int {
	if utf8.Valid(b) {
		return len(b)
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// lineAt returns the 1-based physical line of byte offset off, counting
// "\n", "\r\n" and a lone "\r" as one line break each.
func lineAt(b []byte, off int) int {
	return 1 + countBreaks(b[:off])
}

func countBreaks(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	// Lone CRs (old Mac exports) break lines too; CRLF counts once.
	for i := bytes.IndexByte(b, '\r'); i >= 0; {
		if i+1 >= len(b) || b[i+1] != '\n' {
			n++
		}
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n
}
