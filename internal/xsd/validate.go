package xsd

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// MaxValue bounds the text of one simple-typed element the Validator
// keeps.
const MaxValue = 1 << 20

// XSINamespace is the schema-instance namespace: its attributes
// (schemaLocation and the like) are allowed on every element.
const XSINamespace = "http://www.w3.org/2001/XMLSchema-instance"

// Error is one violation.
type Error struct {
	// Path is the element the violation is in or about, from the root;
	// Index counts same-named siblings from 1.
	Path []Step
	// Attr is the attribute's name for an attribute violation.
	Attr string
	// Value is the offending text, or the unexpected element's name.
	Value string
	// Expected says what the schema allows there.
	Expected string
	// Missing: a required element or attribute is absent (Path ends with
	// it).
	Missing bool
	Line    int
}

// Step is one element of a Path.
type Step struct {
	Name  string
	Index int
}

// Validator checks one document. Feed it every token of the document in
// order — Start, Text and End with namespace-resolved names — and it calls
// report for each violation. The zero Validator is not usable: see New.
type Validator struct {
	s *Schema
	// ns is the target namespace: the Schema's string until an element
	// in it is seen, then the reader's copy of it (readers intern names,
	// and equal string pointers compare without reading the bytes).
	ns string
	m  []*matcher
	// lastMatch is, per pattern, the last value that matched it.
	lastMatch [][]byte
	// lastOK is, per simple type, the last element value that passed all
	// of its checks: codes, currencies, BICs and dates repeat from one
	// transaction to the next, and simple is a function of type and value.
	lastOK [][]byte
	// lineFn gives the line of a report from Token (see SetLine).
	lineFn func() int
	// info is, per type, what Start, Text and End look up.
	info []typeInfo
	// trans is, per sequence particle (typeInfo.transAt + pos) and whether
	// it is filled yet, the last step the content model took from it
	// without a violation: a file's
	// transactions repeat the same few steps, and a step from the same
	// state on the same name goes to the same state.
	trans  []transition
	report func(*Error)
	stack  []vframe
	text   []byte
	abuf   []byte // an attribute's value
	err    Error  // reused for reports: report must not keep it
	path   []Step
	// Errors counts the violations reported.
	Errors int
}

// transition is a step of a sequence's content model: from the particle
// it is kept under, filled count times (alternative alt), an element name
// leads to particle pos filled count times (alternative alt), with child
// type typ.
type transition struct {
	name       string // "": none yet
	fromCount  int32
	fromAlt    int16
	alt        int16
	pos, count int32
	typ        int32
}

type vframe struct {
	name    string
	typ     int32 // Wildcard: skip the content
	kind    Kind  // the type's, Empty for Wildcard
	pos     int32 // the particle being filled
	count   int32 // its occurrences so far
	textAt  int32
	index   int32 // among same-named siblings
	alt     int16 // the alternative taken in a choice nested at pos, -1 none
	chosen  bool
	textBad bool // non-white text in element-only content, reported
}

// New returns a Validator for one document; report gets each violation
// (valid until it returns).
func New(s *Schema, report func(*Error)) *Validator {
	m, info := s.compiled()
	return &Validator{s: s, ns: s.Namespace, m: m, info: info, trans: make([]transition, 2*s.transitions), report: report, lastMatch: make([][]byte, len(m)),
		lastOK: make([][]byte, len(s.Simples))}
}

// inNS reports whether an element name's namespace is the schema's.
func (v *Validator) inNS(space string) bool {
	if space != v.ns {
		return false
	}
	v.ns = space
	return true
}

// Depth is the number of open elements.
func (v *Validator) Depth() int { return len(v.stack) }

func (v *Validator) fail(line int, missing bool, attr, value, expected string) {
	v.report1(line, missing, "", attr, value, expected)
}

// failChild reports a missing or unexpected child of the open element: the
// path then ends with the child. (It must not push a frame: callers hold
// pointers into the stack.)
func (v *Validator) failChild(line int, missing bool, child, value, expected string) {
	v.report1(line, missing, child, "", value, expected)
}

func (v *Validator) report1(line int, missing bool, child, attr, value, expected string) {
	v.Errors++
	if v.report == nil {
		return
	}
	if line == lazyLine {
		line = 0
		if v.lineFn != nil {
			line = v.lineFn()
		}
	}
	v.path = v.path[:0]
	for _, f := range v.stack {
		v.path = append(v.path, Step{Name: f.name, Index: int(f.index)})
	}
	if child != "" {
		v.path = append(v.path, Step{Name: child, Index: 1})
	}
	v.err = Error{Path: v.path, Attr: attr, Value: value, Expected: expected, Missing: missing, Line: line}
	v.report(&v.err)
}

