package xsd

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// The patterns of the ISO 20022 schemas and what XSD's regex language
// means by them, where it differs from Go's.
func TestTranslatePattern(t *testing.T) {
	tests := []struct {
		xsd       string
		match, no []string
	}{
		{`[A-Z]{6,6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3,3}){0,1}`,
			[]string{"DEUTDEFF", "DEUTDEFF500", "NEDSZAJJXXX"},
			[]string{"DEUTDEF", "DEUTDEFO", "DEUTDEFF50", "deutdeff", "DEUTDEFF5000", "1EUTDEFF"}},
		{`[A-Z0-9]{4,4}[A-Z]{2,2}[A-Z0-9]{2,2}([A-Z0-9]{3,3}){0,1}`,
			[]string{"1234DEFF", "DEUTDEFFXXX"}, []string{"DEUT1EFF", "DEUTDEFF1"}},
		{`[A-Z]{2,2}[0-9]{2,2}[a-zA-Z0-9]{1,30}`,
			[]string{"DE89370400440532013000", "GB33BUKB20201555555555"},
			[]string{"DE89 3704", "de89370400440532013000", "DE8", "DE89" + strings.Repeat("1", 31)}},
		{`\+[0-9]{1,3}-[0-9()+\-]{1,30}`, []string{"+41-(0)79-123"}, []string{"41-1", "+41-", "+1234-1"}},
		// \d is any Unicode digit in XSD, not only ASCII.
		{`\d{2}`, []string{"12", "١٢"}, []string{"1a", "1"}},
		// ^ and $ are ordinary characters; . is not CR or LF.
		{`a^b$`, []string{"a^b$"}, []string{"ab"}},
		{`a.c`, []string{"abc", "a c", "a★c"}, []string{"a\nc", "a\rc"}},
		// Block escapes and class subtraction (the Swiss SPS text type).
		{`[\p{IsBasicLatin}\p{IsLatin-1Supplement}\p{IsLatinExtended-A}€ȘșȚț-[\p{C}]]+`,
			[]string{"Müller AG", "Ș€", "ő"}, []string{"★", "a\u0007", "a\u00ad", ""}},
		{`([A-Za-z0-9]|[\+|\?|/|\-|:|\(|\)|\.|,|'| ]){1,35}`,
			[]string{"Ab 1/2-3?+(x).,'|"}, []string{"Ä", "a_b", strings.Repeat("a", 36)}},
		{`[a-z-[aeiou]]+`, []string{"bcd"}, []string{"bad"}},
		{`[^a-c]`, []string{"d", "★"}, []string{"a"}},
		{`\s\S\w\W`, []string{" xa!"}, []string{"xxa!"}},
	}
	for _, tt := range tests {
		t.Run(tt.xsd, func(t *testing.T) {
			goPat, err := TranslatePattern(tt.xsd)
			require.NoError(t, err)
			m := compilePattern(goPat)
			re := regexp.MustCompile(goPat)
			for _, s := range tt.match {
				assert.True(t, re.MatchString(s), "regexp should match %q", s)
				assert.True(t, m.match([]byte(s)), "matcher should match %q", s)
			}
			for _, s := range tt.no {
				assert.False(t, re.MatchString(s), "regexp should not match %q", s)
				assert.False(t, m.match([]byte(s)), "matcher should not match %q", s)
			}
		})
	}
}

func TestTranslatePattern_Unsupported(t *testing.T) {
	for _, p := range []string{`\i+`, `\p{IsArmenian}`, `[a-z`, `(ab`, `a{1,x}`, `\p{Xx}`} {
		_, err := TranslatePattern(p)
		assert.Error(t, err, p)
	}
}

