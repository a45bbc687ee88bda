package camt053

import (
	"bufio"
	"io"
	"strings"
)

// xmlWriter writes indented XML to a buffered writer and keeps the first
// write error, so that render code reads like the document it produces.
// It is deliberately tiny: element order is what the schemas care about,
// and writing tokens in order (instead of marshalling nested structs)
// keeps every version's order visible in one place and never builds the
// document in memory twice.
type xmlWriter struct {
	w     *bufio.Writer
	depth int
	err   error
}

func newXMLWriter(w io.Writer) *xmlWriter {
	return &xmlWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (x *xmlWriter) str(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *xmlWriter) indent() {
	x.str("\n")
	for range x.depth {
		x.str("  ")
	}
}

// declaration writes the XML declaration; it must come first.
func (x *xmlWriter) declaration() {
	x.str(`<?xml version="1.0" encoding="UTF-8"?>`)
}

// open writes a start tag on a new line; attrs are name/value pairs.
func (x *xmlWriter) open(name string, attrs ...string) {
	x.indent()
	x.tag(name, attrs)
	x.depth++
}

// close writes the end tag matching the last open.
func (x *xmlWriter) close(name string) {
	x.depth--
	x.indent()
	x.str("</")
	x.str(name)
	x.str(">")
}

// leaf writes <name attrs>value</name>; value is escaped.
func (x *xmlWriter) leaf(name, value string, attrs ...string) {
	x.indent()
	x.tag(name, attrs)
	x.escape(value)
	x.str("</")
	x.str(name)
	x.str(">")
}

// optLeaf writes a leaf only when value is not empty.
func (x *xmlWriter) optLeaf(name, value string) {
	if value != "" {
		x.leaf(name, value)
	}
}

func (x *xmlWriter) tag(name string, attrs []string) {
	x.str("<")
	x.str(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		x.str(" ")
		x.str(attrs[i])
		x.str(`="`)
		x.escape(attrs[i+1])
		x.str(`"`)
	}
	x.str(">")
}

// escape writes s with the five XML-significant characters escaped. Text
// reaching here has been through cleanText (or is a code, date or
// number), so it holds no characters XML forbids.
func (x *xmlWriter) escape(s string) {
	if !strings.ContainsAny(s, `&<>"'`) {
		x.str(s)
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
		x.str(s[last:i])
		x.str(esc)
		last = i + 1
	}
	x.str(s[last:])
}

// finish flushes the buffer and returns the first error.
func (x *xmlWriter) finish() error {
	x.str("\n")
	if x.err != nil {
		return x.err
	}
	return x.w.Flush()
}
