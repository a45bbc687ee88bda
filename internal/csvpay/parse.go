package csvpay

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// Options are what the route and the clock add to a file.
type Options struct {
	Today           string // YYYY-MM-DD, "today" for defaults and the not-in-the-past check
	MaxDaysAhead    int    // 60 if 0
	SourceAccountID string // route default when no source column
	Scheme          string // route default scheme
}

// Parse reads one CSV payment file (one payment run) in profile p.
//
// It returns the run, or payrun.Problems listing every problem of the file
// (all rows, all columns; at most 1000 and a count of the rest), or another
// error when the profile or options themselves are wrong. Validation is
// all-or-nothing: a run is returned only when no row has a problem.
func Parse(data []byte, p Profile, o Options) (*payrun.Run, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("csv profile %q: %w", p.Name, err)
	}
	v, err := newValidator(p, o)
	if err != nil {
		return nil, err
	}
	text, prob := decodeText(data, p.Encoding)
	if prob != nil {
		return nil, payrun.Problems{*prob}
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, payrun.Problems{*fileProblem(0, "", "", "a header and payment rows (the file is empty)", codeFormat)}
	}
	return v.parse(text)
}

// maxPrealloc bounds the rows reserved up front; past it the run grows.
const maxPrealloc = 1 << 17

func (v *validator) parse(text []byte) (*payrun.Run, error) {
	lay := v.p.layout()
	w := newWalker(text, v.p)
	// Size by line count (an upper bound on records): a large run then
	// never regrows its slice or the duplicate-id map. Capped: a file of
	// blank lines must not reserve a payment per line.
	lines := min(bytes.Count(text, []byte{'\n'})+1, maxPrealloc)
	run := &payrun.Run{MsgNameID: "CSV", Payments: make([]payrun.Payment, 0, lines)}
	v.seen = make(map[string]int, lines)
	var (
		cols   []column
		width  int // fields every record must have: the header's, else the first row's
		header bool
	)
	for {
		seg, err := w.next()
		var unclosed errUnclosedQuote
		if errors.As(err, &unclosed) {
			v.probs.add(payrun.Problem{Line: unclosed.line, Expected: "a closing quote (" + unclosed.Error() + ")", Code: codeFormat})
			break
		}
		var limit errRecordLimit
		if errors.As(err, &limit) {
			// Reading stops here: the rest of the file is not looked at.
			key := map[string]string{"bytes": "max_csv_line", "fields": "max_csv_fields"}[limit.what]
			v.probs.add(payrun.Problem{Line: limit.line, Field: "record", Value: "more than " + strconv.Itoa(limit.limit) + " " + limit.what,
				Expected: fmt.Sprintf("a record of at most %d %s (the bridge's [inbound] %s)", limit.limit, limit.what, key), Code: codeFormat})
			break
		}
		if err != nil {
			return nil, err
		}
		if seg == nil {
			break
		}
		switch seg.kind {
		case segSkipped, segBlank:
			continue
		case segHeader:
			header, width = true, len(seg.fields)
			if cols = v.bindColumns(lay, seg); cols == nil {
				return nil, v.probs.result()
			}
			continue
		}
		if cols == nil { // no header: the first row sets the width
			width = len(seg.fields)
			if cols = v.bindColumns(lay, seg); cols == nil {
				return nil, v.probs.result()
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
		var pay payrun.Payment
		var ok bool
		if v.p.Atlar {
			pay, ok = r.atlarRow()
		} else {
			pay, ok = r.defaultRow()
		}
		// Once anything is wrong the run will not be returned; keep
		// checking rows but stop collecting payments.
		if ok && v.probs.empty() {
			run.Payments = append(run.Payments, pay)
		}
	}
	if !v.probs.empty() {
		return nil, v.probs.result()
	}
	if w.rows == 0 {
		what := "payment rows after the header (found none)"
		if !header && v.p.Header {
			what = "a header and payment rows (the file has none)"
		}
		return nil, payrun.Problems{*fileProblem(0, "", "", what, codeFormat)}
	}
	return run, nil
}

// bindColumns locates our columns in the file from its header segment (or
// the first row, for header-less profiles) and reports whole-file problems:
// required columns missing, bound headers that appear twice, positions
// beyond the row. It returns nil when the rows cannot be read.
func (v *validator) bindColumns(lay *layout, seg *segment) []column {
	var header []string
	if seg.kind == segHeader {
		header = seg.fields
	}
	cols, dup := bind(lay, v.p, header)
	line := 0
	if header != nil {
		line = seg.line
	}
	ok := true
	for _, name := range dup {
		v.probs.add(payrun.Problem{Line: line, Field: "header", Value: name,
			Expected: "each column once (the header names " + name + " more than once)", Code: codeFormat})
		ok = false
	}
	for i, c := range cols {
		if c.idx >= len(seg.fields) {
			v.probs.add(payrun.Problem{Line: seg.line, Field: c.name,
				Expected: fmt.Sprintf("rows with at least %d fields (the profile puts %s there; found %d)", c.idx+1, lay.names[i], len(seg.fields)),
				Code:     codeFormat})
			ok = false
		}
	}
	if missing := v.missingColumns(lay, cols); len(missing) > 0 {
		p := payrun.Problem{Line: line, Field: "header", Code: codeFormat,
			Expected: "columns " + strings.Join(missing, ", ") + " (names are case-insensitive; a csv_profile can map other names)"}
		if header != nil {
			p.Value = strings.Join(trimmed(header), ", ")
		} else {
			p.Field = "columns"
			p.Expected = "positions for " + strings.Join(missing, ", ") + " in the csv_profile (the file has no header)"
		}
		v.probs.add(p)
		ok = false
	}
	if !ok {
		return nil
	}
	return cols
}

// missingColumns lists the required columns the file lacks, including the
// either-or ones: a source (unless the route gives one) and a destination.
func (v *validator) missingColumns(lay *layout, cols []column) []string {
	var missing []string
	for _, c := range lay.required {
		if !cols[c].present() {
			missing = append(missing, lay.names[c])
		}
	}
	if v.p.Atlar {
		if !cols[atSourceID].present() && v.o.SourceAccountID == "" {
			missing = append(missing, "source.id")
		}
		return missing
	}
	if !cols[colSourceAccountID].present() && !cols[colSourceIBAN].present() && v.o.SourceAccountID == "" {
		missing = append(missing, "source_account_id or source_iban")
	}
	if !cols[colExternalAccountID].present() && !cols[colCreditorName].present() {
		missing = append(missing, "external_account_id or creditor_name")
	}
	return missing
}

func trimmed(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = strings.TrimSpace(f)
	}
	return out
}
