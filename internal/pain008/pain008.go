package pain008

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/atlarbridge/bridge/internal/ddrun"
	"github.com/atlarbridge/bridge/internal/isoxml"
	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/xsd"
)

// Level is how much Read checks, as pain001's.
type Level string

// Validation levels.
const (
	// LevelStrict checks the version's XSD and every business rule. The
	// default.
	LevelStrict Level = "strict"
	// LevelWellformed checks well-formed XML, a supported namespace and the
	// fields a collection is made of.
	LevelWellformed Level = "wellformed"
)

// Options tune Read.
type Options struct {
	// Level is "" (strict), strict or wellformed.
	Level Level
	// Today is the date the file is processed on, YYYY-MM-DD; "" means the
	// current UTC date. A ReqdColltnDt before it is a problem (DT01): a
	// collection, unlike a transfer, cannot be moved to today, since the
	// debtor was pre-notified of the date.
	Today string
	// MaxSize rejects a file larger than this many bytes; 0 means no limit.
	MaxSize int64
}

// Header is the file's group header and name.
type Header struct {
	// MsgName is the message with its variant, for pain.002's
	// OrgnlMsgNmId: "pain.008.001.02", "pain.008.001.08",
	// "pain.008.003.02" or "pain.008.002.02". The DK flavour of .001.02
	// shares the ISO namespace and so its name; Schema tells them apart.
	MsgName string
	// Schema is the XSD the file was checked against, e.g.
	// "pain.008.001.02.DK"; "" when none is known (pain.008.002.02).
	Schema    string
	Namespace string
	MsgID     string
	CreDtTm   string
	NbOfTxs   string
	CtrlSum   string
}

// Result is what Read found in a file.
type Result struct {
	Header Header
	// Run has the file's collections in file order, including those that
	// had problems, with what could be read.
	Run *ddrun.Run
	// Problems is empty when the file is valid at the requested level.
	Problems payrun.Problems
	// SchemaErrors counts the violations of the version's XSD (strict).
	SchemaErrors int
}

// version is a supported namespace.
type version struct {
	name   string
	schema *xsd.Schema
	v08    bool // BICFI, ReqdColltnDt as in .08
}

const nsPrefix = "urn:iso:std:iso:20022:tech:xsd:"

var versions = map[string]version{
	nsPrefix + "pain.008.001.02": {name: "pain.008.001.02", schema: schemaPain_008_001_02},
	nsPrefix + "pain.008.001.08": {name: "pain.008.001.08", schema: schemaPain_008_001_08, v08: true},
	nsPrefix + "pain.008.003.02": {name: "pain.008.003.02", schema: schemaPain_008_003_02},
	// The EPC's namespace of 2009-2013: the same content as .003.02, and
	// no XSD in the shared folder, so only the business rules apply.
	nsPrefix + "pain.008.002.02": {name: "pain.008.002.02"},
}

// maxProblems caps the problems kept for one file, as pain001's.
const maxProblems = 1000

// Reason codes, as pain001 uses them.
const (
	codeNbOfTxs   = "AM18"
	codeCtrlSum   = "AM10"
	codeAccount   = "AC01"
	codeBIC       = "RC01"
	codeCurrency  = "AM03"
	codeAmount    = "AM12"
	codeFormat    = "FF01"
	codeDupE2E    = "DU04"
	codeBadDate   = "DT01"
	codeMissing   = "CH21"
	codeContent   = "CH16"
	codeCreditor  = "CH16"
	codeMandate   = "MD01" // NoMandate
	codeNarrative = "NARR"
)

// Read reads a pain.008 file and checks it at o.Level. Everything about the
// content is a Problem in the Result; the error is only for a failing
// reader or invalid Options.
//
// Read streams: it keeps one DrctDbtTxInf at a time besides the Run. It is
// fastest on an io.ReadSeeker such as an *os.File or a bytes.Reader: then
// it reads with isoxml.Scanner and, where that cannot be sure to read as
// encoding/xml would (another encoding, a DOCTYPE, CDATA, a syntax error),
// reads the file again with encoding/xml, which decides.
func Read(in io.Reader, o Options) (*Result, error) {
	if rs, ok := in.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			res, err := readWith(in, o, true)
			if err != isoxml.ErrFallback {
				return res, err
			}
			if _, err := rs.Seek(at, io.SeekStart); err != nil {
				return nil, fmt.Errorf("pain008: rewind to read again: %w", err)
			}
		}
	}
	return readWith(in, o, false)
}

