// Package isoxml is what the ISO 20022 renderers (camt053, pain002) share:
// a small writer of indented XML and the cleaning of text for the
// schemas' restricted string types. It does no I/O beyond the writer it is
// given.
package isoxml

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// Writer writes indented XML to a buffered writer and keeps the first
// write error, so that render code reads like the document it produces.
// It is deliberately tiny: element order is what the schemas care about,
// and writing tokens in order (instead of marshalling nested structs)
// keeps every version's order visible in one place and never builds the
// document in memory twice.
type Writer struct {
	w     *bufio.Writer
	depth int
	err   error
}

// NewWriter writes to w through a 64 KiB buffer.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Str writes s as is.
func (x *Writer) Str(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// newlineIndent is a line break and the indentation of the deepest
// levels, written as one slice: long documents (a camt.054 of 100,000
// entries) have millions of indents.
var newlineIndent = "\n" + strings.Repeat("  ", 32)

// Indent starts a new line at the current depth.
func (x *Writer) Indent() {
	if x.depth <= 32 {
		x.Str(newlineIndent[:1+2*x.depth])
		return
	}
	x.Str("\n")
	for range x.depth {
		x.Str("  ")
	}
}

// Declaration writes the XML declaration; it must come first.
func (x *Writer) Declaration() {
	x.Str(`<?xml version="1.0" encoding="UTF-8"?>`)
}

// Open writes a start tag on a new line; attrs are name/value pairs.
func (x *Writer) Open(name string, attrs ...string) {
	x.Indent()
	x.Tag(name, attrs)
	x.depth++
}

// Close writes the end tag matching the last open.
func (x *Writer) Close(name string) {
	x.depth--
	x.Indent()
	x.Str("</")
	x.Str(name)
	x.Str(">")
}

// Leaf writes <name attrs>value</name>; value is escaped.
func (x *Writer) Leaf(name, value string, attrs ...string) {
	x.Indent()
	x.Tag(name, attrs)
	x.Escape(value)
	x.Str("</")
	x.Str(name)
	x.Str(">")
}

// LeafBytes is Leaf with the value in a byte slice the caller reuses (an
// amount formatted in place), so no string is made for it.
func (x *Writer) LeafBytes(name string, value []byte, attrs ...string) {
	x.Indent()
	x.Tag(name, attrs)
	if bytes.ContainsAny(value, `&<>"'`) {
		x.Escape(string(value))
	} else if x.err == nil {
		_, x.err = x.w.Write(value)
	}
	x.Str("</")
	x.Str(name)
	x.Str(">")
}

// Empty writes <name/>.
func (x *Writer) Empty(name string) {
	x.Indent()
	x.Str("<")
	x.Str(name)
	x.Str("/>")
}

// OptLeaf writes a leaf only when value is not empty.
func (x *Writer) OptLeaf(name, value string) {
	if value != "" {
		x.Leaf(name, value)
	}
}

// Tag writes a start tag; attrs are name/value pairs.
func (x *Writer) Tag(name string, attrs []string) {
	x.Str("<")
	x.Str(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		x.Str(" ")
		x.Str(attrs[i])
		x.Str(`="`)
		x.Escape(attrs[i+1])
		x.Str(`"`)
	}
	x.Str(">")
}

// Escape writes s with the five XML-significant characters escaped. Text
// reaching here has been through CleanText (or is a code, date or
// number), so it holds no characters XML forbids.
func (x *Writer) Escape(s string) {
	if !strings.ContainsAny(s, `&<>"'`) {
		x.Str(s)
		return
	}
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		default:
			continue
		}
		x.Str(s[last:i])
		x.Str(esc)
		last = i + 1
	}
	x.Str(s[last:])
}

// Finish flushes the buffer and returns the first error.
func (x *Writer) Finish() error {
	x.Str("\n")
	if x.err != nil {
		return x.err
	}
	return x.w.Flush()
}
