package isoxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrFallback is what Scanner returns where it cannot be sure to read as
// encoding/xml would: the caller then starts again with xml.Decoder.
var ErrFallback = errors.New("isoxml: fall back to encoding/xml")

// TokenKind is what kind of token Scanner.Next read.
type TokenKind uint8

// Token kinds; the order is pain001's tokenKind.
const (
	OtherToken TokenKind = iota // comment, processing instruction
	StartToken
	EndToken
	TextToken
)

// Token is what Decoder.RawToken would return, unboxed: returning an
// xml.Token interface costs an allocation per element. It is valid until
// the next call of Next (Start.Attr and Text point into the Scanner).
type Token struct {
	Kind TokenKind
	// Start is a start element with its names as written (Space is the
	// prefix); for an end element, its name.
	Start xml.StartElement
	Text  xml.CharData // TextToken, decoded
}

// Scanner is a tokenizer for the XML that ISO 20022 files are made of:
// UTF-8, elements with attributes, text with the predefined entities,
// comments and processing instructions. encoding/xml reads a byte at a
// time through an interface and copies every token, which is 70 % of what
// a Read costs; this scanner finds tokens with bytes.IndexByte in a buffer
// and hands out text without copying.
//
// It is exact, not lenient: on input that encoding/xml accepts it yields
// the same tokens (names as written, text decoded) and lines. Everything
// else — a syntax error, another encoding, CDATA, a DOCTYPE, character
// references, names outside ASCII, a failing or oversized input — makes it
// return ErrFallback, and Read reads the file again with encoding/xml,
// which then finds what is wrong and says so as it always has.
// pain001's TestTokensMatchDecoder and FuzzTokens hold the two side by
// side, token by token; the Read tests and FuzzRead of pain001 and pain008
// compare whole Results.
//
// It does not match end tags to start tags nor translate namespaces:
// that is Decoder.Token's work on top of RawToken, left to the caller.
type Scanner struct {
	src   io.Reader
	buf   []byte
	pos   int // start of the next token in buf
	end   int // end of the data read into buf
	eof   bool
	stuck int // reads in a row that returned nothing

	line int // of the end of the last token, as Decoder.InputPos counts

	// closing: the end half of the self-closing element self comes next.
	closing bool
	self    xml.Name

	attrs []xml.Attr
	text  []byte // decoded text with entities or CRs in it

	// names are the element and attribute names seen, so as not to
	// allocate them again; recent is a cache in front of the map, which
	// would cost a hash per name.
	names  map[string]string
	recent [256]string
}

// scanStatus says how a scan* method did.
type scanStatus uint8

const (
	scanned   scanStatus = iota
	scanShort            // the token goes on past the data in buf
	scanBail             // not sure: fall back to encoding/xml
)

const (
	ScanBufSize = 64 << 10 // the buffer a Scanner starts with
	maxNames    = 1024     // bounds names for a hostile file of distinct names
)

// NewScanner reads src, which must not be used by anything else meanwhile.
func NewScanner(src io.Reader) *Scanner {
	return &Scanner{src: src, buf: make([]byte, ScanBufSize), line: 1, names: make(map[string]string)}
}

// Line is the line of the end of the last token, as Decoder.InputPos
// counts.
func (s *Scanner) Line() int { return s.line }

// Next reads the next token into t with names as written, as
// Decoder.RawToken would; io.EOF at the end, ErrFallback where
// encoding/xml must decide.
func (s *Scanner) Next(t *Token) error {
	if s.closing {
		s.closing = false
		*t = Token{Kind: EndToken, Start: xml.StartElement{Name: s.self}}
		return nil
	}
	for {
		if s.pos == s.end {
			if s.eof {
				return io.EOF
			}
			if !s.more() {
				return ErrFallback
			}
			continue
		}
		n, st := s.scan(t, s.buf[s.pos:s.end])
		switch st {
		case scanned:
			s.line += bytes.Count(s.buf[s.pos:s.pos+n], newline)
			s.pos += n
			return nil
		case scanShort:
			// Scan the token again once more of it is in: more at least
			// doubles what follows pos, so a long token costs linear time.
			if s.eof || !s.more() {
				return ErrFallback
			}
		default:
			return ErrFallback
		}
	}
}

var newline = []byte{'\n'}

// more reads on, keeping buf[pos:end]; false on a read error (encoding/xml
// reports it).
func (s *Scanner) more() bool {
	n := copy(s.buf, s.buf[s.pos:s.end])
	s.pos, s.end = 0, n
	if n > len(s.buf)/2 {
		s.buf = append(s.buf[:n], make([]byte, len(s.buf))...)
		s.buf = s.buf[:cap(s.buf)]
	}
	for s.end < len(s.buf) && !s.eof {
		m, err := s.src.Read(s.buf[s.end:])
		s.end += m
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil:
			return false
		case m == 0:
			if s.stuck++; s.stuck > 100 { // as bufio gives up
				return false
			}
		default:
			s.stuck = 0
		}
	}
	return true
}