// readWith is Read with the fast scanner or with encoding/xml; with fast,
// it returns isoxml.ErrFallback where the scanner cannot decide.
func readWith(in io.Reader, o Options, fast bool) (*Result, error) {
	r, err := newReader(o)
	if err != nil {
		return nil, err
	}
	if fast {
		err = r.readFast(in)
	} else {
		err = r.read(in)
	}
	if err != nil {
		return nil, err
	}
	r.finish()
	res := &Result{
		Header:       r.header,
		Run:          &ddrun.Run{MsgID: r.header.MsgID, MsgName: r.header.MsgName, Collections: r.colls},
		Problems:     r.allProblems(),
		SchemaErrors: r.schemaErrors,
	}
	return res, nil
}

type reader struct {
	strict  bool
	today   string
	maxSize int64

	header Header
	ver    version
	colls  []ddrun.Collection
	// collsHint is the room to make for colls (see collsHint).
	collsHint int

	d     *xml.Decoder    // nil while reading fast
	fast  *isoxml.Scanner // nil while reading with d
	stack []string        // local names from the root
	text  []byte          // of the open element since its last child
	val   *xsd.Validator

	// path is stack joined with '/', pathEnd[i] its length up to stack[i]:
	// the relative paths of fields are cut from it without joining.
	path    []byte
	pathEnd []int
	scratch []byte
	// paths and vals intern relative paths and the values that repeat
	// across transactions (the debtor's, codes, dates), so that 10,000
	// transactions from 2,000 debtors do not hold 10,000 copies of each.
	paths map[string]string
	vals  map[string]string
	// recent is a cache in front of paths, as isoxml.Scanner has for
	// names: a path is looked up at every element's end, and the map's
	// hash was a fifth of a Read.
	recent [256]string
	// debtorIDs caches ddrun.DebtorExternalID by IBAN.
	debtorIDs map[string]string
	// For the fast path, what Decoder.Token does on top of RawToken: the
	// open elements as written and the namespace bindings, which are
	// only taken on a top-level element (anywhere else is left to
	// encoding/xml).
	open []xml.Name
	ns   map[string]string
	amt  big.Rat // scratch for InstdAmt

	// What the open GrpHdr, PmtInf and DrctDbtTxInf hold, by path
	// relative to them.
	grp, pmt, tx fields
	grpSeen      bool
	pmtN         int // PmtInf so far
	pmtDone      bool
	pmtTx        int // DrctDbtTxInf in the open PmtInf
	pmtSum       sum
	pmtSumOK     bool
	pmtCtx       pmtCtx
	row          int
	txLine       int
	fileSum      sum
	fileSumOK    bool
	e2e          map[string]int

	problems     payrun.Problems
	dropped      int
	schemaProbs  payrun.Problems
	schemaErrors int
}

type leaf struct {
	val  string
	line int
}

// fields are the elements closed in a GrpHdr, PmtInf or DrctDbtTxInf, in
// the order they closed, by path relative to it. A slice reused from one
// transaction to the next, searched linearly: a transaction has a few
// dozen elements, and a map per transaction cost more than the search.
type fields struct{ ents []entry }

type entry struct {
	path string
	leaf
}

// get returns the first element closed at path.
func (f *fields) get(path string) (leaf, bool) {
	for i := range f.ents {
		if f.ents[i].path == path {
			return f.ents[i].leaf, true
		}
	}
	return leaf{}, false
}

func (f *fields) add(path string, l leaf) { f.ents = append(f.ents, entry{path: path, leaf: l}) }

func (f *fields) reset() { f.ents = f.ents[:0] }

// Bounds on the intern tables, for a hostile file of distinct names.
const (
	maxPaths = 4096
	maxVals  = 16384
)

func newReader(o Options) (*reader, error) {
	r := &reader{maxSize: o.MaxSize, fileSumOK: true, e2e: make(map[string]int),
		paths: make(map[string]string), vals: make(map[string]string), debtorIDs: make(map[string]string),
		ns: make(map[string]string)}
	switch o.Level {
	case "", LevelStrict:
		r.strict = true
	case LevelWellformed:
	default:
		return nil, fmt.Errorf("pain008: unknown level %q (want strict or wellformed)", o.Level)
	}
	today := time.Now().UTC()
	if o.Today != "" {
		t, err := time.Parse(time.DateOnly, o.Today)
		if err != nil {
			return nil, fmt.Errorf("pain008: today %q: want YYYY-MM-DD", o.Today)
		}
		today = t
	}
	r.today = today.Format(time.DateOnly)
	if o.MaxSize < 0 {
		return nil, fmt.Errorf("pain008: max size %d is negative", o.MaxSize)
	}
	return r, nil
}