// Every pattern of every shared XSD translates, and the set simulation
// agrees with Go's regexp on random strings built from the pattern's own
// characters (so that a good share match).
func TestMatcher_AgreesWithRegexp(t *testing.T) {
	xsds, err := filepath.Glob(sharedtest.XSD(t, "*.xsd"))
	require.NoError(t, err)
	require.NotEmpty(t, xsds)
	attr := regexp.MustCompile(`<xs:pattern value="([^"]*)"`)
	rnd := rand.New(rand.NewPCG(1, 2))
	patterns, flat := 0, 0
	for _, f := range xsds {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range attr.FindAllSubmatch(b, -1) {
			var v struct {
				V string `xml:"v,attr"`
			}
			// Unescape the attribute as an XML parser would.
			require.NoError(t, xml.Unmarshal([]byte(`<x v="`+string(m[1])+`"/>`), &v))
			goPat, err := TranslatePattern(v.V)
			require.NoError(t, err, "%s", filepath.Base(f))
			patterns++
			mt := compilePattern(goPat)
			require.NotNil(t, mt.root, "pattern %q is simulated", v.V)
			alphabet := []rune(v.V + "AZaz09 -ÄéЖ★\u00a0")
			for range 300 {
				n := rnd.IntN(40)
				s := make([]rune, n)
				for i := range s {
					s[i] = alphabet[rnd.IntN(len(alphabet))]
				}
				str := string(s)
				if rnd.IntN(3) == 0 {
					str = strings.Repeat("A", rnd.IntN(12)) + strings.Repeat("1", rnd.IntN(4))
				}
				assert.Equal(t, mt.re.MatchString(str), mt.match([]byte(str)), "pattern %q on %q", v.V, str)
			}
			if mt.flat == nil {
				continue
			}
			// The flat path, on values built from its segments (most
			// random strings above fail on the first character) and on
			// those values with one character changed, added or dropped;
			// the set-of-positions simulation must agree too.
			flat++
			for range 300 {
				str := sampleFlat(rnd, mt.flat, alphabet)
				assert.Equal(t, mt.re.MatchString(str), mt.match([]byte(str)), "flat pattern %q on %q", v.V, str)
				if len(str) <= 63 {
					assert.Equal(t, mt.re.MatchString(str), mt.root.ends([]byte(str), 1)&(1<<len(str)) != 0, "simulated pattern %q on %q", v.V, str)
				}
			}
		}
	}
	t.Logf("%d patterns from %d XSDs, %d flat", patterns, len(xsds), flat)
	// The codes and identifiers every payment carries take the flat path.
	for _, p := range []string{"[A-Z]{3,3}", "[A-Z]{2,2}[0-9]{2,2}[a-zA-Z0-9]{1,30}", "[A-Z]{6,6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3,3}){0,1}", "[A-Z]{2,2}", "[0-9]{1,15}"} {
		goPat, err := TranslatePattern(p)
		require.NoError(t, err)
		assert.NotNil(t, compilePattern(goPat).flat, "%s is flat", p)
	}
}

// sampleFlat returns a value the segments allow, sometimes with one
// character changed, added or dropped.
var classMembers = map[*mnode][]rune{}

func sampleFlat(rnd *rand.Rand, segs []segment, alphabet []rune) string {
	var s []rune
	for _, seg := range segs {
		var lens []int
		for n := range 64 {
			if seg.lens&(1<<n) != 0 {
				lens = append(lens, n)
			}
		}
		n := lens[rnd.IntN(len(lens))]
		members := classMembers[seg.class]
		if members == nil {
			for r := rune(0); r < 0x3100; r++ {
				if seg.class.has(r) {
					members = append(members, r)
				}
			}
			if len(members) == 0 {
				members = []rune{'A'} // a class of only higher code points: values fail
			}
			classMembers[seg.class] = members
		}
		for range n {
			s = append(s, members[rnd.IntN(len(members))])
		}
	}
	switch i := rnd.IntN(len(s) + 1); rnd.IntN(4) {
	case 0:
		if i < len(s) {
			s[i] = alphabet[rnd.IntN(len(alphabet))]
		}
	case 1:
		s = append(s[:i], append([]rune{alphabet[rnd.IntN(len(alphabet))]}, s[i:]...)...)
	case 2:
		if i < len(s) {
			s = append(s[:i], s[i+1:]...)
		}
	}
	return string(s)
}

