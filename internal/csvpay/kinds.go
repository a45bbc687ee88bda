package csvpay

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// Kinds of CSV route (SPEC §10 kind): what a file's rows are.
const (
	KindPayments       = "payments"
	KindDirectDebits   = "direct_debits"
	KindCounterparties = "counterparties"
)

// eachRow walks the data rows of a decoded file in layout lay, binding the
// columns from the header (or the profile's positions) and calling row for
// each data row of the right width. missing lists the file's missing
// required columns. It returns false when the columns could not be bound
// (the problems are recorded), and the number of data rows.
func (v *validator) eachRow(text []byte, lay *layout, missing func([]column) []string, row func(*rowCtx)) (rows int) {
	w := newWalker(text, v.p)
	var (
		cols   []column
		width  int
		header bool
	)
	bindCols := func(seg *segment) []column {
		var hdr []string
		line := 0
		if seg.kind == segHeader {
			hdr, line = seg.fields, seg.line
		}
		cs, dup := bind(lay, v.p, hdr)
		ok := true
		for _, name := range dup {
			v.probs.add(payrun.Problem{Line: line, Field: "header", Value: name,
				Expected: "each column once (the header names " + name + " more than once)", Code: codeFormat})
			ok = false
		}
		if m := missing(cs); len(m) > 0 {
			p := payrun.Problem{Line: line, Field: "header", Code: codeFormat,
				Expected: "columns " + strings.Join(m, ", ") + " (names are case-insensitive; a csv_profile can map other names)"}
			if hdr != nil {
				p.Value = strings.Join(trimmed(hdr), ", ")
			}
			v.probs.add(p)
			ok = false
		}
		if !ok {
			return nil
		}
		return cs
	}
	for {
		seg, err := w.next()
		var unclosed errUnclosedQuote
		if errors.As(err, &unclosed) {
			v.probs.add(payrun.Problem{Line: unclosed.line, Expected: "a closing quote (" + unclosed.Error() + ")", Code: codeFormat})
			break
		}
		var limit errRecordLimit
		if errors.As(err, &limit) {
			v.probs.add(payrun.Problem{Line: limit.line, Field: "record", Value: "more than " + strconv.Itoa(limit.limit) + " " + limit.what,
				Expected: fmt.Sprintf("a record of at most %d %s", limit.limit, limit.what), Code: codeFormat})
			break
		}
		if err != nil || seg == nil {
			break
		}
		switch seg.kind {
		case segSkipped, segBlank:
			continue
		case segHeader:
			header, width = true, len(seg.fields)
			if cols = bindCols(seg); cols == nil {
				return w.rows
			}
			continue
		}
		if cols == nil {
			width = len(seg.fields)
			if cols = bindCols(seg); cols == nil {
				return w.rows
			}
		}
		r := rowCtx{v: v, seg: seg, cols: cols}
		if len(seg.fields) != width {
			what := "the header's"
			if !header {
				what = "the first row's"
			}
			r.problemAt("", fmt.Sprintf("%d fields", len(seg.fields)),
				fmt.Sprintf("%d fields like %s (check delimiters and quotes)", width, what), codeFormat)
			continue
		}
		if seg.badQuote {
			r.problemAt("", "", "a delimiter right after each closing quote", codeFormat)
		}
		row(&r)
	}
	return w.rows
}

// decodeFor checks the profile and decodes a file's text, as Parse does.
func decodeFor(data []byte, p Profile, what string) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("csv profile %q: %w", p.Name, err)
	}
	text, prob := decodeText(data, p.Encoding)
	if prob != nil {
		return nil, payrun.Problems{*prob}
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, payrun.Problems{*fileProblem(0, "", "", "a header and "+what+" rows (the file is empty)", codeFormat)}
	}
	return text, nil
}

// WriteResultColumns is WriteResult with other appended columns: header
// names them, and results (keyed by 1-based data row) gives each row's
// values in that order. The direct-debit and counterparties result CSVs
// use it (DirectDebitResultHeader, CounterpartyResultHeader). Values
// starting with = + - @ or a tab/CR are prefixed with ' when escape is true
// (result_csv_formulas = "escape"), so a spreadsheet does not run them.
func WriteResultColumns(original []byte, p Profile, header []string, results map[int][]string, escape bool) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("csv profile %q: %w", p.Name, err)
	}
	bomLen, prob := checkText(original, p.Encoding)
	if prob != nil {
		return nil, fmt.Errorf("write result: %s", prob.String())
	}
	enc := encoderFor(p.Encoding)
	delim := byte(p.Delimiter)
	out := make([]byte, 0, len(original)+len(original)/4+64)
	out = append(out, original[:bomLen]...)
	raw := original[bomLen:]
	appendCols := func(vals []string) {
		for i := range header {
			s := ""
			if i < len(vals) {
				s = vals[i]
			}
			if escape && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				s = "'" + s
			}
			out = append(out, delim)
			out = appendField(out, enc(s), delim, byte(p.Quote))
		}
	}
	w := newWalker(raw, p)
	for {
		seg, err := w.next()
		if err != nil {
			return nil, fmt.Errorf("write result: %w", err)
		}
		if seg == nil {
			break
		}
		out = append(out, raw[seg.start:seg.end]...)
		switch seg.kind {
		case segHeader:
			appendCols(header)
		case segData:
			appendCols(results[seg.row])
		}
		out = append(out, raw[seg.end:seg.next]...)
	}
	return out, nil
}