// Start opens an element.
func (v *Validator) Start(name xml.Name, attrs []xml.Attr, line int) {
	if len(v.stack) == 0 {
		typ := Wildcard
		for _, p := range v.s.Root {
			if p.Name == name.Local && name.Space == v.s.Namespace {
				typ = p.Type
			}
		}
		if typ == Wildcard {
			v.fail(line, false, "", name.Local, "root element Document in namespace "+v.s.Namespace+" ("+v.s.Name+")")
		}
		v.push(name.Local, typ, 1)
		v.attrs(attrs, line)
		return
	}
	top := &v.stack[len(v.stack)-1]
	if top.typ == Wildcard {
		v.push(name.Local, Wildcard, 1)
		return
	}
	typ := v.child(top, name, line)
	// Same-named siblings are the occurrences of one particle (the
	// numbering is for messages only).
	v.push(name.Local, typ, int(top.count))
	if typ != Wildcard && (len(attrs) > 0 || v.info[typ].hasAttrs) {
		v.attrs(attrs, line)
	}
}

func (v *Validator) push(name string, typ, index int) {
	kind := Empty
	if typ != Wildcard {
		kind = v.info[typ].kind
	}
	if len(v.stack) < cap(v.stack) {
		v.stack = v.stack[:len(v.stack)+1]
		f := &v.stack[len(v.stack)-1]
		f.name, f.typ, f.kind, f.pos, f.count, f.textAt, f.index, f.alt, f.chosen, f.textBad =
			name, int32(typ), kind, 0, 0, int32(len(v.text)), int32(max(index, 1)), -1, false, false
		return
	}
	v.stack = append(v.stack, vframe{name: name, typ: int32(typ), kind: kind, textAt: int32(len(v.text)), index: int32(max(index, 1)), alt: -1})
}

// child advances the content model of top over a child element and
// returns the child's type, Wildcard when it is not allowed (its content
// is then not checked: one report per misplaced element).
func (v *Validator) child(top *vframe, name xml.Name, line int) int {
	if top.kind == Sequence {
		// The transition cache first, from the small per-type info: a
		// hit needs nothing of the Type (whose entries spread over many
		// cache lines). A miss goes the long way below.
		if ti := &v.info[top.typ]; top.pos < ti.nkids && v.inNS(name.Space) {
			step := &v.trans[2*(int(ti.transAt)+int(top.pos))+int(min(top.count, 1))]
			if step.name == name.Local && step.fromCount == top.count && step.fromAlt == top.alt && step.name != "" {
				top.pos, top.count, top.alt = step.pos, step.count, step.alt
				return int(step.typ)
			}
		}
	}
	t := &v.s.Types[top.typ]
	switch t.Kind {
	case Sequence:
		in := v.inNS(name.Space)
		var step *transition
		if in && int(top.pos) < len(t.Children) {
			// Two entries per particle: the step into its first
			// occurrence (count 0, where an element's first child starts
			// from) and the step from a filled one.
			step = &v.trans[2*(int(v.info[top.typ].transAt)+int(top.pos))+int(min(top.count, 1))]
			if step.name == name.Local && step.fromCount == top.count && step.fromAlt == top.alt && step.name != "" {
				top.pos, top.count, top.alt = step.pos, step.count, step.alt
				return int(step.typ)
			}
		}
		before := v.Errors
		for pos := int(top.pos); pos < len(t.Children); pos++ {
			p := &t.Children[pos]
			count, alt := 0, -1
			if pos == int(top.pos) {
				count, alt = int(top.count), int(top.alt)
			}
			var typ, a int
			if p.Group == nil {
				// The common case, inline: an element particle.
				// Length and first byte first: most particles passed over
				// differ there, and a full compare costs a call.
				if !(in && len(p.Name) == len(name.Local) && p.Name[0] == name.Local[0] && p.Name == name.Local || p.Type == Wildcard) ||
					p.Max != Unbounded && count >= p.Max {
					continue
				}
				typ, a = p.Type, -1
			} else {
				var ok bool
				if typ, a, ok = v.fits(p, name, count, alt); !ok {
					continue
				}
			}
			// The particles passed over must have been optional: the one
			// being filled by its count, the others by the table.
			if rb := v.info[top.typ].reqBefore; pos > int(top.pos) &&
				(!satisfied(&t.Children[top.pos], int(top.count)) || rb[pos] > rb[top.pos+1]) {
				for q := int(top.pos); q < pos; q++ {
					c := 0
					if q == int(top.pos) {
						c = int(top.count)
					}
					if qp := &t.Children[q]; !satisfied(qp, c) {
						v.failChild(line, true, particleName(qp), "", particleName(qp)+" before "+name.Local+" (required)")
					}
				}
			}
			if step != nil && v.Errors == before {
				*step = transition{name: name.Local, fromCount: top.count, fromAlt: top.alt,
					pos: int32(pos), count: int32(count + 1), alt: int16(a), typ: int32(typ)}
			}
			top.pos, top.count, top.alt = int32(pos), int32(count+1), int16(a)
			return typ
		}
		v.failChild(line, false, name.Local, name.Local, v.expectedAt(t, top))
		return Wildcard
	case Choice:
		if top.chosen {
			p := &t.Children[top.pos]
			if p.Name == name.Local && v.inNS(name.Space) && (p.Max == Unbounded || int(top.count) < p.Max) {
				top.count++
				return p.Type
			}
			v.failChild(line, false, name.Local, name.Local, "no more child elements after "+p.Name+" (a choice of one)")
			return Wildcard
		}
		for pos := range t.Children {
			p := &t.Children[pos]
			if p.Type == Wildcard || p.Name == name.Local && v.inNS(name.Space) {
				top.pos, top.count, top.chosen = int32(pos), 1, true
				return p.Type
			}
		}
		v.failChild(line, false, name.Local, name.Local, "one of "+names(t.Children))
		return Wildcard
	}
	v.failChild(line, false, name.Local, name.Local, "no child elements in "+top.name+" (text only)")
	return Wildcard
}

