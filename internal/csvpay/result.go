package csvpay

import (
	"bytes"
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
	cols := make(map[int][]string, len(results))
	for row, r := range results {
		cols[row] = []string{r.Status, r.PaymentID, r.Reason}
	}
	// The payments route escapes the cells it adds itself (outbound,
	// result_csv_formulas), so nothing is escaped here.
	return WriteResultColumns(original, p, resultHeader[:], cols, false)
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
