package xsd

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// TranslatePattern turns an XML Schema regular expression (XSD 1.0
// Appendix F) into Go regexp syntax with the same language:
//
//   - XSD patterns are implicitly anchored: the result is ^(?:...)$;
//   - ^ and $ are ordinary characters in XSD;
//   - . is any character but CR and LF (Go's also matches CR);
//   - \d is any Unicode decimal digit (\p{Nd}), not only 0-9; \s \w \i \c
//     and their negations are XSD's own sets;
//   - \p{IsBlock} names Unicode blocks, which Go does not know;
//   - character class subtraction [a-z-[aeiou]] has no Go form.
//
// Every character class is therefore computed as a set of code points and
// written out as ranges. It returns an error for anything it does not
// know, so that a schema that uses it fails generation instead of being
// checked wrongly.
func TranslatePattern(xsd string) (string, error) {
	t := &translator{src: []rune(xsd)}
	body, err := t.regExp()
	if err != nil {
		return "", fmt.Errorf("pattern %q: %w", xsd, err)
	}
	if t.pos != len(t.src) {
		return "", fmt.Errorf("pattern %q: unexpected %q at %d", xsd, t.src[t.pos], t.pos)
	}
	out := "^(?:" + body + ")$"
	if _, err := regexp.Compile(out); err != nil {
		return "", fmt.Errorf("pattern %q: translation %q does not compile: %w", xsd, out, err)
	}
	return out, nil
}

type translator struct {
	src []rune
	pos int
}

func (t *translator) peek() (rune, bool) {
	if t.pos >= len(t.src) {
		return 0, false
	}
	return t.src[t.pos], true
}

func (t *translator) regExp() (string, error) {
	var b strings.Builder
	for {
		br, err := t.branch()
		if err != nil {
			return "", err
		}
		b.WriteString(br)
		if c, ok := t.peek(); !ok || c != '|' {
			return b.String(), nil
		}
		t.pos++
		b.WriteByte('|')
	}
}

func (t *translator) branch() (string, error) {
	var b strings.Builder
	for {
		c, ok := t.peek()
		if !ok || c == '|' || c == ')' {
			return b.String(), nil
		}
		atom, err := t.atom()
		if err != nil {
			return "", err
		}
		b.WriteString(atom)
		q, err := t.quantifier()
		if err != nil {
			return "", err
		}
		b.WriteString(q)
	}
}