// errTooLarge stops reading a file past Options.MaxSize.
var errTooLarge = errors.New("file too large")

type sizeReader struct {
	r    io.Reader
	left int64
}

func (s *sizeReader) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	return n, err
}

// readErr wraps the input reader's own errors, so they are told apart from
// XML syntax errors (which are problems).
type readErr struct{ err error }

func (e *readErr) Error() string { return e.err.Error() }
func (e *readErr) Unwrap() error { return e.err }

type errReader struct{ r io.Reader }

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && err != errTooLarge {
		err = &readErr{err}
	}
	return n, err
}

// charsetReader decodes the single-byte encodings European ERPs still
// write, as pain001 does.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1":
		return charmap.ISO8859_1.NewDecoder().Reader(in), nil
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9":
		return charmap.ISO8859_15.NewDecoder().Reader(in), nil
	case "windows-1252", "cp1252", "x-cp1252":
		return charmap.Windows1252.NewDecoder().Reader(in), nil
	case "us-ascii", "ascii":
		return in, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (want UTF-8, ISO-8859-1/-15 or windows-1252)", label)
}

func (r *reader) line() int {
	if r.fast != nil {
		return r.fast.Line()
	}
	l, _ := r.d.InputPos()
	return l
}

// readFast reads in with isoxml.Scanner, doing what Decoder.Token adds to
// RawToken (namespaces, end tags matching start tags) for the files
// pain.008 writers make; isoxml.ErrFallback wherever Token would fail or
// the scanner is not sure, and Read starts again with encoding/xml.
func (r *reader) readFast(in io.Reader) error {
	var src io.Reader = in
	if r.maxSize > 0 {
		src = &sizeReader{r: src, left: r.maxSize + 1}
	}
	r.fast = isoxml.NewScanner(src)
	var tok isoxml.Token
	for {
		err := r.fast.Next(&tok)
		if err == io.EOF {
			if len(r.open) > 0 {
				return isoxml.ErrFallback // Token: unexpected EOF
			}
			if r.header.Namespace == "" {
				r.add(payrun.Problem{Expected: "a pain.008 Document (the file is empty or has no root element)", Code: codeFormat})
			}
			return nil
		}
		if err != nil {
			return isoxml.ErrFallback // the scanner's only other error
		}
		switch tok.Kind {
		case isoxml.StartToken:
			t := &tok.Start
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					if len(r.open) > 0 {
						return isoxml.ErrFallback
					}
					if a.Name.Space == "" {
						r.ns[""] = a.Value
					} else {
						r.ns[a.Name.Local] = a.Value
					}
				}
			}
			r.open = append(r.open, t.Name)
			t.Name.Space = r.translate(t.Name, true)
			for i := range t.Attr {
				t.Attr[i].Name.Space = r.translate(t.Attr[i].Name, false)
			}
			if stop := r.startElem(*t); stop {
				return nil
			}
		case isoxml.EndToken:
			n := len(r.open)
			if n == 0 || r.open[n-1] != tok.Start.Name {
				return isoxml.ErrFallback // Token's syntax errors
			}
			r.open = r.open[:n-1]
			if n == 1 {
				clear(r.ns) // bound on this top-level element only
			}
			r.endElem()
		case isoxml.TextToken:
			r.charData(tok.Text)
		}
	}
}

// translate is Decoder.translate: the namespace of a name as written.
func (r *reader) translate(n xml.Name, element bool) string {
	switch {
	case n.Space == "xmlns":
		return n.Space
	case n.Space == "" && !element:
		return ""
	case n.Space == "xml":
		n.Space = "http://www.w3.org/XML/1998/namespace"
	case n.Space == "" && n.Local == "xmlns":
		return ""
	}
	if v, ok := r.ns[n.Space]; ok {
		return v
	}
	return n.Space // Decoder.DefaultSpace is "" for an unbound default
}

