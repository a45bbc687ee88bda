// Package mt940 writes SWIFT MT940 customer statements and MT942 interim
// reports from a bankstmt.Statement, the way German and international
// ERPs import them: 65-character lines, the SWIFT X character set with
// transliteration, comma decimals, structured (DK) field 86 with the
// ERP's end-to-end id as EREF+, and :60M:/:62M: pages for long
// statements. It streams to an io.Writer and does no other I/O.
package mt940

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/money"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Encodings the files can be written in. The text is SWIFT X (ASCII)
// unless Options.KeepLatin1, so the encoding matters only then.
const (
	ASCII       = "ascii"
	Windows1252 = "windows-1252"
	ISO88591    = "iso-8859-1"
	UTF8        = "utf-8"
)

// Encodings lists the supported encodings.
var Encodings = []string{ASCII, Windows1252, ISO88591, UTF8}

// Options is an ERP profile.
type Options struct {
	// Encoding is one of Encodings (default ascii).
	Encoding string
	// LineEnding is "\r\n" (default, SWIFT) or "\n".
	LineEnding string
	// PageEntries is the most :61: lines on one page (message); longer
	// statements continue on further pages with :60M:/:62M:. 0 means
	// DefaultPageEntries.
	PageEntries int
	// KeepLatin1 keeps Latin-1 letters (ä, é…) instead of transliterating
	// them; for ERPs configured for a code page. Not with ascii.
	KeepLatin1 bool
}

// DefaultPageEntries keeps a page well under the message sizes ERP
// importers are known to buffer.
const DefaultPageEntries = 500

// Header is what the caller numbers: the statement number of :28C:
// (continuous per account, kept by the caller) and, for MT942, the time
// of the report.
type Header struct {
	// StatementNo is :28C:'s statement number (1..99999; wraps).
	StatementNo int64
	// Reference is :20:; empty derives one from the date and number.
	Reference string
	// At is the MT942 report time (:13D:).
	At time.Time
}

// ErrOptions is returned for an unsupported profile.
var ErrOptions = errors.New("mt940: unsupported option")

func (o Options) normalise() (Options, error) {
	if o.Encoding == "" {
		o.Encoding = ASCII
	}
	switch o.Encoding {
	case ASCII, Windows1252, ISO88591, UTF8:
	default:
		return o, fmt.Errorf("encoding %q (want one of %s): %w", o.Encoding, strings.Join(Encodings, ", "), ErrOptions)
	}
	if o.Encoding == ASCII {
		o.KeepLatin1 = false
	}
	switch o.LineEnding {
	case "":
		o.LineEnding = "\r\n"
	case "\r\n", "\n":
	default:
		return o, fmt.Errorf("line ending %q: %w", o.LineEnding, ErrOptions)
	}
	if o.PageEntries <= 0 {
		o.PageEntries = DefaultPageEntries
	}
	return o, nil
}

// writer writes lines in the profile's encoding and line ending.
type writer struct {
	bw  *bufio.Writer
	enc io.Writer // bw, or an encoder in front of it
	tr  io.WriteCloser
	o   Options
	err error
	// Reused per entry, so a long statement does not allocate per line.
	scratch []byte
	chunks  []string
	subs    []sub
}

func newWriter(w io.Writer, o Options) *writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	wr := &writer{bw: bw, enc: bw, o: o}
	var cm *charmap.Charmap
	switch o.Encoding {
	case Windows1252:
		cm = charmap.Windows1252
	case ISO88591:
		cm = charmap.ISO8859_1
	}
	if cm != nil && o.KeepLatin1 {
		wr.tr = transform.NewWriter(bw, cm.NewEncoder())
		wr.enc = wr.tr
	}
	return wr
}

func (w *writer) line(s string) {
	if w.err != nil {
		return
	}
	if _, err := io.WriteString(w.enc, s); err != nil {
		w.err = err
		return
	}
	_, w.err = io.WriteString(w.enc, w.o.LineEnding)
}

func (w *writer) lineBytes(b []byte) {
	if w.err != nil {
		return
	}
	if _, err := w.enc.Write(b); err != nil {
		w.err = err
		return
	}
	_, w.err = io.WriteString(w.enc, w.o.LineEnding)
}

func (w *writer) flush() error {
	if w.err != nil {
		return w.err
	}
	if w.tr != nil {
		if err := w.tr.Close(); err != nil {
			return err
		}
	}
	return w.bw.Flush()
}

// amount is a 15d amount: unsigned, comma decimal mark, exactly the
// currency's minor-unit decimals ("1500,00", JPY "120,").
func amount(minor int64, ccy string) (string, error) {
	if minor < 0 {
		minor = -minor
	}
	s := strings.Replace(money.Format(minor, ccy), ".", ",", 1)
	if !strings.Contains(s, ",") {
		s += ","
	}
	if len(s) > 15 {
		return "", fmt.Errorf("amount %d %s: more than 15 characters", minor, ccy)
	}
	return s, nil
}

func mark(v int64) string {
	if v < 0 {
		return "D"
	}
	return "C"
}

// balance is a 1!a6!n3!a15d balance field value.
func balance(v int64, d time.Time, ccy string) (string, error) {
	a, err := amount(v, ccy)
	if err != nil {
		return "", err
	}
	return mark(v) + d.Format("060102") + ccy + a, nil
}

func reference(h Header, prefix string, d time.Time, page int) string {
	if h.Reference != "" {
		r := toX(h.Reference, false)
		if page > 1 {
			r = fmt.Sprintf("%s-%d", r, page)
			r = r[max(0, len(r)-16):]
		}
		return cut(strings.Trim(strings.ReplaceAll(r, "//", "/"), "/"), 16)
	}
	return fmt.Sprintf("%s%s%05d%03d", prefix, d.Format("060102"), h.StatementNo%100000, page%1000)
}

