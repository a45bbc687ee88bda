package pain001

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// Resource limits that keep a hostile or broken file from costing memory:
// no pain.001 field is longer than a few hundred characters, and the
// deepest element path is about a dozen levels.
const (
	maxText  = 64 << 10
	maxDepth = 64
)

// errStop ends reading after a problem that makes the rest of the file
// unreadable (not XML, too large); the problem is already recorded.
var errStop = errors.New("stop")

// leaf is one element of interest: its text (for elements without child
// elements) and where it was.
type leaf struct {
	path string // relative to the element it was collected under
	val  string // text content as found, "" when the element has children
	ccy  string // the Ccy attribute, for amounts
	line int
	seen bool // false for the zero leaf of an absent element
	long bool // its text was over maxText, already reported, and is cut
}

// table maps relative element paths ("CdtrAcct/Id/IBAN") to the field
// they fill; several paths may fill one field (BIC or BICFI).
type table map[string]fieldRef

type fieldRef struct {
	f    int
	path string // the key itself, so a leaf can carry it without allocating
}

func newTable(paths map[string]int) table {
	t := make(table, len(paths))
	for p, f := range paths {
		t[p] = fieldRef{f: f, path: p}
	}
	return t
}

// walker holds the tokenizer and the scratch space collect reuses for
// every transaction, so that reading costs no allocation per element beyond
// the tokenizer's own.
type walker struct {
	d     *xml.Decoder // nil while fast reads
	fast  *scanner
	src   sizeReader
	scope nsScope
	tok   token // the token just read
	// entities: the DOCTYPE just read declares entities, which Read
	// refuses (see rawToken).
	entities bool
	ns       string // the document namespace; elements outside it are skipped
	path     []byte
	text     []byte
	frames   []frame
}

type frame struct {
	prevLen int // len(path) before this element's name was added
	ref     fieldRef
	want    bool // the element is in the table
	textAt  int  // where its text starts in walker.text
	child   bool // it has child elements
	long    bool // its text was over maxText and was cut
	line    int
	ccy     string
}

// inDoc reports whether an element belongs to the document's namespace.
func (r *reader) inDoc(n xml.Name) bool { return n.Space == r.walk.ns }

// skip reads past the element whose start was just read.
func (r *reader) skip(depth int) error {
	for open := 1; open > 0; {
		t, err := r.token()
		if err != nil {
			return r.noEOF(err)
		}
		switch t.kind {
		case startToken:
			open++
			if depth+open > maxDepth {
				return r.tooDeep()
			}
		case endToken:
			open--
		case textToken:
			if len(t.text) > maxText {
				r.textTooLong("")
			}
		}
	}
	return nil
}

// noEOF turns an end of input inside an element into a problem; the
// decoder reports most such cases itself as syntax errors.
func (r *reader) noEOF(err error) error {
	if err != io.EOF {
		return err
	}
	r.flag(gateAlways, payrun.Problem{Line: r.line(), Expected: "well-formed XML (unexpected EOF)", Code: codeFileFormat})
	return errStop
}

// textTooLong records a text node over maxText: no pain.001 field comes
// near it, so the file is broken or hostile. Reading goes on (MaxSize
// bounds it) so that the other problems are found too.
func (r *reader) textTooLong(field string) {
	r.flag(gateAlways, payrun.Problem{
		Line:     r.line(),
		Field:    field,
		Expected: textTooLongExpected,
		Code:     codeFileFormat,
	})
}

var textTooLongExpected = fmt.Sprintf("text of at most %d bytes", maxText)

func (r *reader) tooDeep() error {
	r.flag(gateAlways, payrun.Problem{
		Line:     r.line(),
		Expected: fmt.Sprintf("elements nested at most %d deep", maxDepth),
		Code:     codeFileFormat,
	})
	return errStop
}

// collect reads the element whose start was just read, at depth, to its
// end, appending every element whose path is in t to into[field]. Paths are
// relative to start; with self they begin with start's own name, so that
// the children of PmtInf can be collected one by one. prefix locates start
// in the file for problems ("PmtInf[2]/CdtTrfTxInf[3]").
func (r *reader) collect(start *xml.StartElement, depth int, t table, into [][]leaf, self bool, prefix string) error {
	w := &r.walk
	w.path = w.path[:0]
	w.text = w.text[:0]
	w.frames = w.frames[:0]
	if self {
		w.path = append(w.path, start.Name.Local...)
		w.frames = append(w.frames, r.newFrame(start, 0, t))
	} else {
		w.frames = append(w.frames, frame{})
	}
	for len(w.frames) > 0 {
		tok, err := r.token()
		if err != nil {
			return r.noEOF(err)
		}
		switch tok.kind {
		case startToken:
			tk := &tok.start
			w.frames[len(w.frames)-1].child = true
			if depth+len(w.frames) >= maxDepth {
				return r.tooDeep()
			}
			if !r.inDoc(tk.Name) {
				if err := r.skip(depth + len(w.frames)); err != nil {
					return err
				}
				continue
			}
			prev := len(w.path)
			if prev > 0 {
				w.path = append(w.path, '/')
			}
			w.path = append(w.path, tk.Name.Local...)
			w.frames = append(w.frames, r.newFrame(tk, prev, t))
		case textToken:
			tk := tok.text
			fr := &w.frames[len(w.frames)-1]
			if fr.long {
				continue
			}
			size := len(tk)
			if fr.want {
				size += len(w.text) - fr.textAt
			}
			if size > maxText {
				fr.long = true
				r.textTooLong(joinPath(prefix, string(w.path)))
				continue
			}
			if fr.want {
				w.text = append(w.text, tk...)
			}
		case endToken:
			fr := w.frames[len(w.frames)-1]
			w.frames = w.frames[:len(w.frames)-1]
			if fr.want {
				l := leaf{path: fr.ref.path, line: fr.line, ccy: fr.ccy, seen: true, long: fr.long}
				if !fr.child {
					l.val = string(w.text[fr.textAt:])
				}
				into[fr.ref.f] = append(into[fr.ref.f], l)
				w.text = w.text[:fr.textAt]
			}
			w.path = w.path[:fr.prevLen]
		}
	}
	return nil
}

func (r *reader) newFrame(se *xml.StartElement, prevLen int, t table) frame {
	w := &r.walk
	fr := frame{prevLen: prevLen}
	if ref, ok := t[string(w.path)]; ok {
		fr.ref, fr.want = ref, true
		fr.textAt = len(w.text)
		fr.line = r.line()
		for _, a := range se.Attr {
			if a.Name.Local == "Ccy" && a.Name.Space == "" {
				fr.ccy = a.Value
			}
		}
	}
	return fr
}

// joinPath joins a location prefix and a relative element path.
func joinPath(prefix, rel string) string {
	switch {
	case prefix == "":
		return rel
	case rel == "":
		return prefix
	}
	return prefix + "/" + rel
}