func (t *translator) quantifier() (string, error) {
	c, ok := t.peek()
	if !ok {
		return "", nil
	}
	switch c {
	case '?', '*', '+':
		t.pos++
		return string(c), nil
	case '{':
		end := slices.Index(t.src[t.pos:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed quantifier")
		}
		q := string(t.src[t.pos : t.pos+end+1])
		if !quantRE.MatchString(q) {
			return "", fmt.Errorf("bad quantifier %s", q)
		}
		t.pos += end + 1
		return q, nil
	}
	return "", nil
}

var quantRE = regexp.MustCompile(`^\{[0-9]+(,[0-9]*)?\}$`)

func (t *translator) atom() (string, error) {
	c, _ := t.peek()
	switch c {
	case '(':
		t.pos++
		inner, err := t.regExp()
		if err != nil {
			return "", err
		}
		if c, ok := t.peek(); !ok || c != ')' {
			return "", fmt.Errorf("unclosed group")
		}
		t.pos++
		return "(?:" + inner + ")", nil
	case '[':
		set, err := t.classExpr()
		if err != nil {
			return "", err
		}
		return set.goClass(), nil
	case '.':
		t.pos++
		return rangeSet{{'\n', '\n'}, {'\r', '\r'}}.negate().goClass(), nil
	case '\\':
		set, err := t.escape()
		if err != nil {
			return "", err
		}
		return set.goClass(), nil
	case '?', '*', '+', '{', '}', ']':
		return "", fmt.Errorf("unexpected %q at %d", c, t.pos)
	}
	t.pos++
	return regexp.QuoteMeta(string(c)), nil
}

// classExpr reads [^? group (-[class])? ].
func (t *translator) classExpr() (rangeSet, error) {
	t.pos++ // [
	neg := false
	if c, ok := t.peek(); ok && c == '^' {
		neg = true
		t.pos++
	}
	var set rangeSet
	first := true
	for {
		c, ok := t.peek()
		if !ok {
			return nil, fmt.Errorf("unclosed character class")
		}
		switch {
		case c == ']' && !first:
			t.pos++
			if neg {
				set = set.negate()
			}
			return set.norm(), nil
		case c == '-' && t.pos+1 < len(t.src) && t.src[t.pos+1] == '[':
			t.pos++
			sub, err := t.classExpr()
			if err != nil {
				return nil, err
			}
			if c, ok := t.peek(); !ok || c != ']' {
				return nil, fmt.Errorf("class subtraction must end the class")
			}
			t.pos++
			if neg {
				set = set.negate()
			}
			return set.norm().minus(sub), nil
		}
		first = false
		lo, single, err := t.classChar()
		if err != nil {
			return nil, err
		}
		if single == nil {
			// A range lo-hi?
			if c, ok := t.peek(); ok && c == '-' && t.pos+1 < len(t.src) && t.src[t.pos+1] != ']' && t.src[t.pos+1] != '[' {
				t.pos++
				hi, hs, err := t.classChar()
				if err != nil {
					return nil, err
				}
				if hs != nil || hi < lo {
					return nil, fmt.Errorf("bad range in class")
				}
				set = append(set, rng{lo, hi})
				continue
			}
			set = append(set, rng{lo, lo})
			continue
		}
		set = append(set, single...)
	}
}

// classChar reads one character of a class, or a multi-character escape
// (then the set is returned).
func (t *translator) classChar() (rune, rangeSet, error) {
	c := t.src[t.pos]
	if c != '\\' {
		t.pos++
		return c, nil, nil
	}
	set, multi, err := t.escapeKind()
	if err != nil {
		return 0, nil, err
	}
	if !multi {
		return set[0].lo, nil, nil
	}
	return 0, set, nil
}

// escape reads \x as a set.
func (t *translator) escape() (rangeSet, error) {
	set, _, err := t.escapeKind()
	return set, err
}

// escapeKind reads \x: a single character, or (multi) a multi-character
// escape or a category/block escape.
func (t *translator) escapeKind() (set rangeSet, multi bool, err error) {
	t.pos++ // backslash
	c, ok := t.peek()
	if !ok {
		return nil, false, fmt.Errorf("trailing backslash")
	}
	t.pos++
	switch c {
	case 'n':
		return rangeSet{{'\n', '\n'}}, false, nil
	case 'r':
		return rangeSet{{'\r', '\r'}}, false, nil
	case 't':
		return rangeSet{{'\t', '\t'}}, false, nil
	case '\\', '|', '.', '?', '*', '+', '(', ')', '{', '}', '-', '[', ']', '^':
		return rangeSet{{c, c}}, false, nil
	case 's':
		return rangeSet{{'\t', '\n'}, {'\r', '\r'}, {' ', ' '}}.norm(), true, nil
	case 'S':
		return rangeSet{{'\t', '\n'}, {'\r', '\r'}, {' ', ' '}}.norm().negate(), true, nil
	case 'd':
		return fromTable(unicode.Nd), true, nil
	case 'D':
		return fromTable(unicode.Nd).negate(), true, nil
	case 'w':
		return wordSet(), true, nil
	case 'W':
		return wordSet().negate(), true, nil
	case 'p', 'P':
		if c, ok := t.peek(); !ok || c != '{' {
			return nil, false, fmt.Errorf(`\p without {`)
		}
		end := slices.Index(t.src[t.pos:], '}')
		if end < 0 {
			return nil, false, fmt.Errorf(`unclosed \p{`)
		}
		name := string(t.src[t.pos+1 : t.pos+end])
		t.pos += end + 1
		set, err := property(name)
		if err != nil {
			return nil, false, err
		}
		if c == 'P' {
			set = set.negate()
		}
		return set, true, nil
	}
	return nil, false, fmt.Errorf(`unsupported escape \%c`, c)
}

// wordSet is \w: everything but punctuation, separators and "other".
func wordSet() rangeSet {
	var s rangeSet
	for _, tab := range []*unicode.RangeTable{unicode.P, unicode.Z, unicode.C} {
		s = append(s, fromTable(tab)...)
	}
	return s.norm().negate()
}

// blocks are the Unicode blocks \p{IsX} may name that ISO 20022 schemas
// use; another name fails generation (add it here from the Unicode
// Blocks.txt).
var blocks = map[string]rng{
	"BasicLatin":              {0x0000, 0x007F},
	"Latin-1Supplement":       {0x0080, 0x00FF},
	"LatinExtended-A":         {0x0100, 0x017F},
	"LatinExtended-B":         {0x0180, 0x024F},
	"LatinExtendedAdditional": {0x1E00, 0x1EFF},
	"GeneralPunctuation":      {0x2000, 0x206F},
	"CurrencySymbols":         {0x20A0, 0x20CF},
}

func property(name string) (rangeSet, error) {
	if b, ok := strings.CutPrefix(name, "Is"); ok {
		r, ok := blocks[b]
		if !ok {
			return nil, fmt.Errorf("unknown Unicode block %q", b)
		}
		return rangeSet{r}, nil
	}
	tab, ok := unicode.Categories[name]
	if !ok {
		return nil, fmt.Errorf("unknown Unicode category %q", name)
	}
	return fromTable(tab), nil
}

type rng struct{ lo, hi rune }

// rangeSet is a set of code points; norm sorts and merges it.
type rangeSet []rng

func fromTable(tab *unicode.RangeTable) rangeSet {
	var s rangeSet
	for _, r := range tab.R16 {
		if r.Stride == 1 {
			s = append(s, rng{rune(r.Lo), rune(r.Hi)})
			continue
		}
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			s = append(s, rng{c, c})
		}
	}
	for _, r := range tab.R32 {
		if r.Stride == 1 {
			s = append(s, rng{rune(r.Lo), rune(r.Hi)})
			continue
		}
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			s = append(s, rng{c, c})
		}
	}
	return s.norm()
}