func account(st *bankstmt.Statement) string {
	return cut(toX(st.Account(), false), 35)
}

// Render writes st as an MT940 statement: one message per page of at most
// PageEntries lines, :28C: = h.StatementNo/page. st must add up (Check).
func Render(ctx context.Context, w io.Writer, h Header, st *bankstmt.Statement, o Options) error {
	o, err := o.normalise()
	if err != nil {
		return err
	}
	if err := st.Check(); err != nil {
		return fmt.Errorf("mt940: %w", err)
	}
	if _, ok := money.Exponent(st.Currency); !ok {
		return fmt.Errorf("mt940: statement %s: currency %q: %w", st.ID, st.Currency, ErrOptions)
	}
	wr := newWriter(w, o)
	pages := (len(st.Entries) + o.PageEntries - 1) / o.PageEntries
	if pages == 0 {
		pages = 1
	}
	bal := st.Opening
	for p := 1; p <= pages; p++ {
		first, last := p == 1, p == pages
		wr.line(":20:" + reference(h, "S", st.Date, p))
		wr.line(":25:" + account(st))
		wr.line(fmt.Sprintf(":28C:%05d/%03d", h.StatementNo%100000, p%1000))
		tag, d := ":60M:", st.Date
		if first {
			tag, d = ":60F:", st.OpeningDate
		}
		b, err := balance(bal, d, st.Currency)
		if err != nil {
			return fmt.Errorf("mt940: statement %s: opening balance: %w", st.ID, err)
		}
		wr.line(tag + b)
		end := min(p*o.PageEntries, len(st.Entries))
		for i := (p - 1) * o.PageEntries; i < end; i++ {
			e := &st.Entries[i]
			if i%4096 == 0 && ctx.Err() != nil {
				return fmt.Errorf("mt940: statement %s: %w", st.ID, ctx.Err())
			}
			if err := entry(wr, e, st.Currency, false, o); err != nil {
				return fmt.Errorf("mt940: statement %s: entry %d (%s): %w", st.ID, i+1, e.BankRef, err)
			}
			bal += e.Signed()
		}
		tag = ":62M:"
		if last {
			tag = ":62F:"
		}
		b, err = balance(bal, st.Date, st.Currency)
		if err != nil {
			return fmt.Errorf("mt940: statement %s: closing balance: %w", st.ID, err)
		}
		wr.line(tag + b)
		if last && st.Available != nil {
			b, err := balance(*st.Available, st.Date, st.Currency)
			if err != nil {
				return fmt.Errorf("mt940: statement %s: available balance: %w", st.ID, err)
			}
			wr.line(":64:" + b)
		}
		wr.line("-")
	}
	if err := wr.flush(); err != nil {
		return fmt.Errorf("mt940: write statement %s: %w", st.ID, err)
	}
	return nil
}

// Render942 writes st's entries as one MT942 interim report (no
// balances; :90D:/:90C: count and sum the debits and credits).
func Render942(ctx context.Context, w io.Writer, h Header, st *bankstmt.Statement, o Options) error {
	o, err := o.normalise()
	if err != nil {
		return err
	}
	if _, ok := money.Exponent(st.Currency); !ok {
		return fmt.Errorf("mt942: report %s: currency %q: %w", st.ID, st.Currency, ErrOptions)
	}
	at := h.At
	if at.IsZero() {
		at = st.CreatedAt
	}
	wr := newWriter(w, o)
	wr.line(":20:" + reference(h, "I", at, 1))
	wr.line(":25:" + account(st))
	wr.line(fmt.Sprintf(":28C:%05d/%03d", h.StatementNo%100000, 1))
	// Floor limit zero: every entry is reported.
	wr.line(":34F:" + st.Currency + "0,")
	_, off := at.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	wr.line(fmt.Sprintf(":13D:%s%s%02d%02d", at.Format("0601021504"), sign, off/3600, off%3600/60))
	var nd, nc int
	var sd, sc int64
	for i := range st.Entries {
		e := &st.Entries[i]
		if i%4096 == 0 && ctx.Err() != nil {
			return fmt.Errorf("mt942: report %s: %w", st.ID, ctx.Err())
		}
		if e.Amount <= 0 {
			return fmt.Errorf("mt942: report %s: entry %d (%s): amount %d, want > 0", st.ID, i+1, e.BankRef, e.Amount)
		}
		if err := entry(wr, e, st.Currency, true, o); err != nil {
			return fmt.Errorf("mt942: report %s: entry %d (%s): %w", st.ID, i+1, e.BankRef, err)
		}
		if e.Credit {
			nc, sc = nc+1, sc+e.Amount
		} else {
			nd, sd = nd+1, sd+e.Amount
		}
	}
	ad, err := amount(sd, st.Currency)
	if err != nil {
		return fmt.Errorf("mt942: report %s: sum of debits: %w", st.ID, err)
	}
	ac, err := amount(sc, st.Currency)
	if err != nil {
		return fmt.Errorf("mt942: report %s: sum of credits: %w", st.ID, err)
	}
	wr.line(fmt.Sprintf(":90D:%d%s%s", nd, st.Currency, ad))
	wr.line(fmt.Sprintf(":90C:%d%s%s", nc, st.Currency, ac))
	wr.line("-")
	if err := wr.flush(); err != nil {
		return fmt.Errorf("mt942: write report %s: %w", st.ID, err)
	}
	return nil
}

// cut keeps the first n characters of s.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