func TestSimpleValues(t *testing.T) {
	s := &Schema{
		Simples: []SimpleType{
			{Name: "Amt", Base: Decimal, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: 18, FractionDigits: 5, MinInclusive: "0"},
			{Name: "Max3", Base: String, Length: -1, MinLength: 1, MaxLength: 3, TotalDigits: -1, FractionDigits: -1},
			{Name: "D", Base: Date, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1},
			{Name: "DT", Base: DateTime, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1},
			{Name: "B", Base: Boolean, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1},
			{Name: "Cd", Base: String, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1, Enum: []string{"DEBT", "CRED"}},
			{Name: "Max", Base: Decimal, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1, MaxInclusive: "-1.5", MinExclusive: "-10"},
		},
	}
	v := New(s, nil)
	tests := []struct {
		typ   int
		good  []string
		wrong []string
	}{
		{0, []string{"0", "1.5", " 12.34 ", "0.00001", "-0", "+1", ".5", "5.", "1234567890123.12345", "0001234567890123.123450"},
			[]string{"-1", "1.000001", "1e3", "1,5", "", ".", "12345678901234.12345", "1 2"}},
		{1, []string{"a", "abc", "äöü", " a ", "€"}, []string{"", "abcd", "    ", "äöüx"}},
		{2, []string{"2024-02-29", "2023-12-31Z", "2023-01-01+14:00", "-0001-01-01", "10000-01-01"},
			[]string{"2023-02-29", "2023-13-01", " 2023-01-01", "2023-1-01", "0000-01-01", "2023-01-01+14:01", "02023-01-01"}},
		{3, []string{"2023-01-01T10:00:00", "2023-01-01T24:00:00", "2023-01-01T10:00:00.123+01:00"},
			[]string{"2023-01-01T24:00:01", "2023-01-01 10:00:00", "2023-01-01T10:00", "2023-01-01T10:00:00."}},
		{4, []string{"true", "0", " false\n"}, []string{"TRUE", "yes", ""}},
		{5, []string{"DEBT"}, []string{"debt", "DEBT ", ""}},
		{6, []string{"-1.5", "-9.99"}, []string{"-1.4", "-10", "0"}},
	}
	// The same verdicts as an element's content, through End (which
	// decides length-only strings without calling simple).
	endValid := func(typ int, val string) bool {
		doc := &Schema{Namespace: "urn:t", Simples: s.Simples,
			Root:  []Particle{{Name: "R", Type: 0, Min: 1, Max: 1}},
			Types: []Type{{Name: "T", Kind: Simple, Simple: typ}}}
		ev := New(doc, nil)
		ev.Start(xml.Name{Space: "urn:t", Local: "R"}, nil, 1)
		ev.Text([]byte(val), 1)
		ev.End(1)
		return ev.Errors == 0
	}
	for _, tt := range tests {
		st := &s.Simples[tt.typ]
		for _, g := range tt.good {
			_, ok := v.simple(st, []byte(g))
			assert.True(t, ok, "%s: %q should be valid", st.Name, g)
			assert.True(t, endValid(tt.typ, g), "%s: %q should be valid content", st.Name, g)
		}
		for _, w := range tt.wrong {
			exp, ok := v.simple(st, []byte(w))
			assert.False(t, ok, "%s: %q should be invalid", st.Name, w)
			assert.Contains(t, exp, st.Name)
			assert.False(t, endValid(tt.typ, w), "%s: %q should be invalid content", st.Name, w)
		}
	}
}

