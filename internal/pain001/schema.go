package pain001

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/xsd"
)

// The schema layer: every rule of the version's XSD (element order,
// cardinality, required elements and attributes, lengths, patterns, code
// lists, decimal facets, dates, white space) checked in the same pass as
// the reading, from tables generated from the XSD (schemas.go). The
// hand-written checks on top of it are the business rules a schema cannot
// say (IBAN checksums, totals, currency decimals, duplicates, dates in the
// past or too far ahead) and the precise wording and codes for the fields
// the bridge uses.

// swissLocation reports whether the root names the Swiss SPS schema in
// xsi:schemaLocation.
func swissLocation(root xml.StartElement) bool {
	for _, a := range root.Attr {
		if a.Name.Space == xsd.XSINamespace && a.Name.Local == "schemaLocation" && strings.Contains(a.Value, ".ch.03") {
			return true
		}
	}
	return false
}

// schemaRules is false only in BenchmarkRead_WithoutSchemaRules, which
// measures what checking the rules costs.
var schemaRules = true

// startSchema starts checking the schema rules at strict level, from the
// root element just read.
func (r *reader) startSchema(root xml.StartElement) {
	if r.gate < gateStrict || r.schema.rules == nil || !schemaRules {
		return
	}
	r.val = xsd.New(r.schema.rules, r.schemaProblem)
	r.val.SetLine(r.line)
	r.val.Start(root.Name, root.Attr, r.line())
}

// validate passes a token to the schema rules: one call, the line asked
// for (SetLine) only when a rule is broken.
func (r *reader) validate(t *token) {
	switch t.kind {
	case startToken:
		r.val.Start(t.start.Name, t.start.Attr, xsd.LineLater)
	case endToken:
		if r.val.Depth() > 0 {
			r.val.End(xsd.LineLater)
		}
	case textToken:
		r.val.Text(t.text, xsd.LineLater)
	}
}

// schemaProblem records a violation of the schema rules.
func (r *reader) schemaProblem(e *xsd.Error) {
	r.schemaErrors++
	p := payrun.Problem{
		Line:     e.Line,
		Field:    schemaField(e),
		Value:    e.Value,
		Expected: e.Expected,
		Code:     codeContent,
	}
	if e.Missing {
		p.Code = codeMissing
	}
	r.schemaProbs.add(p)
}

// schemaField writes an error's path as the hand-written checks do:
// relative to the message element, PmtInf and CdtTrfTxInf numbered.
func schemaField(e *xsd.Error) string {
	var b strings.Builder
	path := e.Path
	if len(path) > 2 {
		path = path[2:] // Document, CstmrCdtTrfInitn
	}
	for i, s := range path {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s.Name)
		if s.Name == "PmtInf" || s.Name == "CdtTrfTxInf" {
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		}
	}
	if e.Attr != "" {
		b.WriteString("/@" + e.Attr)
	}
	return b.String()
}

// allProblems is the hand-written checks' problems followed by the schema
// violations they did not already report: a schema problem is left out
// when one of those is on the same line, or about the same element, one
// inside the other, or the same element without numbering.
func (r *reader) allProblems() payrun.Problems {
	ps := r.problems.result()
	if len(r.schemaProbs.list) == 0 {
		return ps
	}
	lines := make(map[int]bool, len(ps))
	for _, p := range ps {
		if p.Line > 0 {
			lines[p.Line] = true
		}
	}
	hand := ps
	fields := make(map[string]bool)
	for _, p := range r.schemaProbs.list {
		if lines[p.Line] || fields[p.Field] || related(hand, p.Field) {
			continue
		}
		fields[p.Field] = true // one schema problem per element is enough
		if len(ps) >= maxProblems {
			ps = append(ps, payrun.Problem{Expected: "fewer problems: more schema violations were found and not listed", Code: codeTooManyProbs})
			break
		}
		ps = append(ps, p)
	}
	return ps
}

// related reports whether a problem in ps is about field, an element
// inside it or around it.
func related(ps payrun.Problems, field string) bool {
	bare := unnumbered(field)
	for _, p := range ps {
		if p.Field == "" {
			continue
		}
		if within(field, p.Field) || within(p.Field, field) || unnumbered(p.Field) == bare {
			return true
		}
	}
	return false
}

// within reports whether path a is b or inside it.
func within(a, b string) bool {
	return a == b || strings.HasPrefix(a, b) && (a[len(b)] == '/' || a[len(b)] == '[')
}

func unnumbered(s string) string {
	if !strings.Contains(s, "[") {
		return s
	}
	var b strings.Builder
	skip := false
	for _, c := range s {
		switch {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}
