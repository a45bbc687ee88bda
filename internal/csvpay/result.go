package csvpay

import (
	"bytes"
	"fmt"
	"strings"
)

// RowResult is the outcome of one input row, as the result CSV reports it.
type RowResult struct{ Status, PaymentID, Reason string }

// resultHeader names the columns WriteResult appends.
var resultHeader = [3]string{"status", "atlar_payment_id", "reason"}

// WriteResult returns the input file with three columns appended to every
// record: status, atlar_payment_id and reason (with those names on the
// header row). results is keyed by 1-based data row, as Payment.Row; rows
// without a result get empty columns.
//
// Every original byte is kept as it was: the records' own text, quoting,
// line breaks, skipped lines, blank lines and a byte order mark. Appended
// values are written in the profile's encoding (characters it lacks become
// '?'), quoted only when they need it, or with delimiters and line breaks
// replaced by spaces when the profile has no quoting. So an ERP that wrote
// windows-1252 with ';' reads its result back with the same import.
func WriteResult(original []byte, p Profile, results map[int]RowResult) ([]byte, error) {
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

	appendCols := func(vals [3]string) {
		for _, s := range vals {
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
			appendCols(resultHeader)
		case segData:
			res := results[seg.row]
			appendCols([3]string{res.Status, res.PaymentID, res.Reason})
		}
		out = append(out, raw[seg.end:seg.next]...)
	}
	return out, nil
}

// appendField writes one already-encoded value, quoting it when it holds
// the delimiter, the quote, a line break or edge spaces.
func appendField(out, v []byte, delim, quote byte) []byte {
	if quote == 0 {
		for _, c := range v {
			if c == delim || c == '\n' || c == '\r' {
				c = ' '
			}
			out = append(out, c)
		}
		return out
	}
	needs := bytes.IndexByte(v, delim) >= 0 || bytes.IndexByte(v, quote) >= 0 ||
		bytes.ContainsAny(v, "\r\n") || (len(v) > 0 && (v[0] == ' ' || v[len(v)-1] == ' '))
	if !needs {
		return append(out, v...)
	}
	out = append(out, quote)
	q := string(quote)
	out = append(out, strings.ReplaceAll(string(v), q, q+q)...)
	return append(out, quote)
}