// A value past MaxValue is reported once and not kept.
func TestValidator_MaxValue(t *testing.T) {
	s := &Schema{
		Namespace: "urn:t",
		Root:      []Particle{{Name: "R", Type: 0, Min: 1, Max: 1}},
		Types:     []Type{{Name: "T", Kind: Simple, Simple: 0}},
		Simples:   []SimpleType{{Name: "S", Base: String, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1}},
	}
	var got []string
	v := New(s, func(e *Error) { got = append(got, e.Expected) })
	v.Start(xml.Name{Space: "urn:t", Local: "R"}, nil, 1)
	chunk := []byte(strings.Repeat("x", 64<<10))
	for range MaxValue/len(chunk) + 2 {
		v.Text(chunk, 1)
	}
	v.End(1)
	assert.Equal(t, []string{"a value of at most 1048576 bytes"}, got)
	assert.LessOrEqual(t, cap(v.text), 2*MaxValue)
}

// The content model: order, cardinality, choices (top-level and nested in
// a sequence), attributes and text in element-only content.
func TestValidator_ContentModel(t *testing.T) {
	const ns = "urn:t"
	none := SimpleType{Name: "Str", Base: String, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1}
	s := &Schema{
		Name: "t", Namespace: ns,
		Root: []Particle{{Name: "R", Type: 0, Min: 1, Max: 1}},
		Types: []Type{
			/* 0 */ {Name: "R", Kind: Sequence, Children: []Particle{
				{Name: "A", Type: 1, Min: 1, Max: 1},
				{Name: "B", Type: 1, Min: 0, Max: 2},
				{Min: 1, Max: 1, Group: []Particle{{Name: "C", Type: 1, Min: 1, Max: 1}, {Name: "D", Type: 2, Min: 1, Max: Unbounded}}},
				{Name: "E", Type: 3, Min: 0, Max: 1},
			}},
			/* 1 */ {Name: "Str", Kind: Simple, Simple: 0},
			/* 2 */ {Name: "Amt", Kind: Simple, Simple: 0, Attrs: []Attribute{{Name: "Ccy", Simple: 0, Required: true}}},
			/* 3 */ {Name: "Ch", Kind: Choice, Children: []Particle{{Name: "X", Type: 1, Min: 1, Max: 1}, {Name: "Y", Type: 1, Min: 1, Max: 1}}},
		},
		Simples: []SimpleType{none},
	}
	type el struct {
		name  string
		attrs []xml.Attr
		kids  []el
		text  string
	}
	var run func(v *Validator, e el)
	run = func(v *Validator, e el) {
		v.Start(xml.Name{Space: ns, Local: e.name}, e.attrs, 1)
		if e.text != "" {
			v.Text([]byte(e.text), 1)
		}
		for _, k := range e.kids {
			run(v, k)
		}
		v.End(1)
	}
	ccy := []xml.Attr{{Name: xml.Name{Local: "Ccy"}, Value: "EUR"}}
	tests := []struct {
		name string
		kids []el
		want []string // Expected texts, in order
	}{
		{"valid with C", []el{{name: "A"}, {name: "C"}}, nil},
		{"valid with D twice, B twice, E", []el{{name: "A"}, {name: "B"}, {name: "B"}, {name: "D", attrs: ccy}, {name: "D", attrs: ccy}, {name: "E", kids: []el{{name: "Y"}}}}, nil},
		{"A missing", []el{{name: "C"}}, []string{"A before C (required)"}},
		{"wrong order", []el{{name: "C"}, {name: "A"}}, []string{"A before C (required)", "one of E here (the schema's order)"}},
		{"B three times", []el{{name: "A"}, {name: "B"}, {name: "B"}, {name: "B"}, {name: "C"}}, []string{"one of C or D here (the schema's order)"}},
		{"C and D", []el{{name: "A"}, {name: "C"}, {name: "D", attrs: ccy}}, []string{"one of E here (the schema's order)"}},
		{"choice missing", []el{{name: "A"}}, []string{"C or D in R (required)"}},
		{"choice of two", []el{{name: "A"}, {name: "C"}, {name: "E", kids: []el{{name: "X"}, {name: "Y"}}}}, []string{"no more child elements after X (a choice of one)"}},
		{"empty choice", []el{{name: "A"}, {name: "C"}, {name: "E"}}, []string{"one of X, Y in E (required)"}},
		{"attribute missing, another given", []el{{name: "A"}, {name: "D", attrs: []xml.Attr{{Name: xml.Name{Local: "Cur"}, Value: "EUR"}}}},
			[]string{"no attribute Cur on D", "attribute Ccy (required)"}},
		{"xsi and xmlns attributes are fine", []el{{name: "A", attrs: []xml.Attr{{Name: xml.Name{Space: XSINamespace, Local: "type"}, Value: "x"}, {Name: xml.Name{Space: "xmlns", Local: "p"}, Value: "urn:p"}}}, {name: "C"}}, nil},
		{"text in element-only content", []el{{name: "A"}, {name: "C"}, {name: "E", text: "\u00a0", kids: []el{{name: "X"}}}}, []string{"only child elements and XML white space (space, tab, CR, LF) in E"}},
		{"child in a simple type", []el{{name: "A", kids: []el{{name: "Z"}}}, {name: "C"}}, []string{"no child elements in A (text only)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			v := New(s, func(e *Error) { got = append(got, e.Expected) })
			run(v, el{name: "R", kids: tt.kids})
			assert.Equal(t, tt.want, got)
			assert.Equal(t, len(tt.want), v.Errors)
		})
	}
}

