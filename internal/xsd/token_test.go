package xsd

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsIndent(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"\n", true},
		{"\n    ", true},
		{"\r\n  ", true},
		{"\n\t\t\t", true},
		{"\n" + strings.Repeat(" ", len(blanks)), true},
		{"\n" + strings.Repeat(" ", len(blanks)+1), false}, // Text's loop decides
		{"", false},
		{"  \n", false},
		{"\n \t", false},
		{"\n\t ", false},
		{"\n  x", false},
		{"\n\u00a0", false},
		{"\r", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, isIndent([]byte(tt.in)), "%q", tt.in)
	}
}

// tok is one token of a document, for feeding either entry point.
type tok struct {
	kind  TokenKind
	name  string
	attrs []xml.Attr
	text  string
}

// tokenSchema has what Token's shortcuts touch: sequences (the transition
// cache), a choice, element-only content (indentation), pattern, enum,
// length and decimal types (the last-valid-value cache) and an attribute.
func tokenSchema() *Schema {
	st := func(name string, base Builtin) SimpleType {
		return SimpleType{Name: name, Base: base, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1}
	}
	ccy := st("Ccy", String)
	ccy.Patterns = []int{0}
	cd := st("Cd", String)
	cd.Enum = []string{"SEPA", "URGP"}
	max4 := st("Max4", String)
	max4.MinLength, max4.MaxLength = 1, 4
	amt := st("Amt", Decimal)
	amt.TotalDigits, amt.FractionDigits, amt.MinInclusive = 18, 2, "0"
	return &Schema{
		Name: "t", Namespace: "urn:t",
		Root: []Particle{{Name: "R", Type: 0, Min: 1, Max: 1}},
		Types: []Type{
			/* 0 */ {Name: "R", Kind: Sequence, Children: []Particle{{Name: "T", Type: 1, Min: 1, Max: Unbounded}}},
			/* 1 */ {Name: "T", Kind: Sequence, Children: []Particle{
				{Name: "Id", Type: 2, Min: 1, Max: 1},
				{Name: "Cd", Type: 3, Min: 0, Max: 2},
				{Name: "Amt", Type: 4, Min: 1, Max: 1},
				{Min: 0, Max: 1, Group: []Particle{{Name: "X", Type: 2, Min: 1, Max: 1}, {Name: "Y", Type: 5, Min: 1, Max: 1}}},
				{Name: "Ch", Type: 6, Min: 0, Max: 1},
			}},
			/* 2 */ {Name: "Max4", Kind: Simple, Simple: 2},
			/* 3 */ {Name: "Cd", Kind: Simple, Simple: 1},
			/* 4 */ {Name: "Amt", Kind: Simple, Simple: 3, Attrs: []Attribute{{Name: "Ccy", Simple: 0, Required: true}}},
			/* 5 */ {Name: "Ccy", Kind: Simple, Simple: 0},
			/* 6 */ {Name: "Ch", Kind: Choice, Children: []Particle{{Name: "A", Type: 2, Min: 1, Max: 1}, {Name: "B", Type: 3, Min: 1, Max: 3}}},
		},
		Simples:  []SimpleType{ccy, cd, max4, amt},
		Patterns: []Pattern{{XSD: "[A-Z]{3,3}", Go: `^(?:[A-Z]{3})$`}},
	}
}

// randomDoc writes a document of n transactions, each element and value
// right most of the time and wrong in one of several ways otherwise.
func randomDoc(rnd *rand.Rand, n int) []tok {
	pick := func(s ...string) string { return s[rnd.IntN(len(s))] }
	indent := func(depth int) tok {
		return tok{kind: TextToken, text: pick("\n"+strings.Repeat("  ", depth), "\r\n"+strings.Repeat("\t", depth), " ", "\n \t", "\n  x", "\u00a0")}
	}
	var doc []tok
	el := func(depth int, name string, attrs []xml.Attr, value string) {
		doc = append(doc, indent(depth), tok{kind: StartToken, name: name, attrs: attrs})
		if value != "" || rnd.IntN(4) == 0 {
			doc = append(doc, tok{kind: TextToken, text: value})
		}
		doc = append(doc, tok{kind: EndToken})
	}
	doc = append(doc, tok{kind: StartToken, name: "R"})
	for range n {
		doc = append(doc, indent(1), tok{kind: StartToken, name: "T"})
		names := []string{"Id", "Cd", "Cd", "Amt", pick("X", "Y", "Z"), "Ch"}
		if rnd.IntN(3) == 0 {
			// Drop, repeat or swap an element.
			i, j := rnd.IntN(len(names)), rnd.IntN(len(names))
			switch rnd.IntN(3) {
			case 0:
				names = append(names[:i], names[i+1:]...)
			case 1:
				names = append(names[:i+1], names[i:]...)
			default:
				names[i], names[j] = names[j], names[i]
			}
		}
		for _, name := range names {
			switch name {
			case "Id", "X", "Z":
				el(2, name, nil, pick("a", "abcd", "abcde", ""))
			case "Cd":
				el(2, name, nil, pick("SEPA", "SEPA", "URGP", "sepa", ""))
			case "Amt":
				attrs := []xml.Attr{{Name: xml.Name{Local: "Ccy"}, Value: pick("EUR", "EUR", "eur")}}
				if rnd.IntN(8) == 0 {
					attrs = nil
				}
				el(2, name, attrs, pick("1.00", "1.00", " 2.5 ", "-1", "1.234", "x"))
			case "Y":
				el(2, name, nil, pick("CHF", "CHF", "EUR", "EU"))
			case "Ch":
				doc = append(doc, indent(2), tok{kind: StartToken, name: "Ch"})
				for range rnd.IntN(4) {
					el(3, pick("A", "B", "B"), nil, pick("SEPA", "ab"))
				}
				doc = append(doc, indent(2), tok{kind: EndToken})
			}
		}
		doc = append(doc, indent(1), tok{kind: EndToken})
	}
	return append(doc, tok{kind: TextToken, text: "\n"}, tok{kind: EndToken}, tok{kind: EndToken})
}

