package xsd

import (
	"math/bits"
	"regexp"
	"regexp/syntax"
	"sync"
	"unicode/utf8"
)

// matcher matches one Pattern. Values of up to 63 bytes — every code and
// identifier ISO 20022 constrains by pattern — go through a set-of-positions
// simulation of the pattern's tree (a uint64 is the set), which costs no
// allocation and no backtracking; longer values through Go's regexp.
type matcher struct {
	root *mnode // nil: regexp only
	re   *regexp.Regexp
	// flat is the pattern as a run of segments when it is one (nil
	// otherwise): a faster path for root's language.
	flat []segment
}

// segment is a character class and the numbers of characters of it the
// pattern allows in a row, as a set (bit n: n characters).
type segment struct {
	class *mnode
	lens  uint64
}

type mop uint8

const (
	mClass mop = iota
	mConcat
	mAlt
	mRepeat
	mEmpty
)

type mnode struct {
	op       mop
	ascii    [2]uint64 // mClass: code points below 128
	ranges   []rune    // mClass: pairs lo, hi at or above 128
	subs     []*mnode
	min, max int // mRepeat; max -1 unbounded
}

var compileMu sync.Mutex

// typeInfo is what the Validator looks up about a type on every token,
// packed small: the Types slice's 80-byte entries spread over many cache
// lines.
type typeInfo struct {
	kind     Kind
	hasAttrs bool
	simple   int32 // Simple: index into Schema.Simples
	lastReq  int32 // Sequence: index of the last required particle, -1 none
	// textMax > -2 says the simple type is a string restricted by length
	// alone, at least textMin (0 or 1) and at most textMax characters
	// (-1: no maximum): a value within those bounds in bytes is within
	// them in characters too, so End checks it without the SimpleType.
	textMin, textMax int32
	// transAt is where the type's particles start in a Validator's
	// transition cache (Sequence).
	transAt int32
	// nkids is the number of particles (Sequence).
	nkids int32
	// reqBefore[i] is the number of required particles before Children[i]
	// (Sequence): whether the particles an element skips were all
	// optional is one subtraction.
	reqBefore []int32
}

// compiled returns the schema's compiled patterns and, per type, its
// typeInfo.
func (s *Schema) compiled() ([]*matcher, []typeInfo) {
	compileMu.Lock()
	defer compileMu.Unlock()
	if s.matchers == nil {
		ms := make([]*matcher, len(s.Patterns))
		for i, p := range s.Patterns {
			ms[i] = compilePattern(p.Go)
		}
		info := make([]typeInfo, len(s.Types))
		trans := 0
		for i, t := range s.Types {
			info[i] = typeInfo{kind: t.Kind, hasAttrs: len(t.Attrs) > 0, simple: int32(t.Simple), lastReq: -1,
				reqBefore: make([]int32, len(t.Children)+1)}
			if t.Kind == Sequence {
				info[i].transAt, info[i].nkids = int32(trans), int32(len(t.Children))
				trans += len(t.Children)
			}
			info[i].textMax = -2
			if t.Kind == Simple {
				st := &s.Simples[t.Simple]
				if st.Base == String && st.Length < 0 && st.MinLength <= 1 && len(st.Patterns) == 0 && len(st.Enum) == 0 {
					info[i].textMin, info[i].textMax = int32(max(st.MinLength, 0)), int32(st.MaxLength)
				}
			}
			for j := range t.Children {
				info[i].reqBefore[j+1] = info[i].reqBefore[j]
				if !satisfied(&t.Children[j], 0) {
					info[i].lastReq = int32(j)
					info[i].reqBefore[j+1]++
				}
			}
		}
		s.matchers, s.info, s.transitions = ms, info, trans
	}
	return s.matchers, s.info
}

// compilePattern panics on a pattern that does not compile: the generator
// compiled every one, so that is a bug in the generated file.
func compilePattern(goPattern string) *matcher {
	m := &matcher{re: regexp.MustCompile(goPattern)}
	re, err := syntax.Parse(goPattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	m.root = build(re.Simplify())
	if m.root != nil {
		m.flat = flatten(re)
	}
	return m
}

// flatten returns re (as parsed, before Simplify expands its counted
// repetitions) as segments of which all but the last have one length —
// [A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30} (IBAN), [A-Z]{3} (currency), a BIC's
// [A-Z]{6}…([A-Z0-9]{3}){0,1} — or nil for any other shape. Such a pattern
// has one way to split a value, so matching is one walk over it with no
// set of positions to keep.
func flatten(re *syntax.Regexp) []segment {
	var segs []segment
	var add func(re *syntax.Regexp) bool
	add = func(re *syntax.Regexp) bool {
		switch re.Op {
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				if !add(sub) {
					return false
				}
			}
			return true
		case syntax.OpCapture:
			return add(re.Sub[0])
		case syntax.OpBeginText, syntax.OpEndText, syntax.OpEmptyMatch:
			return true
		case syntax.OpLiteral:
			for _, r := range re.Rune {
				if !addSeg(&segs, segment{class: classOf([]rune{r, r}), lens: 1 << 1}) {
					return false
				}
			}
			return true
		}
		seg, ok := segmentOf(re)
		return ok && addSeg(&segs, seg)
	}
	if !add(re) || len(segs) == 0 {
		return nil
	}
	return segs
}