func (r *reader) read(in io.Reader) error {
	var src io.Reader = errReader{in}
	if r.maxSize > 0 {
		src = &sizeReader{r: src, left: r.maxSize + 1}
	}
	r.d = xml.NewDecoder(src)
	r.d.CharsetReader = charsetReader
	r.d.Strict = true
	for {
		tok, err := r.d.Token()
		if err == io.EOF {
			if r.header.Namespace == "" {
				r.add(payrun.Problem{Expected: "a pain.008 Document (the file is empty or has no root element)", Code: codeFormat})
			} else if len(r.stack) > 0 {
				r.add(payrun.Problem{Line: r.line(), Expected: "well-formed XML: the file ends inside " + r.stack[len(r.stack)-1], Code: codeFormat})
			}
			return nil
		}
		if err != nil {
			var re *readErr
			if errors.As(err, &re) {
				return fmt.Errorf("pain008: read: %w", re.err)
			}
			switch {
			case errors.Is(err, errTooLarge):
				r.add(payrun.Problem{Expected: fmt.Sprintf("a file of at most %d bytes", r.maxSize), Code: codeNarrative})
			default:
				r.add(payrun.Problem{Line: r.line(), Expected: "well-formed XML: " + err.Error(), Code: codeFormat})
			}
			r.colls = nil // a file that is not XML collects nothing
			return nil
		}
		if stop := r.token(tok); stop {
			return nil
		}
	}
}

// token handles one token; true stops reading (an unsupported document).
func (r *reader) token(tok xml.Token) bool {
	switch t := tok.(type) {
	case xml.StartElement:
		return r.startElem(t)
	case xml.EndElement:
		r.endElem()
	case xml.CharData:
		r.charData(t)
	case xml.Directive:
		if bytes.Contains(t, []byte("ENTITY")) {
			r.add(payrun.Problem{Line: r.line(), Expected: "no entity declarations (they are never expanded)", Code: codeFormat})
			r.colls = nil
			return true
		}
	}
	return false
}

// startElem handles a start element, its names translated; true stops
// reading (an unsupported document).
func (r *reader) startElem(t xml.StartElement) bool {
	if len(r.stack) == 0 {
		if !r.root(t) {
			return true
		}
	} else if r.val != nil {
		r.val.Start(t.Name, t.Attr, r.line())
	}
	r.text = r.text[:0]
	r.start(t)
	return false
}

func (r *reader) endElem() {
	if r.val != nil && r.val.Depth() > 0 {
		r.val.End(r.line())
	}
	r.end()
}

func (r *reader) charData(t []byte) {
	if r.val != nil {
		r.val.Text(t, r.line())
	}
	r.text = append(r.text, t...)
}

// root checks the Document element and picks the version.
func (r *reader) root(t xml.StartElement) bool {
	ns := t.Name.Space
	r.header.Namespace = ns
	v, ok := versions[ns]
	if t.Name.Local != "Document" || !ok {
		r.add(payrun.Problem{Line: r.line(), Field: t.Name.Local, Value: ns,
			Expected: "a Document in a pain.008 namespace (pain.008.001.02, .001.08, .003.02 or .002.02)", Code: codeFormat})
		return false
	}
	r.ver = v
	r.header.MsgName = v.name
	r.header.Schema = v.name
	if v.schema == schemaPain_008_001_02 && dkLocation(t) {
		r.ver.schema = schemaPain_008_001_02_DK
		r.header.Schema = "pain.008.001.02.DK"
	}
	if v.schema == nil {
		r.header.Schema = ""
	}
	if r.strict && r.ver.schema != nil {
		r.val = xsd.New(r.ver.schema, r.schemaProblem)
		r.val.SetLine(r.line) // asked only on a violation
		r.val.Start(t.Name, t.Attr, r.line())
	}
	return true
}

// dkLocation reports whether xsi:schemaLocation names the German DK
// restriction of pain.008.001.02 (GBIC), which shares the ISO namespace.
func dkLocation(root xml.StartElement) bool {
	for _, a := range root.Attr {
		if a.Name.Space == xsd.XSINamespace && a.Name.Local == "schemaLocation" {
			v := strings.ToUpper(a.Value)
			return strings.Contains(v, ".DK") || strings.Contains(v, "GBIC")
		}
	}
	return false
}

func (r *reader) schemaProblem(e *xsd.Error) {
	r.schemaErrors++
	var b strings.Builder
	path := e.Path
	if len(path) > 2 {
		path = path[2:] // Document, CstmrDrctDbtInitn
	}
	for i, s := range path {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s.Name)
		if s.Name == "PmtInf" || s.Name == "DrctDbtTxInf" {
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		}
	}
	if e.Attr != "" {
		b.WriteString("/@" + e.Attr)
	}
	p := payrun.Problem{Line: e.Line, Field: b.String(), Value: clip(e.Value), Expected: e.Expected, Code: codeContent}
	if e.Missing {
		p.Code = codeMissing
	}
	if len(r.schemaProbs) < maxProblems {
		r.schemaProbs = append(r.schemaProbs, p)
	}
}