// Token, and Start/Text/End given LineLater, report exactly what
// Start, Text and End given the line report, at the same lines, for valid
// and broken documents alike.
func TestValidator_TokenMatchesStartTextEnd(t *testing.T) {
	s := tokenSchema()
	record := func(got *[]string) func(*Error) {
		return func(e *Error) {
			var p []string
			for _, st := range e.Path {
				p = append(p, fmt.Sprintf("%s[%d]", st.Name, st.Index))
			}
			*got = append(*got, fmt.Sprintf("%d %s @%s %q missing=%t: %s", e.Line, strings.Join(p, "/"), e.Attr, e.Value, e.Missing, e.Expected))
		}
	}
	reported := 0
	for seed := range uint64(200) {
		doc := randomDoc(rand.New(rand.NewPCG(seed, 15)), 1+int(seed%7))
		var want, got, later []string
		slow := New(s, record(&want))
		fast := New(s, record(&got))
		late := New(s, record(&later))
		line := 0
		fast.SetLine(func() int { return line })
		late.SetLine(func() int { return line })
		for i, tk := range doc {
			line = 10 + i
			name := xml.Name{Space: "urn:t", Local: tk.name}
			switch {
			case i == 0:
				slow.Start(name, tk.attrs, line)
				fast.Start(name, tk.attrs, line)
				late.Start(name, tk.attrs, line)
				continue
			case tk.kind == StartToken:
				slow.Start(name, tk.attrs, line)
				late.Start(name, tk.attrs, LineLater)
			case tk.kind == TextToken:
				slow.Text([]byte(tk.text), line)
				late.Text([]byte(tk.text), LineLater)
			case slow.Depth() > 0:
				slow.End(line)
				late.End(LineLater)
			}
			fast.Token(tk.kind, name, tk.attrs, []byte(tk.text))
		}
		require.Equal(t, want, got, "seed %d", seed)
		require.Equal(t, want, later, "seed %d", seed)
		require.Equal(t, slow.Errors, fast.Errors)
		reported += len(got)
	}
	// The documents must have broken rules, or the comparison says little.
	assert.Greater(t, reported, 200)
}

// The last-valid-value cache keeps nothing that failed: a wrong value is
// reported every time, also right after a valid one and when repeated.
func TestValidator_LastValidValue(t *testing.T) {
	s := tokenSchema()
	var got []string
	v := New(s, func(e *Error) { got = append(got, e.Value) })
	v.SetLine(func() int { return 1 })
	v.Start(xml.Name{Space: "urn:t", Local: "R"}, nil, 1)
	for _, cd := range []string{"SEPA", "SEPA", "sepa", "sepa", "SEPA", "URGP", "SEPAX"} {
		for _, tk := range []tok{{kind: StartToken, name: "T"}, {kind: StartToken, name: "Id"}, {kind: TextToken, text: "a"}, {kind: EndToken},
			{kind: StartToken, name: "Cd"}, {kind: TextToken, text: cd}, {kind: EndToken},
			{kind: StartToken, name: "Amt", attrs: []xml.Attr{{Name: xml.Name{Local: "Ccy"}, Value: "EUR"}}}, {kind: TextToken, text: "1"}, {kind: EndToken},
			{kind: EndToken}} {
			v.Token(tk.kind, xml.Name{Space: "urn:t", Local: tk.name}, tk.attrs, []byte(tk.text))
		}
	}
	assert.Equal(t, []string{"sepa", "sepa", "SEPAX"}, got)
}

// The fast path allocates nothing per token.
func TestValidator_TokenAllocs(t *testing.T) {
	s := tokenSchema()
	v := New(s, nil)
	v.Start(xml.Name{Space: "urn:t", Local: "R"}, nil, 1)
	ccy := []xml.Attr{{Name: xml.Name{Local: "Ccy"}, Value: "EUR"}}
	var doc []tok
	for _, tk := range []tok{{kind: TextToken, text: "\n  "}, {kind: StartToken, name: "T"}, {kind: TextToken, text: "\n    "}, {kind: StartToken, name: "Id"}, {kind: TextToken, text: "ab"}, {kind: EndToken},
		{kind: TextToken, text: "\n    "}, {kind: StartToken, name: "Amt", attrs: ccy}, {kind: TextToken, text: "12.50"}, {kind: EndToken},
		{kind: TextToken, text: "\n    "}, {kind: StartToken, name: "Y"}, {kind: TextToken, text: "CHF"}, {kind: EndToken},
		{kind: TextToken, text: "\n  "}, {kind: EndToken}} {
		doc = append(doc, tk)
	}
	texts := make([][]byte, len(doc))
	for i, tk := range doc {
		texts[i] = []byte(tk.text)
	}
	run := func() {
		for i, tk := range doc {
			v.Token(tk.kind, xml.Name{Space: "urn:t", Local: tk.name}, tk.attrs, texts[i])
		}
	}
	run() // fill the caches and buffers
	assert.Zero(t, testing.AllocsPerRun(100, run))
	assert.Zero(t, v.Errors)
}