func (s rangeSet) norm() rangeSet {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b rng) int { return int(a.lo - b.lo) })
	var out rangeSet
	for _, r := range s {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s rangeSet) negate() rangeSet {
	s = s.norm()
	var out rangeSet
	next := rune(0)
	for _, r := range s {
		if r.lo > next {
			out = append(out, rng{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= utf8.MaxRune {
		out = append(out, rng{next, utf8.MaxRune})
	}
	return out
}

func (s rangeSet) minus(t rangeSet) rangeSet {
	// s ∩ ¬t, by merging the two sorted lists.
	nt := t.negate()
	var out rangeSet
	i, j := 0, 0
	for i < len(s) && j < len(nt) {
		lo, hi := max(s[i].lo, nt[j].lo), min(s[i].hi, nt[j].hi)
		if lo <= hi {
			out = append(out, rng{lo, hi})
		}
		if s[i].hi < nt[j].hi {
			i++
		} else {
			j++
		}
	}
	return out.norm()
}

// goClass writes the set as a Go character class of \x{} ranges.
func (s rangeSet) goClass() string {
	if len(s) == 0 {
		return `[^\x00-\x{10FFFF}]` // matches nothing
	}
	var b strings.Builder
	b.WriteByte('[')
	for _, r := range s {
		fmt.Fprintf(&b, `\x{%x}`, r.lo)
		if r.hi != r.lo {
			fmt.Fprintf(&b, `-\x{%x}`, r.hi)
		}
	}
	b.WriteByte(']')
	return b.String()
}
