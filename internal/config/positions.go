package config

import (
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyIndex records where each key of a document is written. The decoder
// reports positions only for its own errors; Validate runs on the decoded
// struct, so this index is what lets its errors name a line.
//
// Keys are spelled as in errors: dotted, with 0-based indexes for arrays
// and arrays of tables ("routes[1].format", "sftp.users[0].authorized_keys[2]").
type keyIndex struct {
	lines   map[string]int // key → 1-based line of its first appearance
	entries []entry        // key-values and array elements, in file order
}

// entry is one value in the document.
type entry struct {
	key       string
	line, col int
	kind      unstable.Kind
	raw       string // the value as written, for scalars only
}

// indexKeys walks doc with go-toml's AST parser. It fails only on a syntax
// error, which the decoder reports better, so callers ignore the error.
func indexKeys(doc []byte) (*keyIndex, error) {
	x := &keyIndex{lines: map[string]int{}}
	var p unstable.Parser
	p.Reset(doc)
	arrays := map[string]int{} // array of tables → elements seen so far
	table := ""
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			line, _ := keyPos(&p, n)
			parts := keyParts(n)
			table = ""
			for i, part := range parts {
				table = joinKey(table, part)
				if i == len(parts)-1 && n.Kind == unstable.ArrayTable {
					x.mark(table, line) // the array itself: its first element
					k := arrays[table]
					arrays[table] = k + 1
					table = indexKey(table, k)
				} else if k := arrays[table]; k > 0 {
					table = indexKey(table, k-1) // [routes.x] after [[routes]]
				}
				x.mark(table, line)
			}
			line, col := keyPos(&p, n)
			x.entries = append(x.entries, entry{key: table, line: line, col: col, kind: n.Kind})
		case unstable.KeyValue:
			x.keyValue(&p, table, n)
		}
	}
	return x, p.Error()
}

// keyValue records a key-value (possibly dotted) under table and walks its
// value.
func (x *keyIndex) keyValue(p *unstable.Parser, table string, n *unstable.Node) {
	line, col := keyPos(p, n)
	key := table
	for _, part := range keyParts(n) {
		key = joinKey(key, part)
		x.mark(key, line)
	}
	x.value(p, key, n.Value(), line, col)
}

// value records v at key and walks into arrays and inline tables.
func (x *keyIndex) value(p *unstable.Parser, key string, v *unstable.Node, line, col int) {
	e := entry{key: key, line: line, col: col, kind: v.Kind}
	switch v.Kind {
	case unstable.Array:
		x.entries = append(x.entries, e)
		it := v.Children()
		for i := 0; it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			cl, cc := line, col
			if c.Kind != unstable.Array { // arrays carry no position of their own
				s := p.Shape(c.Raw)
				cl, cc = s.Start.Line, s.Start.Column
			}
			ck := indexKey(key, i)
			x.mark(ck, cl)
			x.value(p, ck, c, cl, cc)
			i++
		}
	case unstable.InlineTable:
		x.entries = append(x.entries, e)
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				x.keyValue(p, key, c)
			}
		}
	default:
		e.raw = string(p.Raw(v.Raw))
		x.entries = append(x.entries, e)
	}
}

// mark records the first line a key appears on.
func (x *keyIndex) mark(key string, line int) {
	if _, ok := x.lines[key]; !ok {
		x.lines[key] = line
	}
}

// line returns the line of key or, when the key is not in the file (a
// required key left out), of its closest enclosing table or array element,
// which is where the operator has to add it. 0 when none is in the file.
func (x *keyIndex) line(key string) int {
	if x == nil {
		return 0
	}
	for key != "" {
		if l, ok := x.lines[key]; ok {
			return l
		}
		key = parentKey(key)
	}
	return 0
}

// at returns the entry that starts last at or before line:col, which is
// the key-value (or array element) a decoder error at that position is in.
func (x *keyIndex) at(line, col int) (entry, bool) {
	var best entry
	found := false
	if x == nil {
		return best, false
	}
	for _, e := range x.entries {
		if e.line == line && e.col <= col && (!found || e.col >= best.col) {
			best, found = e, true
		}
	}
	return best, found
}

// keyPos is the line and column where the key of n starts.
func keyPos(p *unstable.Parser, n *unstable.Node) (line, col int) {
	it := n.Key()
	if !it.Next() {
		return 0, 0
	}
	s := p.Shape(it.Node().Raw)
	return s.Start.Line, s.Start.Column
}

// keyParts returns the parts of n's (possibly dotted) key.
func keyParts(n *unstable.Node) []string {
	var parts []string
	it := n.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

// joinKey appends one key part, quoting it when it is not a bare TOML key
// so that a profile named "a.b" cannot be mistaken for a nested table.
func joinKey(parent, part string) string {
	if !isBareKey(part) {
		part = strconv.Quote(part)
	}
	if parent == "" {
		return part
	}
	return parent + "." + part
}

// indexKey appends a 0-based array index.
func indexKey(key string, i int) string {
	return key + "[" + strconv.Itoa(i) + "]"
}

// parentKey drops the last part or index of key.
func parentKey(key string) string {
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i >= 0 {
			return key[:i]
		}
	}
	if strings.HasSuffix(key, `"`) { // quoted last part
		if i := strings.LastIndex(key[:len(key)-1], `."`); i >= 0 {
			return key[:i]
		}
		return ""
	}
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[:i]
	}
	return ""
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