// addSeg appends seg unless the segment before it varies in length.
func addSeg(segs *[]segment, seg segment) bool {
	if n := len(*segs); n > 0 && bits.OnesCount64((*segs)[n-1].lens) != 1 {
		return false
	}
	*segs = append(*segs, seg)
	return true
}

// segmentOf returns re as one segment: a class, an alternation of
// classes, or a repetition of a segment of one length.
func segmentOf(re *syntax.Regexp) (segment, bool) {
	switch re.Op {
	case syntax.OpCharClass:
		return segment{class: classOf(re.Rune), lens: 1 << 1}, true
	case syntax.OpLiteral:
		if len(re.Rune) == 1 && re.Flags&syntax.FoldCase == 0 {
			return segment{class: classOf([]rune{re.Rune[0], re.Rune[0]}), lens: 1 << 1}, true
		}
	case syntax.OpCapture:
		return segmentOf(re.Sub[0])
	case syntax.OpAlternate:
		var pairs []rune
		for _, sub := range re.Sub {
			if sub.Op != syntax.OpCharClass {
				return segment{}, false
			}
			pairs = append(pairs, sub.Rune...)
		}
		return segment{class: classOf(pairs), lens: 1 << 1}, true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		inner, ok := segmentOf(re.Sub[0])
		if !ok || bits.OnesCount64(inner.lens) != 1 {
			return segment{}, false
		}
		k := bits.TrailingZeros64(inner.lens)
		lo, hi := re.Min, re.Max
		switch re.Op {
		case syntax.OpStar:
			lo, hi = 0, -1
		case syntax.OpPlus:
			lo, hi = 1, -1
		case syntax.OpQuest:
			lo, hi = 0, 1
		}
		if k == 0 {
			return segment{}, false
		}
		var lens uint64
		for i := lo; (hi < 0 || i <= hi) && i*k <= 63; i++ {
			lens |= 1 << (i * k)
		}
		if lens == 0 {
			return segment{}, false
		}
		return segment{class: inner.class, lens: lens}, true
	}
	return segment{}, false
}

// matchFlat is match for a pattern of segments: each but the last takes
// its one length, the last takes the rest.
func matchFlat(segs []segment, s []byte) bool {
	i := 0
	for k := range segs {
		seg := &segs[k]
		last := k == len(segs)-1
		want := bits.TrailingZeros64(seg.lens)
		n := 0
		for i < len(s) && (last || n < want) {
			if b := s[i]; b < utf8.RuneSelf {
				if seg.class.ascii[b/64]&(1<<(b%64)) == 0 {
					return false
				}
				i++
			} else {
				r, size := utf8.DecodeRune(s[i:])
				if !seg.class.has(r) {
					return false
				}
				i += size
			}
			n++
		}
		if n > 63 || seg.lens&(1<<n) == 0 {
			return false
		}
	}
	return i == len(s)
}