// scan reads one token at the start of b: how many bytes it took, or that
// it needs more, or that the scanner should not be trusted with it.
func (s *Scanner) scan(t *Token, b []byte) (int, scanStatus) {
	if b[0] != '<' {
		return s.scanText(t, b)
	}
	if len(b) < 2 {
		return 0, scanShort
	}
	switch b[1] {
	case '/':
		return s.scanEnd(t, b)
	case '?':
		return s.scanProcInst(t, b)
	case '!':
		return s.scanComment(t, b)
	}
	return s.scanStart(t, b)
}

// textByte marks the bytes text cannot simply be copied over: markup,
// entities, CRs (read as LF), what might close a CDATA section, control
// characters and the start of multi-byte characters.
var textByte = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t' && c != '\n'
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['<'], t['&'], t[']'] = true, true, true
	return t
}()

func (s *Scanner) scanText(t *Token, b []byte) (int, scanStatus) {
	n := bytes.IndexByte(b, '<')
	if n < 0 {
		if !s.eof {
			return 0, scanShort
		}
		n = len(b) // encoding/xml ends text at the end of the input too
	}
	raw := b[:n]
	decode := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !textByte[c] {
			continue
		}
		switch {
		case c == '\r' || c == '&':
			decode = true
		case c == ']':
			if i+2 < len(raw) && raw[i+1] == ']' && raw[i+2] == '>' {
				return 0, scanBail // "unescaped ]]> not in CDATA section"
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 || !inCharRange(r) {
				return 0, scanBail
			}
			i += size - 1
		default: // a control character
			return 0, scanBail
		}
	}
	if !decode {
		*t = Token{Kind: TextToken, Text: raw}
		return n, scanned
	}
	out := s.text[:0]
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '\r':
			// As encoding/xml: CR LF and a lone CR are both LF.
			out = append(out, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case '&':
			r, size := entity(raw[i:])
			if size == 0 {
				return 0, scanBail
			}
			// As string(rune(n)) in encoding/xml: a surrogate becomes
			// U+FFFD; then the character must be one XML allows.
			at := len(out)
			out = utf8.AppendRune(out, r)
			if r, _ := utf8.DecodeRune(out[at:]); !inCharRange(r) {
				return 0, scanBail
			}
			i += size - 1
		default:
			out = append(out, c)
		}
	}
	s.text = out
	*t = Token{Kind: TextToken, Text: out}
	return n, scanned
}

// entity decodes one of XML's five entities or a character reference
// (&#39; &#x27;) at the start of b as encoding/xml does; size 0 for
// anything else, which encoding/xml rejects.
func entity(b []byte) (rune, int) {
	if len(b) > 1 && b[1] == '#' {
		i, base := 2, 10
		if len(b) > i && b[i] == 'x' {
			i, base = 3, 16
		}
		j := i
		for j < len(b) && ('0' <= b[j] && b[j] <= '9' ||
			base == 16 && ('a' <= b[j] && b[j] <= 'f' || 'A' <= b[j] && b[j] <= 'F')) {
			j++
		}
		if j == len(b) || b[j] != ';' {
			return 0, 0
		}
		n, err := strconv.ParseUint(string(b[i:j]), base, 64)
		if err != nil || n > unicode.MaxRune {
			return 0, 0
		}
		return rune(n), j + 1
	}
	for _, e := range [...]struct {
		ref string
		r   rune
	}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&apos;", '\''}, {"&quot;", '"'}} {
		if len(b) >= len(e.ref) && string(b[:len(e.ref)]) == e.ref {
			return e.r, len(e.ref)
		}
	}
	return 0, 0
}

// inCharRange is encoding/xml's isInCharacterRange: XML's Char production.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// scanEnd reads </name S?>.
func (s *Scanner) scanEnd(t *Token, b []byte) (int, scanStatus) {
	name, i, st := s.scanName(b, 2)
	if st != scanned {
		return 0, st
	}
	i = skipSpace(b, i)
	switch {
	case i == len(b):
		return 0, scanShort
	case b[i] != '>':
		return 0, scanBail
	}
	*t = Token{Kind: EndToken, Start: xml.StartElement{Name: name}}
	return i + 1, scanned
}