// start opens an element.
func (r *reader) start(t xml.StartElement) {
	depth := len(r.stack)
	r.stack = append(r.stack, t.Name.Local)
	if depth > 0 {
		r.path = append(r.path, '/')
	}
	r.path = append(r.path, t.Name.Local...)
	r.pathEnd = append(r.pathEnd, len(r.path))
	// Same-named siblings are counted for PmtInf and DrctDbtTxInf only.
	switch {
	case depth == 2 && t.Name.Local == "PmtInf":
		r.pmtN++
		r.pmt.reset()
		r.pmtDone = false
		r.pmtTx = 0
		r.pmtSum = sum{}
		r.pmtSumOK = true
		r.pmtCtx = pmtCtx{line: r.line()}
	case depth == 3 && t.Name.Local == "DrctDbtTxInf" && r.inPmt():
		if !r.pmtDone {
			r.pmtDone = true
			r.pmtHeader()
		}
		r.row++
		r.pmtTx++
		r.tx.reset()
		r.txLine = r.line()
	case depth == 2 && t.Name.Local == "GrpHdr":
		r.grp.reset()
		r.grpSeen = true
	}
	for _, a := range t.Attr {
		if a.Name.Local == "Ccy" {
			r.leafAttr(a.Value)
		}
	}
}

func (r *reader) inPmt() bool {
	return len(r.stack) >= 3 && r.stack[1] == "CstmrDrctDbtInitn" && r.stack[2] == "PmtInf"
}

// scope returns the fields the open element belongs to and its path in
// them, as bytes of r.path.
func (r *reader) scope() (*fields, []byte) {
	if len(r.stack) < 4 || r.stack[1] != "CstmrDrctDbtInitn" {
		return nil, nil
	}
	switch r.stack[2] {
	case "GrpHdr":
		return &r.grp, r.rel(3)
	case "PmtInf":
		if r.stack[3] == "DrctDbtTxInf" {
			if len(r.stack) < 5 {
				return nil, nil
			}
			return &r.tx, r.rel(4)
		}
		return &r.pmt, r.rel(3)
	}
	return nil, nil
}

// rel is the path of the open element from stack[k] on.
func (r *reader) rel(k int) []byte { return r.path[r.pathEnd[k-1]+1:] }

// intern returns b as a string, from t when seen before; t is left as it
// is once it holds max strings.
func intern(t map[string]string, b []byte, max int) string {
	if s, ok := t[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(t) < max {
		t[s] = s
	}
	return s
}

// internPath interns a relative path (never empty) in paths through recent.
func (r *reader) internPath(b []byte) string {
	h := (len(b)*31 + int(b[len(b)-1])*7 + int(b[len(b)/2])) & (len(r.recent) - 1)
	if r.recent[h] == string(b) {
		return r.recent[h]
	}
	s := intern(r.paths, b, maxPaths)
	r.recent[h] = s
	return s
}

// value is an element's text as a string, interned where values repeat
// across transactions: the debtor's, and short ones (codes, dates) but
// amounts, which hardly repeat.
func (r *reader) value(rel string, b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case rel != "InstdAmt" && (len(b) <= 10 || strings.HasPrefix(rel, "Dbtr")):
		return intern(r.vals, b, maxVals)
	}
	return string(b)
}

func (r *reader) leafAttr(v string) {
	f, p := r.scope()
	if f != nil {
		r.scratch = append(append(r.scratch[:0], p...), "/@Ccy"...)
		f.add(r.internPath(r.scratch), leaf{val: v, line: r.line()})
	}
}

// end closes an element.
func (r *reader) end() {
	n := len(r.stack)
	if n == 0 {
		return
	}
	name := r.stack[n-1]
	if f, p := r.scope(); f != nil {
		rel := r.internPath(p)
		f.add(rel, leaf{val: r.value(rel, bytes.TrimSpace(r.text)), line: r.line()})
	}
	r.text = r.text[:0]
	switch {
	case n == 3 && name == "GrpHdr":
		r.groupHeader()
	case n == 4 && name == "DrctDbtTxInf" && r.inPmt():
		r.transaction()
	case n == 3 && name == "PmtInf":
		if !r.pmtDone {
			r.pmtDone = true
			r.pmtHeader()
		}
		r.pmtTotals()
	}
	r.stack = r.stack[:n-1]
	r.pathEnd = r.pathEnd[:n-1]
	if n > 1 {
		r.path = r.path[:r.pathEnd[n-2]]
	} else {
		r.path = r.path[:0]
	}
}

func (r *reader) add(p payrun.Problem) {
	if len(r.problems) >= maxProblems-1 {
		r.dropped++
		return
	}
	p.Value = clip(p.Value)
	r.problems = append(r.problems, p)
}

func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