// fits reports whether an element may be the next occurrence of p, which
// has count occurrences so far (of alternative alt, for a nested choice),
// and returns its type and the alternative.
func (v *Validator) fits(p *Particle, name xml.Name, count, alt int) (int, int, bool) {
	in := v.inNS(name.Space)
	if p.Group == nil {
		if (p.Type == Wildcard || in && p.Name == name.Local) && (p.Max == Unbounded || count < p.Max) {
			return p.Type, -1, true
		}
		return 0, -1, false
	}
	if alt >= 0 {
		g := &p.Group[alt]
		if (g.Type == Wildcard || in && g.Name == name.Local) && (g.Max == Unbounded || count < g.Max) {
			return g.Type, alt, true
		}
		return 0, -1, false
	}
	for i := range p.Group {
		if g := &p.Group[i]; g.Type == Wildcard || in && g.Name == name.Local {
			return g.Type, i, true
		}
	}
	return 0, -1, false
}

// satisfied reports whether count occurrences fill p's minOccurs.
func satisfied(p *Particle, count int) bool {
	if p.Group != nil {
		return p.Min == 0 || count >= 1
	}
	return count >= p.Min
}

func particleName(p *Particle) string {
	if p.Group == nil {
		return p.Name
	}
	s := make([]string, len(p.Group))
	for i, g := range p.Group {
		s[i] = g.Name
	}
	return strings.Join(s, " or ")
}

// expectedAt lists what a sequence allows next.
func (v *Validator) expectedAt(t *Type, top *vframe) string {
	var allowed []string
	for pos := int(top.pos); pos < len(t.Children); pos++ {
		p := &t.Children[pos]
		c := 0
		if pos == int(top.pos) {
			c = int(top.count)
		}
		if p.Group == nil && p.Max != Unbounded && c >= p.Max || p.Group != nil && c > 0 {
			continue
		}
		allowed = append(allowed, particleName(p))
		if !satisfied(p, c) {
			break
		}
	}
	if len(allowed) == 0 {
		return "no more child elements in " + top.name
	}
	return "one of " + strings.Join(allowed, ", ") + " here (the schema's order)"
}

func names(ps []Particle) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Name
	}
	return strings.Join(s, ", ")
}

