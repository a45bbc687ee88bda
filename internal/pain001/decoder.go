package pain001

import (
	"bytes"
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

// textTooLong is what textCap returns for a run of text over its cap.
type textTooLong struct {
	line int // where the run starts: the line of the last '<' before it
}

func (e *textTooLong) Error() string {
	return fmt.Sprintf("text from line %d runs past the limit", e.line)
}

// textCap fails a read once more than max bytes follow the last '<': the
// length of a text node, attribute value or comment without markup. It
// sits under both the fast scanner and encoding/xml, so the two stop at
// the same byte with the same error and give the same Result (a reader
// wrapper is the only place to stop encoding/xml before it has buffered
// the whole node).
type textCap struct {
	r    io.Reader
	max  int64
	run  int64 // bytes since the last '<'
	line int   // lines read so far, 1-based
	from int   // line of the last '<'
}

func (c *textCap) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	b := p[:n]
	// The usual read holds many tags and is shorter than max: then only
	// the run before its first '<' can pass max, and two counts of the
	// whole read give the lines, instead of two calls per tag.
	if first := bytes.IndexByte(b, '<'); first >= 0 && int64(len(b)) <= c.max && c.run+int64(first) <= c.max {
		last := bytes.LastIndexByte(b, '<')
		c.from = c.line + bytes.Count(b[:last], newline)
		c.line = c.from + bytes.Count(b[last+1:], newline)
		c.run = int64(len(b) - last - 1)
		return n, err
	}
	for len(b) > 0 {
		seg := b
		i := bytes.IndexByte(b, '<')
		if i >= 0 {
			seg = b[:i]
		}
		if c.run+int64(len(seg)) > c.max {
			return 0, &textTooLong{line: c.from}
		}
		c.run += int64(len(seg))
		c.line += bytes.Count(seg, newline)
		if i < 0 {
			break
		}
		c.run, c.from = 0, c.line
		b = b[i+1:]
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

// startDecoder reads in with the fast scanner, or with encoding/xml.
func (r *reader) startDecoder(in io.Reader, fast bool) {
	w := &r.walk
	if r.maxText > 0 { // newReader sets it; a bare reader in tests has none
		in = &textCap{r: in, max: r.maxText, line: 1, from: 1}
	}
	w.src = sizeReader{r: in, max: r.maxSize}
	w.scope = nsScope{uris: make(map[string]string)}
	if fast {
		w.fast = newScanner(&w.src)
		return
	}
	w.d = xml.NewDecoder(&w.src)
	w.d.Strict = true
	w.d.CharsetReader = charsetReader
}

// line is the current line, that of the end of the token just read.
func (r *reader) line() int { return r.walk.line() }

func (w *walker) line() int {
	if w.fast != nil {
		return w.fast.line
	}
	l, _ := w.d.InputPos()
	return l
}

// tokenKind is what kind of token next read.
type tokenKind uint8

const (
	otherToken tokenKind = iota // comment, processing instruction, directive
	startToken
	endToken
	textToken
)

// token is what Decoder.Token would return, unboxed: returning an
// xml.Token interface costs an allocation per element, and the readers
// never look at the other kinds. It is valid until the next token.
type token struct {
	kind tokenKind
	// start is a start element, its names carrying namespaces (not
	// prefixes) once past walker.next; for an end element, its name.
	start xml.StartElement
	text  xml.CharData // textToken
}

// nsScope is what Decoder.Token keeps on top of RawToken: the prefix
// bindings in force and the open elements. Doing it here is what makes
// RawToken worth it: Token re-boxes every element it translates, and
// pushes and pops a heap-allocated record per element and per binding.
// Everything else mirrors Token (Go 1.26, Strict) exactly, errors included,
// so that a file gets the same verdict and the same problems either way;
// TestTokensMatchDecoder and FuzzTokens hold the two side by side.
type nsScope struct {
	uris map[string]string // prefix ("" for xmlns=) → namespace
	undo []nsUndo          // the bindings that open elements replaced
	open []openElement

	// last is the last prefix looked up in uris and what it found: nearly
	// every element of a file has the same prefix.
	last struct {
		ok          bool
		prefix, uri string
		found       bool
	}
}

type nsUndo struct {
	prefix string
	uri    string
	had    bool // the prefix was bound before
}

type openElement struct {
	name xml.Name // as written: Space is the prefix
	undo int      // len(undo) before the element's own bindings
}

// next reads the next token into w.tok with Token's namespace translation
// and start/end matching, or returns the error Token would return;
// errFallback instead of any error from the fast scanner.
func (w *walker) next() error {
	if err := w.rawToken(); err != nil {
		if err == io.EOF && len(w.scope.open) > 0 {
			return w.syntaxError("unexpected EOF")
		}
		return err
	}
	sc := &w.scope
	switch w.tok.kind {
	case startToken:
		t := &w.tok.start
		// The element's own bindings apply to its name and attributes.
		sc.open = append(sc.open, openElement{name: t.Name, undo: len(sc.undo)})
		for _, a := range t.Attr {
			switch {
			case a.Name.Space == xmlnsPrefix:
				sc.bind(a.Name.Local, a.Value)
			case a.Name.Space == "" && a.Name.Local == xmlnsPrefix:
				sc.bind("", a.Value)
			}
		}
		t.Name.Space = sc.translate(t.Name, true)
		for i := range t.Attr {
			t.Attr[i].Name.Space = sc.translate(t.Attr[i].Name, false)
		}
	case endToken:
		t := &w.tok.start
		if len(sc.open) == 0 {
			return w.syntaxError("unexpected end element </" + t.Name.Local + ">")
		}
		top := sc.open[len(sc.open)-1]
		sc.open = sc.open[:len(sc.open)-1]
		switch {
		case top.name.Local != t.Name.Local:
			return w.syntaxError("element <" + top.name.Local + "> closed by </" + t.Name.Local + ">")
		case top.name.Space != t.Name.Space:
			space := t.Name.Space
			if space == "" {
				space = `""`
			}
			return w.syntaxError("element <" + top.name.Local + "> in space " + top.name.Space +
				" closed by </" + t.Name.Local + "> in space " + space)
		}
		sc.unbind(top.undo)
	}
	return nil
}

// rawToken reads the next token into w.tok with names as written.
func (w *walker) rawToken() error {
	if w.fast != nil {
		return w.fast.next(&w.tok)
	}
	t, err := w.d.RawToken()
	if err != nil {
		return err
	}
	switch t := t.(type) {
	case xml.StartElement:
		w.tok = token{kind: startToken, start: t}
	case xml.EndElement:
		w.tok = token{kind: endToken, start: xml.StartElement{Name: t.Name}}
	case xml.CharData:
		w.tok = token{kind: textToken, text: t}
	case xml.Directive:
		// A DOCTYPE is harmless and schema-valid (xmllint agrees), but
		// entity declarations are refused outright: the reader never
		// expands entities (no billion laughs, no external entities), and a
		// file that declares them means something it cannot read.
		w.tok = token{kind: otherToken}
		w.entities = bytes.Contains(t, []byte("<!ENTITY"))
	default:
		w.tok = token{kind: otherToken}
	}
	return nil
}

// syntaxError is the error Token would return here; the fast scanner
// leaves all errors to encoding/xml.
func (w *walker) syntaxError(msg string) error {
	if w.fast != nil {
		return errFallback
	}
	return &xml.SyntaxError{Msg: msg, Line: w.line()}
}

const (
	xmlnsPrefix = "xmlns"
	xmlPrefix   = "xml"
	xmlURL      = "http://www.w3.org/XML/1998/namespace"
)

func (sc *nsScope) bind(prefix, uri string) {
	sc.last.ok = false
	old, had := sc.uris[prefix]
	sc.undo = append(sc.undo, nsUndo{prefix: prefix, uri: old, had: had})
	sc.uris[prefix] = uri
}

// unbind restores the bindings as they were when undo had length n.
func (sc *nsScope) unbind(n int) {
	if n < len(sc.undo) {
		sc.last.ok = false
	}
	for i := len(sc.undo) - 1; i >= n; i-- {
		u := sc.undo[i]
		if u.had {
			sc.uris[u.prefix] = u.uri
		} else {
			delete(sc.uris, u.prefix)
		}
	}
	sc.undo = sc.undo[:n]
}

// translate returns the namespace of a name as written, as
// Decoder.translate does: unprefixed attributes have none, the xmlns
// attributes keep theirs, and an undeclared prefix stands for itself.
func (sc *nsScope) translate(n xml.Name, element bool) string {
	space := n.Space
	switch {
	case space == xmlnsPrefix:
		return space
	case space == "" && !element:
		return space
	case space == xmlPrefix:
		space = xmlURL
	case space == "" && n.Local == xmlnsPrefix:
		return space
	}
	if !sc.last.ok || sc.last.prefix != space {
		sc.last.prefix = space
		sc.last.uri, sc.last.found = sc.uris[space]
		sc.last.ok = true
	}
	if sc.last.found {
		return sc.last.uri
	}
	return space // Decoder.DefaultSpace is "" for an unbound default
}

// token returns the next token, valid until the one after; io.EOF at the
// end, errStop after recording a problem that ends reading, errFallback
// from the fast scanner, or an I/O error.
func (r *reader) token() (*token, error) {
	err := r.walk.next()
	if err == nil && r.walk.entities {
		r.flag(gateAlways, payrun.Problem{
			Line:     r.line(),
			Field:    "DOCTYPE",
			Expected: "no ENTITY declarations in the DOCTYPE (entities are never expanded; a pain.001 needs none)",
			Code:     codeFileFormat,
		})
		return nil, errStop
	}
	if err == nil {
		if r.val != nil {
			r.validate(&r.walk.tok)
		}
		return &r.walk.tok, nil
	}
	if err == errFallback {
		return nil, err
	}
	src := &r.walk.src
	var long *textTooLong
	switch {
	case errors.As(src.err, &long):
		p := payrun.Problem{
			Line:     long.line,
			Value:    fmt.Sprintf("more than %d bytes", r.maxText),
			Expected: fmt.Sprintf("text of at most %d bytes between two tags (the bridge's [inbound] max_xml_text)", r.maxText),
			Code:     codeFileFormat,
		}
		// The same text has passed maxText on its way here (walk.go): one
		// node, one problem — this one, at the element that problem
		// named.
		if ps := r.problems.list; len(ps) > 0 && ps[len(ps)-1].Line >= long.line && ps[len(ps)-1].Expected == textTooLongExpected {
			p.Field = ps[len(ps)-1].Field
			ps[len(ps)-1] = p
			return nil, errStop
		}
		r.flag(gateAlways, p)
		return nil, errStop
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