// The transition cache replays only steps that reported nothing: a
// violation from a state a valid element passed through before is still
// found, each time.
func TestValidator_RepeatedSteps(t *testing.T) {
	const ns = "urn:t"
	str := SimpleType{Name: "Str", Base: String, Length: -1, MinLength: -1, MaxLength: -1, TotalDigits: -1, FractionDigits: -1}
	s := &Schema{
		Name: "t", Namespace: ns,
		Root: []Particle{{Name: "R", Type: 0, Min: 1, Max: 1}},
		Types: []Type{
			/* 0 */ {Name: "R", Kind: Sequence, Children: []Particle{{Name: "T", Type: 1, Min: 1, Max: Unbounded}}},
			/* 1 */ {Name: "T", Kind: Sequence, Children: []Particle{
				{Name: "A", Type: 2, Min: 1, Max: 1},
				{Name: "B", Type: 2, Min: 0, Max: 2},
				{Name: "C", Type: 2, Min: 1, Max: 1},
			}},
			/* 2 */ {Name: "Str", Kind: Simple, Simple: 0},
		},
		Simples: []SimpleType{str},
	}
	var got []string
	v := New(s, func(e *Error) {
		var p []string
		for _, st := range e.Path {
			p = append(p, fmt.Sprintf("%s[%d]", st.Name, st.Index))
		}
		got = append(got, strings.Join(p, "/")+": "+e.Expected)
	})
	v.Start(xml.Name{Space: ns, Local: "R"}, nil, 1)
	for _, children := range [][]string{{"A", "B", "C"}, {"A", "B", "C"}, {"A", "C"}, {"A", "B", "B", "B", "C"}, {"B", "C"}, {"A", "B", "C"}, {"A", "C", "C"}, {"A", "C"}} {
		v.Start(xml.Name{Space: ns, Local: "T"}, nil, 1)
		for _, c := range children {
			v.Start(xml.Name{Space: ns, Local: c}, nil, 1)
			v.Text([]byte("x"), 1)
			v.End(1)
		}
		v.End(1)
	}
	v.End(1)
	assert.Equal(t, []string{
		"R[1]/T[4]/B[1]: one of C here (the schema's order)",
		"R[1]/T[5]/A[1]: A before B (required)",
		"R[1]/T[7]/C[1]: no more child elements in T",
	}, got)
}
