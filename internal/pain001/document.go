package pain001

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// read walks the document: prolog, Document, the message element, its
// GrpHdr and PmtInf children, and whatever follows the root.
func (r *reader) read(in io.Reader, fast bool) error {
	r.startDecoder(in, fast)
	err := r.document()
	if err == errStop {
		return nil
	}
	return err
}

func (r *reader) document() error {
	root, err := r.root()
	if err != nil || root == nil {
		return err
	}
	if !r.checkRoot(*root) {
		return nil
	}
	sawMsg := false
	for {
		tok, err := r.token()
		if err != nil {
			return r.noEOF(err)
		}
		switch tok.kind {
		case startToken:
			tk := &tok.start
			if r.inDoc(tk.Name) && tk.Name.Local == r.messageElement() && !sawMsg {
				sawMsg = true
				if err := r.message(); err != nil {
					return err
				}
				continue
			}
			r.flag(gateStrict, payrun.Problem{
				Line:     r.line(),
				Field:    "Document/" + tk.Name.Local,
				Expected: "one " + r.messageElement() + " element and nothing else",
				Code:     codeContent,
			})
			if err := r.skip(1); err != nil {
				return err
			}
		case endToken:
			if !sawMsg {
				r.flag(gateWellformed, payrun.Problem{
					Field:    "Document/" + r.messageElement(),
					Expected: "the message element (the document is empty)",
					Code:     codeMissing,
				})
				return r.epilog()
			}
			r.finish()
			return r.epilog()
		}
	}
}

// root reads the prolog up to the root element; nil after an empty file.
func (r *reader) root() (*xml.StartElement, error) {
	first := true
	for {
		tok, err := r.token()
		if err == io.EOF {
			r.flag(gateAlways, payrun.Problem{
				Expected: "a pain.001 XML document (the file is empty)",
				Code:     codeFileFormat,
			})
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case startToken:
			se := tok.start.Copy()
			return &se, nil
		case textToken:
			s := string(tok.text)
			if first {
				s = strings.TrimPrefix(s, "\ufeff") // the UTF-8 BOM
			}
			if strings.Trim(s, xmlSpace) != "" {
				return nil, r.outsideRoot(s)
			}
		}
		first = false
	}
}

// outsideRoot records text or elements before or after the root element,
// which XML does not allow (encoding/xml tolerates them).
func (r *reader) outsideRoot(what string) error {
	r.flag(gateAlways, payrun.Problem{
		Line:     r.line(),
		Value:    strings.Trim(what, xmlSpace),
		Expected: "well-formed XML (nothing but comments outside the root element)",
		Code:     codeFileFormat,
	})
	return errStop
}

// epilog reads to the end of the file: only white space, comments and
// processing instructions may follow the root element.
func (r *reader) epilog() error {
	for {
		tok, err := r.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.kind {
		case startToken:
			return r.outsideRoot("<" + tok.start.Name.Local + ">")
		case textToken:
			if strings.Trim(string(tok.text), xmlSpace) != "" {
				return r.outsideRoot(string(tok.text))
			}
		}
	}
}

// checkRoot identifies the namespace. It returns false when the rest of the
// file should not be read: a document that is not a supported pain.001
// would only produce noise.
func (r *reader) checkRoot(root xml.StartElement) bool {
	ns := root.Name.Space
	r.walk.ns = ns
	r.header.Namespace = ns
	if root.Name.Local != "Document" {
		r.flag(gateWellformed, payrun.Problem{
			Line:     r.line(),
			Field:    root.Name.Local,
			Expected: "root element Document",
			Code:     codeFileFormat,
		})
		if r.gate > gateAlways {
			return false
		}
	}
	s, ok := schemas[ns]
	if !ok {
		r.flag(gateWellformed, payrun.Problem{
			Line:     r.line(),
			Field:    "Document/@xmlns",
			Value:    ns,
			Expected: "a supported pain.001 namespace: " + supportedNamespaces,
			Code:     codeFileFormat,
		})
		if r.gate > gateAlways {
			return false
		}
		// Level none: read by local names as if it were the common .03.
		s = schema{v: 3}
	}
	if s.version == "pain.001.001.09" && swissLocation(root) {
		s = swissV09
	}
	r.schema = s
	r.startSchema(root)
	r.header.Version = s.version
	r.header.Variant = s.variant
	return true
}

// messageElement is the one child of Document: v02 names it after itself.
func (r *reader) messageElement() string {
	if r.schema.v == 2 {
		return "pain.001.001.02"
	}
	return "CstmrCdtTrfInitn"
}

// message reads the message element's children.
func (r *reader) message() error {
	sawGrpHdr, pmtInfs := false, 0
	for {
		tok, err := r.token()
		if err != nil {
			return r.noEOF(err)
		}
		switch tok.kind {
		case startToken:
			tk := &tok.start
			switch {
			case !r.inDoc(tk.Name):
				err = r.skip(2)
			case tk.Name.Local == "GrpHdr" && !sawGrpHdr && pmtInfs == 0:
				sawGrpHdr = true
				err = r.groupHeader(tk)
			case tk.Name.Local == "PmtInf":
				if !sawGrpHdr && pmtInfs == 0 {
					r.missingGrpHdr()
				}
				pmtInfs++
				err = r.pmtInf(tk, pmtInfs)
			default:
				// SplmtryData (v09) and the like: not ours to check.
				if tk.Name.Local == "GrpHdr" {
					r.flag(gateStrict, payrun.Problem{
						Line:     r.line(),
						Field:    "GrpHdr",
						Expected: "one GrpHdr, before the first PmtInf",
						Code:     codeContent,
					})
				}
				err = r.skip(2)
			}
			if err != nil {
				return err
			}
		case endToken:
			if !sawGrpHdr && pmtInfs == 0 {
				r.missingGrpHdr()
			}
			return nil
		}
	}
}

func (r *reader) missingGrpHdr() {
	r.flag(gateWellformed, payrun.Problem{
		Field:    "GrpHdr",
		Expected: "a group header before the first PmtInf (required)",
		Code:     codeMissing,
	})
}
