package camt053

import (
	"bytes"
	"fmt"
	"io"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// camt.052 (bank-to-customer account report, the intraday report)
// versions. Like camt.054, its entries are the ReportEntry types of the
// camt.053 of the same generation, so the statement renderer writes them.
const (
	AccountReport02 = "camt.052.001.02"
	AccountReport08 = "camt.052.001.08"
)

// AccountReportVersions lists the supported camt.052 versions.
var AccountReportVersions = []string{AccountReport02, AccountReport08}

var accountReportDialects = map[string]string{AccountReport02: V02, AccountReport08: V08}

// RenderAccountReport writes st as a camt.052 intraday account report of
// the given version (one of AccountReportVersions): one Rpt with the
// entries since the previous report and one interim booked balance (ITBD)
// of st.Closing on st.ClosingDate — intraday there is no opening/closing
// pair. The rules of Render apply to the header and entries.
func RenderAccountReport(version string, st Statement) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(2048 + 1536*len(st.Entries))
	if err := WriteAccountReport(&buf, version, st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteAccountReport is RenderAccountReport streaming to w.
func WriteAccountReport(w io.Writer, version string, st Statement) error {
	base, ok := accountReportDialects[version]
	if !ok {
		return fmt.Errorf("render %q: %w", version, ErrUnsupportedVersion)
	}
	d := dialects[base]
	d.ns = nsPrefix + version
	if st.OpeningDate == "" && st.From.IsZero() {
		st.OpeningDate = "1970-01-01" // not written: only the interim balance is
	}
	r := renderer{x: isoxml.NewWriter(w), d: d, report: true}
	if err := r.document(st, entrySlice(st.Entries)); err != nil {
		return fmt.Errorf("render %s report %q: %w", version, st.ID, err)
	}
	if err := r.x.Finish(); err != nil {
		return fmt.Errorf("render %s report %q: %w", version, st.ID, err)
	}
	return nil
}
