package camt053

import (
	"bytes"
	"fmt"
	"io"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// camt.054 (bank-to-customer debit/credit notification) versions. Its
// entries are the same ReportEntry types as camt.053 of the same
// generation (.02 with .02, .08 with .08), so the statement renderer
// writes them too.
const (
	Notification02 = "camt.054.001.02"
	Notification08 = "camt.054.001.08"
)

// NotificationVersions lists the supported camt.054 versions.
var NotificationVersions = []string{Notification02, Notification08}

var notificationDialects = map[string]string{Notification02: V02, Notification08: V08}

// RenderNotification writes st's entries as a camt.054 notification of
// the given version (one of NotificationVersions): one Ntfctn with one
// Ntry per booked transaction and no balances (camt.054 has none). The
// rules of Render apply to the header and entries; the balances and
// their dates are not needed.
func RenderNotification(version string, st Statement) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(2048 + 1536*len(st.Entries))
	if err := WriteNotification(&buf, version, st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteNotification is RenderNotification streaming to w: a long
// notification is never held in memory.
func WriteNotification(w io.Writer, version string, st Statement) error {
	return WriteNotificationEntries(w, version, st, entrySlice(st.Entries))
}

// WriteNotificationEntries is WriteNotification with the entries taken
// one at a time from entries instead of st.Entries (which is not read):
// a caller holding the entries in its own model (bankstmt) streams them
// to w without building a camt053 copy of the whole day first.
func WriteNotificationEntries(w io.Writer, version string, st Statement, entries Entries) error {
	base, ok := notificationDialects[version]
	if !ok {
		return fmt.Errorf("render %q: %w", version, ErrUnsupportedVersion)
	}
	d := dialects[base]
	d.ns = nsPrefix + version
	if st.OpeningDate == "" && st.From.IsZero() {
		st.OpeningDate = "1970-01-01" // not written: a notification has no balances
	}
	if st.ClosingDate == "" && st.To.IsZero() {
		st.ClosingDate = "1970-01-01"
	}
	r := renderer{x: isoxml.NewWriter(w), d: d, notification: true}
	if err := r.document(st, entries); err != nil {
		return fmt.Errorf("render %s notification %q: %w", version, st.ID, err)
	}
	if err := r.x.Finish(); err != nil {
		return fmt.Errorf("render %s notification %q: %w", version, st.ID, err)
	}
	return nil
}