// scanStart reads <name (S? name S? = S? "value")* S? /?>, where
// encoding/xml, like this, needs no space between attributes.
func (s *Scanner) scanStart(t *Token, b []byte) (int, scanStatus) {
	name, i, st := s.scanName(b, 1)
	if st != scanned {
		return 0, st
	}
	attrs := s.attrs[:0]
	for {
		i = skipSpace(b, i)
		if i == len(b) {
			return 0, scanShort
		}
		switch b[i] {
		case '/':
			switch {
			case i+1 == len(b):
				return 0, scanShort
			case b[i+1] != '>':
				return 0, scanBail
			}
			s.attrs = attrs
			s.self, s.closing = name, true
			*t = Token{Kind: StartToken, Start: xml.StartElement{Name: name, Attr: attrs}}
			return i + 2, scanned
		case '>':
			s.attrs = attrs
			*t = Token{Kind: StartToken, Start: xml.StartElement{Name: name, Attr: attrs}}
			return i + 1, scanned
		}
		var a xml.Attr
		if a.Name, i, st = s.scanName(b, i); st != scanned {
			return 0, st
		}
		i = skipSpace(b, i)
		if i == len(b) {
			return 0, scanShort
		}
		if b[i] != '=' {
			return 0, scanBail
		}
		i = skipSpace(b, i+1)
		if i == len(b) {
			return 0, scanShort
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return 0, scanBail
		}
		n := bytes.IndexByte(b[i+1:], q)
		if n < 0 {
			return 0, scanShort
		}
		v := b[i+1 : i+1+n]
		for _, c := range v {
			// Entities, CRs, '<' (an error) and non-ASCII are left to
			// encoding/xml: ISO 20022 attributes are codes and URIs.
			if textByte[c] && c != ']' {
				return 0, scanBail
			}
		}
		a.Value = string(v)
		attrs = append(attrs, a)
		i += 1 + n + 1
	}
}

// scanProcInst reads <?target S? data?>, checking an XML declaration as
// encoding/xml does; another encoding than UTF-8 is for it to convert.
func (s *Scanner) scanProcInst(t *Token, b []byte) (int, scanStatus) {
	j := 2
	for j < len(b) && isNameByte(b[j]) {
		j++
	}
	switch {
	case j == len(b):
		return 0, scanShort
	case j == 2 || b[j] >= utf8.RuneSelf || !isNameStart(b[2]) || bytes.IndexByte(b[2:j], ':') >= 0:
		return 0, scanBail
	}
	target := b[2:j]
	j = skipSpace(b, j)
	if j == len(b) {
		return 0, scanShort
	}
	k := bytes.Index(b[j:], []byte("?>"))
	if k < 0 {
		return 0, scanShort
	}
	if string(target) == "xml" {
		content := string(b[j : j+k])
		if ver := procInst("version", content); ver != "" && ver != "1.0" {
			return 0, scanBail
		}
		if enc := procInst("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
			return 0, scanBail
		}
	}
	*t = Token{Kind: OtherToken}
	return j + k + 2, scanned
}

// procInst is encoding/xml's: the value of a pseudo-attribute in an XML
// declaration, found the same lax way.
func procInst(param, s string) string {
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// scanComment reads <!-- ... -->; the first "--" must end it, as in
// encoding/xml. CDATA sections and DOCTYPEs are left to encoding/xml.
func (s *Scanner) scanComment(t *Token, b []byte) (int, scanStatus) {
	if len(b) < 4 {
		return 0, scanShort
	}
	if b[2] != '-' || b[3] != '-' {
		return 0, scanBail
	}
	k := bytes.Index(b[4:], []byte("--"))
	switch {
	case k < 0 || 4+k+2 == len(b):
		return 0, scanShort
	case b[4+k+2] != '>':
		return 0, scanBail
	}
	*t = Token{Kind: OtherToken}
	return 4 + k + 3, scanned
}

// scanName reads a name at b[i:], split at its colon as Decoder.nsname
// does. Only ASCII names whose prefix and local part are both there are
// taken; encoding/xml decides on the rest.
func (s *Scanner) scanName(b []byte, i int) (xml.Name, int, scanStatus) {
	j := i
	for j < len(b) && isNameByte(b[j]) {
		j++
	}
	switch {
	case j == len(b):
		return xml.Name{}, 0, scanShort
	case j == i || b[j] >= utf8.RuneSelf || !isNameStart(b[i]):
		return xml.Name{}, 0, scanBail
	}
	name := b[i:j]
	c := bytes.IndexByte(name, ':')
	if c < 0 {
		return xml.Name{Local: s.intern(name)}, j, scanned
	}
	if c == len(name)-1 || bytes.IndexByte(name[c+1:], ':') >= 0 {
		return xml.Name{}, 0, scanBail
	}
	return xml.Name{Space: s.intern(name[:c]), Local: s.intern(name[c+1:])}, j, scanned
}

func (s *Scanner) intern(b []byte) string {
	h := (len(b)*31 + int(b[0])*7 + int(b[len(b)-1])) & (len(s.recent) - 1)
	if s.recent[h] == string(b) {
		return s.recent[h]
	}
	n, ok := s.names[string(b)]
	if !ok {
		n = string(b)
		if len(s.names) < maxNames {
			s.names[n] = n
		}
	}
	s.recent[h] = n
	return n
}

// isNameByte is encoding/xml's: the ASCII bytes a name may contain.
func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// isNameStart is the ASCII a name may start with, less the colon.
func isNameStart(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_'
}

// skipSpace is encoding/xml's white space: space, CR, LF, tab.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\r' || b[i] == '\n' || b[i] == '\t') {
		i++
	}
	return i
}