// attrs checks the attributes of the element just pushed.
func (v *Validator) attrs(attrs []xml.Attr, line int) {
	top := &v.stack[len(v.stack)-1]
	var decl []Attribute
	if top.typ != Wildcard {
		decl = v.s.Types[top.typ].Attrs
	}
	var seen uint64
	for _, a := range attrs {
		switch {
		case a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns":
			continue
		case a.Name.Space == XSINamespace:
			// The schema-instance namespace has exactly these four
			// attributes; any other name in it is invalid everywhere.
			switch a.Name.Local {
			case "schemaLocation", "noNamespaceSchemaLocation", "type", "nil":
			default:
				v.fail(line, false, "xsi:"+a.Name.Local, a.Value, "no such schema-instance attribute (xsi:schemaLocation, xsi:noNamespaceSchemaLocation, xsi:type or xsi:nil)")
			}
			continue
		}
		found := false
		for i, d := range decl {
			if a.Name.Space == "" && a.Name.Local == d.Name {
				found = true
				seen |= 1 << i
				v.abuf = append(v.abuf[:0], a.Value...)
				if exp, ok := v.simple(&v.s.Simples[d.Simple], v.abuf); !ok {
					v.fail(line, false, d.Name, a.Value, exp)
				}
			}
		}
		if !found {
			v.fail(line, false, a.Name.Local, a.Value, "no attribute "+a.Name.Local+" on "+top.name)
		}
	}
	for i, d := range decl {
		if d.Required && seen&(1<<i) == 0 {
			v.fail(line, true, d.Name, "", "attribute "+d.Name+" (required)")
		}
	}
}

// Text adds character data to the open element.
func (v *Validator) Text(b []byte, line int) {
	if len(v.stack) == 0 {
		return
	}
	top := &v.stack[len(v.stack)-1]
	if top.typ == Wildcard {
		return
	}
	if top.kind == Simple {
		if top.textBad {
			return
		}
		if len(v.text)-int(top.textAt)+len(b) > MaxValue {
			// No ISO 20022 simple type comes near: a broken or hostile
			// file must not grow the buffer.
			top.textBad = true
			v.fail(line, false, "", "", fmt.Sprintf("a value of at most %d bytes", MaxValue))
			return
		}
		v.text = append(v.text, b...)
		return
	}
	if top.textBad || isIndent(b) {
		// Indentation between elements, most text tokens of a file: one
		// memory compare instead of the loop.
		return
	}
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			top.textBad = true
			v.fail(line, false, "", clip(string(b)), "only child elements and XML white space (space, tab, CR, LF) in "+top.name)
			return
		}
	}
}

// End closes the open element.
func (v *Validator) End(line int) {
	top := &v.stack[len(v.stack)-1]
	if top.typ != Wildcard {
		switch top.kind {
		case Simple:
			if top.textBad {
				break // too long, reported
			}
			val := v.text[top.textAt:]
			ti := &v.info[top.typ]
			if n := int32(len(val)); ti.textMax > -2 && n >= ti.textMin && (ti.textMax < 0 || n <= ti.textMax) {
				break // Max35Text and the like: most values
			}
			if last := v.lastOK[ti.simple]; last != nil && string(last) == string(val) {
				break
			}
			if exp, ok := v.simple(&v.s.Simples[ti.simple], val); !ok {
				v.fail(line, false, "", string(val), exp)
			} else if len(val) <= 64 {
				v.lastOK[ti.simple] = append(v.lastOK[ti.simple][:0], val...)
			}
		case Sequence:
			t := &v.s.Types[top.typ]
			for pos := int(top.pos); pos <= int(v.info[top.typ].lastReq); pos++ {
				c := 0
				if pos == int(top.pos) {
					c = int(top.count)
				}
				if p := &t.Children[pos]; !satisfied(p, c) {
					v.failChild(line, true, particleName(p), "", particleName(p)+" in "+top.name+" (required)")
				}
			}
		case Choice:
			t := &v.s.Types[top.typ]
			switch {
			case !top.chosen && len(t.Children) > 0:
				v.failChild(line, true, t.Children[0].Name, "", "one of "+names(t.Children)+" in "+top.name+" (required)")
			case top.chosen && int(top.count) < t.Children[top.pos].Min:
				p := &t.Children[top.pos]
				v.failChild(line, true, p.Name, "", "another "+p.Name+" in "+top.name+" (required)")
			}
		}
	}
	v.text = v.text[:top.textAt]
	v.stack = v.stack[:len(v.stack)-1]
}

// clip shortens a value for a message.
func clip(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
