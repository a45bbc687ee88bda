package pain001

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/atlarbridge/bridge/internal/payrun"
	"golang.org/x/text/encoding/charmap"
)

// errTooLarge is what sizeReader returns past Options.MaxSize.
var errTooLarge = errors.New("file too large")

// sizeReader counts bytes, stops past a maximum, and remembers the reader's
// own error so that Read can tell a failing disk from a broken file.
type sizeReader struct {
	r   io.Reader
	n   int64
	max int64 // 0: no limit
	err error
}

func (s *sizeReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.max > 0 {
		if left := s.max + 1 - s.n; int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.max > 0 && s.n > s.max {
		s.err = errTooLarge
		return 0, s.err
	}
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// charsetError is a declared encoding the reader does not decode.
type charsetError struct{ label string }

func (e *charsetError) Error() string { return fmt.Sprintf("unsupported encoding %q", e.label) }

// charsetReader decodes the single-byte encodings European ERPs still
// write; UTF-8 (with or without BOM) needs no conversion.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1":
		return charmap.ISO8859_1.NewDecoder().Reader(in), nil
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9":
		return charmap.ISO8859_15.NewDecoder().Reader(in), nil
	case "windows-1252", "cp1252", "x-cp1252":
		return charmap.Windows1252.NewDecoder().Reader(in), nil
	case "us-ascii", "ascii":
		return in, nil // a subset of UTF-8
	}
	return nil, &charsetError{label: label}
}

func (r *reader) startDecoder(in io.Reader) {
	w := &r.walk
	w.src = sizeReader{r: in, max: r.maxSize}
	w.d = xml.NewDecoder(&w.src)
	w.d.Strict = true
	w.d.CharsetReader = charsetReader
}

// line is the decoder's current line, that of the token just read.
func (r *reader) line() int {
	l, _ := r.walk.d.InputPos()
	return l
}

// token returns the next token, io.EOF at the end, errStop after recording
// a problem that ends reading, or an I/O error.
func (r *reader) token() (xml.Token, error) {
	t, err := r.walk.d.Token()
	if err == nil {
		return t, nil
	}
	src := &r.walk.src
	switch {
	case src.err == errTooLarge:
		r.flag(gateAlways, payrun.Problem{
			Expected: fmt.Sprintf("a file of at most %d bytes (read past that limit)", r.maxSize),
			Code:     codeFileFormat,
		})
		return nil, errStop
	case src.err != nil:
		return nil, fmt.Errorf("read pain.001: %w", src.err)
	case err == io.EOF:
		return nil, io.EOF
	}
	var (
		se *xml.SyntaxError
		ce *charsetError
	)
	switch {
	case errors.As(err, &se):
		r.flag(gateAlways, payrun.Problem{
			Line:     se.Line,
			Expected: "well-formed XML (" + se.Msg + ")",
			Code:     codeFileFormat,
		})
	case errors.As(err, &ce):
		r.flag(gateAlways, payrun.Problem{
			Line:     r.line(),
			Field:    "encoding",
			Value:    ce.label,
			Expected: "UTF-8, ISO-8859-1, ISO-8859-15 or windows-1252",
			Code:     codeFileFormat,
		})
	default:
		// The decoder's other errors (XML version, charset switch) are
		// about the file too.
		r.flag(gateAlways, payrun.Problem{
			Line:     r.line(),
			Expected: "well-formed XML (" + strings.TrimPrefix(err.Error(), "xml: ") + ")",
			Code:     codeFileFormat,
		})
	}
	return nil, errStop
}
