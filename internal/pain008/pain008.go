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
// Read streams: it keeps one DrctDbtTxInf at a time besides the Run.
func Read(in io.Reader, o Options) (*Result, error) {
	r, err := newReader(o)
	if err != nil {
		return nil, err
	}
	if err := r.read(in); err != nil {
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

	d     *xml.Decoder
	stack []string // local names from the root
	text  bytes.Buffer
	val   *xsd.Validator

	// What the open GrpHdr, PmtInf and DrctDbtTxInf hold, by path
	// relative to them.
	grp, pmt, tx fields
	pmtN         int // PmtInf so far
	pmtDone      bool
	pmtTx        int // DrctDbtTxInf in the open PmtInf
	pmtSum       *big.Rat
	pmtSumOK     bool
	pmtCtx       pmtCtx
	row          int
	txLine       int
	fileSum      *big.Rat
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

type fields map[string][]leaf

func (f fields) get(path string) (leaf, bool) {
	ls := f[path]
	if len(ls) == 0 {
		return leaf{}, false
	}
	return ls[0], true
}

func newReader(o Options) (*reader, error) {
	r := &reader{maxSize: o.MaxSize, fileSum: new(big.Rat), fileSumOK: true, e2e: make(map[string]int)}
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
	l, _ := r.d.InputPos()
	return l
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
		if len(r.stack) == 0 {
			if !r.root(t) {
				return true
			}
		} else if r.val != nil {
			r.val.Start(t.Name, t.Attr, xsd.LineLater)
		}
		r.text.Reset()
		r.start(t)
	case xml.EndElement:
		if r.val != nil && r.val.Depth() > 0 {
			r.val.End(xsd.LineLater)
		}
		r.end()
	case xml.CharData:
		if r.val != nil {
			r.val.Text(t, xsd.LineLater)
		}
		r.text.Write(t)
	case xml.Directive:
		if bytes.Contains(t, []byte("ENTITY")) {
			r.add(payrun.Problem{Line: r.line(), Expected: "no entity declarations (they are never expanded)", Code: codeFormat})
			r.colls = nil
			return true
		}
	}
	return false
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
	// Same-named siblings are counted for PmtInf and DrctDbtTxInf only.
	switch {
	case depth == 2 && t.Name.Local == "PmtInf":
		r.pmtN++
		r.pmt = fields{}
		r.pmtDone = false
		r.pmtTx = 0
		r.pmtSum = new(big.Rat)
		r.pmtSumOK = true
		r.pmtCtx = pmtCtx{line: r.line()}
	case depth == 3 && t.Name.Local == "DrctDbtTxInf" && r.inPmt():
		if !r.pmtDone {
			r.pmtDone = true
			r.pmtHeader()
		}
		r.row++
		r.pmtTx++
		r.tx = fields{}
		r.txLine = r.line()
	case depth == 2 && t.Name.Local == "GrpHdr":
		r.grp = fields{}
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
// them.
func (r *reader) scope() (fields, string) {
	if len(r.stack) < 4 || r.stack[1] != "CstmrDrctDbtInitn" {
		return nil, ""
	}
	switch r.stack[2] {
	case "GrpHdr":
		return r.grp, strings.Join(r.stack[3:], "/")
	case "PmtInf":
		if r.stack[3] == "DrctDbtTxInf" {
			if len(r.stack) < 5 {
				return nil, ""
			}
			return r.tx, strings.Join(r.stack[4:], "/")
		}
		return r.pmt, strings.Join(r.stack[3:], "/")
	}
	return nil, ""
}

func (r *reader) leafAttr(v string) {
	f, p := r.scope()
	if f != nil {
		f[p+"/@Ccy"] = append(f[p+"/@Ccy"], leaf{val: v, line: r.line()})
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
		f[p] = append(f[p], leaf{val: strings.TrimSpace(r.text.String()), line: r.line()})
	}
	r.text.Reset()
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
