package csvpay

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"
)

// A hand-written scanner instead of encoding/csv because the profile's
// quote character is configurable (or absent), WriteResult needs each
// record's exact byte span to re-emit it untouched, and problems need the
// physical line a record starts on. It runs on any ASCII-compatible bytes.

type segKind int

const (
	segSkipped segKind = iota // a line the profile skips before the header
	segBlank                  // an empty line, or a record of empty fields
	segHeader
	segData
)

// segment is one piece of the file, in order.
type segment struct {
	kind segKind
	row  int // 1-based data row, for segData
	line int // physical line the record starts on
	// The record's bytes are data[start:end]; its line break data[end:next].
	start, end, next int
	// fields are valid until the next call to next. Empty for segSkipped.
	fields []string
	// badQuote is set when text follows a closing quote before the
	// delimiter (`"abc"def`): the value is kept but the row is suspect.
	badQuote bool
}

// errRecordLimit reports a record over one of the profile's caps; the
// walker stops there, having copied none of it.
type errRecordLimit struct {
	line  int
	what  string // "bytes" or "fields"
	limit int
}

func (e errRecordLimit) Error() string {
	return fmt.Sprintf("the record on line %d has more than %d %s", e.line, e.limit, e.what)
}

// errUnclosedQuote reports a quoted field that runs to the end of the file.
type errUnclosedQuote struct{ line int }

func (e errUnclosedQuote) Error() string {
	return fmt.Sprintf("the quoted field that opens on line %d is never closed", e.line)
}

type walker struct {
	data         []byte
	delim, quote byte // quote 0: no quoting
	skip         int  // physical lines still to skip
	wantHeader   bool
	maxRecord    int // bytes
	maxFields    int
	pos, line    int
	rows         int

	buf    []byte
	ends   []int
	fields []string
	seg    segment
}

func newWalker(data []byte, p Profile) *walker {
	return &walker{
		data:       data,
		delim:      byte(p.Delimiter),
		quote:      byte(p.Quote),
		skip:       p.SkipRows,
		wantHeader: p.Header,
		line:       1,
		maxRecord:  cmp.Or(p.MaxRecordBytes, DefaultMaxRecordBytes),
		maxFields:  cmp.Or(p.MaxFields, DefaultMaxFields),
	}
}

// overLimit checks the record read so far against the caps, before its
// bytes are copied.
func (w *walker) overLimit() error {
	switch {
	case w.pos-w.seg.start > w.maxRecord:
		return errRecordLimit{line: w.seg.line, what: "bytes", limit: w.maxRecord}
	case len(w.ends) >= w.maxFields:
		return errRecordLimit{line: w.seg.line, what: "fields", limit: w.maxFields}
	}
	return nil
}

// next returns the next segment, or nil at the end of the data.
func (w *walker) next() (*segment, error) {
	if w.pos >= len(w.data) {
		return nil, nil
	}
	w.seg = segment{start: w.pos, line: w.line}
	if w.skip > 0 {
		w.skip--
		for w.pos < len(w.data) && w.data[w.pos] != '\n' && w.data[w.pos] != '\r' {
			w.pos++
		}
		w.seg.kind = segSkipped
		w.seg.end = w.pos
		w.lineBreak()
		w.seg.next = w.pos
		return &w.seg, nil
	}
	if err := w.record(); err != nil {
		return nil, err
	}
	switch {
	case isBlank(w.fields):
		w.seg.kind = segBlank
	case w.wantHeader:
		w.wantHeader = false
		w.seg.kind = segHeader
	default:
		w.rows++
		w.seg.kind = segData
		w.seg.row = w.rows
	}
	return &w.seg, nil
}

// record reads one record at w.pos into w.fields.
func (w *walker) record() error {
	w.buf, w.ends = w.buf[:0], w.ends[:0]
	data := w.data
	for {
		if w.quote != 0 && w.pos < len(data) && data[w.pos] == w.quote {
			if err := w.quoted(); err != nil {
				return err
			}
		}
		// Unquoted text, or what follows a closing quote. The scan stops
		// just past the record cap, so a huge line is not even read whole.
		from := w.pos
		stop := min(len(data), w.seg.start+w.maxRecord+1)
		for w.pos < stop {
			c := data[w.pos]
			if c == w.delim || c == '\n' || c == '\r' {
				break
			}
			w.pos++
		}
		if err := w.overLimit(); err != nil {
			return err
		}
		w.buf = append(w.buf, data[from:w.pos]...)
		w.ends = append(w.ends, len(w.buf))
		if w.pos < len(data) && data[w.pos] == w.delim {
			w.pos++
			continue
		}
		w.seg.end = w.pos
		w.lineBreak()
		w.seg.next = w.pos
		break
	}
	// One string per record; fields are slices of it.
	s := string(w.buf)
	w.fields = w.fields[:0]
	prev := 0
	for _, e := range w.ends {
		w.fields = append(w.fields, s[prev:e])
		prev = e
	}
	w.seg.fields = w.fields
	return nil
}

// quoted reads a quoted field's content into w.buf, starting at its
// opening quote and leaving w.pos after the closing one. A doubled quote
// is a literal quote; line breaks inside are part of the value.
func (w *walker) quoted() error {
	data := w.data
	w.pos++ // opening quote
	for {
		i := bytes.IndexByte(data[w.pos:], w.quote)
		if i < 0 {
			return errUnclosedQuote{line: w.seg.line}
		}
		if w.pos+i-w.seg.start > w.maxRecord {
			return errRecordLimit{line: w.seg.line, what: "bytes", limit: w.maxRecord}
		}
		chunk := data[w.pos : w.pos+i]
		w.line += countBreaks(chunk)
		w.buf = append(w.buf, chunk...)
		w.pos += i + 1
		if w.pos < len(data) && data[w.pos] == w.quote {
			w.buf = append(w.buf, w.quote)
			w.pos++
			continue
		}
		break
	}
	if w.pos < len(data) {
		if c := data[w.pos]; c != w.delim && c != '\n' && c != '\r' {
			w.seg.badQuote = true
		}
	}
	return nil
}

// lineBreak consumes one "\n", "\r\n" or "\r" at w.pos, if any.
func (w *walker) lineBreak() {
	if w.pos >= len(w.data) {
		return
	}
	switch w.data[w.pos] {
	case '\r':
		w.pos++
		if w.pos < len(w.data) && w.data[w.pos] == '\n' {
			w.pos++
		}
	case '\n':
		w.pos++
	default:
		return
	}
	w.line++
}

// isBlank reports whether every field is empty or white space: an empty
// line, or the ";;;;" rows spreadsheet exports leave at the end.
func isBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