// build turns a parsed regexp into an mnode tree, or nil where it uses
// something the simulation does not do (then regexp decides).
func build(re *syntax.Regexp) *mnode {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return &mnode{op: mEmpty}
	case syntax.OpLiteral:
		n := &mnode{op: mConcat}
		for _, r := range re.Rune {
			n.subs = append(n.subs, classOf([]rune{r, r}))
		}
		return n
	case syntax.OpCharClass:
		return classOf(re.Rune)
	case syntax.OpAnyCharNotNL:
		return classOf([]rune{0, '\n' - 1, '\n' + 1, utf8.MaxRune})
	case syntax.OpAnyChar:
		return classOf([]rune{0, utf8.MaxRune})
	case syntax.OpCapture:
		return build(re.Sub[0])
	case syntax.OpConcat, syntax.OpAlternate:
		n := &mnode{op: mConcat}
		if re.Op == syntax.OpAlternate {
			n.op = mAlt
		}
		for _, sub := range re.Sub {
			switch sub.Op {
			case syntax.OpBeginText, syntax.OpEndText:
				continue // the simulation is anchored anyway
			}
			b := build(sub)
			if b == nil {
				return nil
			}
			n.subs = append(n.subs, b)
		}
		return n
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		b := build(re.Sub[0])
		if b == nil {
			return nil
		}
		n := &mnode{op: mRepeat, subs: []*mnode{b}}
		switch re.Op {
		case syntax.OpStar:
			n.min, n.max = 0, -1
		case syntax.OpPlus:
			n.min, n.max = 1, -1
		case syntax.OpQuest:
			n.min, n.max = 0, 1
		default:
			n.min, n.max = re.Min, re.Max
		}
		return n
	case syntax.OpBeginText, syntax.OpEndText:
		return &mnode{op: mEmpty}
	}
	return nil
}

func classOf(pairs []rune) *mnode {
	n := &mnode{op: mClass}
	for i := 0; i < len(pairs); i += 2 {
		lo, hi := pairs[i], pairs[i+1]
		for c := lo; c <= hi && c < 128; c++ {
			n.ascii[c/64] |= 1 << (c % 64)
		}
		if hi >= 128 {
			n.ranges = append(n.ranges, max(lo, 128), hi)
		}
	}
	return n
}

func (n *mnode) has(r rune) bool {
	if r < 128 {
		return n.ascii[r/64]&(1<<(r%64)) != 0
	}
	for i := 0; i < len(n.ranges); i += 2 {
		if r >= n.ranges[i] && r <= n.ranges[i+1] {
			return true
		}
	}
	return false
}

// classRun is ends for a repeated character class ([A-Z]{2,2},
// [a-zA-Z0-9]{1,30}, [...]*), the bulk of ISO 20022 patterns: from each
// start, one walk over the run of class characters.
func (n *mnode) classRun(c *mnode, s []byte, from uint64) uint64 {
	var out uint64
	for f := from; f != 0; f &= f - 1 {
		q := bits.TrailingZeros64(f)
		if n.min == 0 {
			out |= 1 << q
		}
		for k := 0; q < len(s) && (n.max < 0 || k < n.max); {
			b := s[q]
			if b < utf8.RuneSelf {
				if c.ascii[b/64]&(1<<(b%64)) == 0 {
					break
				}
				q++
			} else {
				r, size := utf8.DecodeRune(s[q:])
				if !c.has(r) {
					break
				}
				q += size
			}
			if k++; k >= n.min {
				out |= 1 << q
			}
		}
	}
	return out
}

// match reports whether the whole of s is in the pattern's language.
func (m *matcher) match(s []byte) bool {
	if m.root == nil || len(s) > 63 {
		return m.re.Match(s)
	}
	if m.flat != nil {
		return matchFlat(m.flat, s)
	}
	return m.root.ends(s, 1)&(1<<len(s)) != 0
}

// ends returns the set of positions in s where a match of n can end when
// it may start at any position in from.
func (n *mnode) ends(s []byte, from uint64) uint64 {
	switch n.op {
	case mEmpty:
		return from
	case mClass:
		var out uint64
		for f := from; f != 0; f &= f - 1 {
			p := bits.TrailingZeros64(f)
			if p >= len(s) {
				break
			}
			c := s[p]
			if c < utf8.RuneSelf {
				if n.ascii[c/64]&(1<<(c%64)) != 0 {
					out |= 1 << (p + 1)
				}
				continue
			}
			r, size := utf8.DecodeRune(s[p:])
			if n.has(r) {
				out |= 1 << (p + size)
			}
		}
		return out
	case mConcat:
		cur := from
		for _, sub := range n.subs {
			if cur == 0 {
				return 0
			}
			cur = sub.ends(s, cur)
		}
		return cur
	case mAlt:
		var out uint64
		for _, sub := range n.subs {
			out |= sub.ends(s, from)
		}
		return out
	case mRepeat:
		if c := n.subs[0]; c.op == mClass {
			return n.classRun(c, s, from)
		}
		cur := from
		for i := 0; i < n.min; i++ {
			if cur = n.subs[0].ends(s, cur); cur == 0 {
				return 0
			}
		}
		out := cur
		for i := n.min; n.max < 0 || i < n.max; i++ {
			cur = n.subs[0].ends(s, cur)
			if cur == 0 || (n.max < 0 && out|cur == out) {
				break
			}
			out |= cur
		}
		return out
	}
	return 0
}
