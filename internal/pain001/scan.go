package pain001

import (
	"io"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// errFallback is what the fast scanner returns where it cannot be sure
// to read as encoding/xml would: Read then starts again with the decoder.
var errFallback = isoxml.ErrFallback

const scanBufSize = isoxml.ScanBufSize

var newline = []byte{'\n'}

// scanner is isoxml.Scanner (shared with pain008) handing out pain001's
// token.
type scanner struct {
	s    *isoxml.Scanner
	tok  isoxml.Token
	line int // of the end of the last token, as Decoder.InputPos counts
}

func newScanner(src io.Reader) *scanner {
	return &scanner{s: isoxml.NewScanner(src), line: 1}
}

// next reads the next token into t with names as written, as
// Decoder.RawToken would; io.EOF at the end, errFallback where
// encoding/xml must decide.
func (s *scanner) next(t *token) error {
	err := s.s.Next(&s.tok)
	s.line = s.s.Line()
	if err != nil {
		return err
	}
	*t = token{start: s.tok.Start, text: s.tok.Text}
	switch s.tok.Kind {
	case isoxml.StartToken:
		t.kind = startToken
	case isoxml.EndToken:
		t.kind = endToken
	case isoxml.TextToken:
		t.kind = textToken
	default:
		t.kind = otherToken
	}
	return nil
}
