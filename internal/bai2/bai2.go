// Package bai2 writes BAI2 (BAI Cash Management Balance Reporting
// Specifications, version 2) prior-day files from bankstmt.Statements:
// records 01/02/03/16/88/49/98/99, amounts in minor units, control totals
// and record counts computed from the records as written. It streams to
// an io.Writer and does no other I/O.
package bai2

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/translit"
)

// Options is an ERP profile.
type Options struct {
	// Sender and Receiver identify the parties in 01 (and 02); defaults
	// ATLARBRIDGE and ERP.
	Sender, Receiver string
	// RecordLength is the physical record length declared in 01 (default
	// 80); longer logical records continue in 88 records. -1 writes
	// variable-length records and declares none.
	RecordLength int
	// LineEnding is "\r\n" (default) or "\n".
	LineEnding string
}

// Header is what the caller numbers.
type Header struct {
	// FileID is the 01 file id, unique per sender, receiver and date
	// (digits; the caller keeps the sequence).
	FileID int64
	// Created is the file creation time (01).
	Created time.Time
	// AsOfModifier is the 02 as-of-date modifier: 2 final previous-day
	// (default, end of day), 3 interim same-day.
	AsOfModifier int
}

// ErrOptions is returned for an unsupported profile.
var ErrOptions = errors.New("bai2: unsupported option")

func (o Options) normalise() (Options, error) {
	if o.Sender == "" {
		o.Sender = "ATLARBRIDGE"
	}
	if o.Receiver == "" {
		o.Receiver = "ERP"
	}
	o.Sender, o.Receiver = field(o.Sender, 20), field(o.Receiver, 20)
	switch {
	case o.RecordLength == 0:
		o.RecordLength = 80
	case o.RecordLength == -1:
	case o.RecordLength < 40:
		return o, fmt.Errorf("record length %d (want ≥ 40, or -1 for variable): %w", o.RecordLength, ErrOptions)
	}
	switch o.LineEnding {
	case "":
		o.LineEnding = "\r\n"
	case "\r\n", "\n":
	default:
		return o, fmt.Errorf("line ending %q: %w", o.LineEnding, ErrOptions)
	}
	return o, nil
}

// field makes s a BAI2 field: ASCII, no ',' or '/' (they delimit), no
// leading or trailing blanks, at most n characters.
func field(s string, n int) string {
	s = translit.ASCII(s)
	if strings.ContainsAny(s, ",/") || strings.Contains(s, "  ") || strings.TrimSpace(s) != s {
		s = strings.Join(strings.Fields(delimiters.Replace(s)), " ")
	}
	if len(s) > n {
		s = strings.TrimSpace(s[:n])
	}
	return s
}

var delimiters = strings.NewReplacer(",", " ", "/", " ")

// text makes s a 16 record's text: ASCII, may hold ',' and '/' but not
// start with '/'.
func text(s string) string {
	s = strings.TrimSpace(translit.ASCII(s))
	return strings.TrimLeft(s, "/ ")
}

// writer lays logical records out in physical records and counts them.
type writer struct {
	bw      *bufio.Writer
	o       Options
	records int64 // physical records written so far
	err     error
	buf     []byte   // the physical record being built, reused
	fields  []string // a 16 record's fields, reused
}

func (w *writer) physical(b []byte) {
	if w.err != nil {
		return
	}
	w.records++
	if _, err := w.bw.Write(b); err != nil {
		w.err = err
		return
	}
	_, w.err = w.bw.WriteString(w.o.LineEnding)
}

// record writes a logical record of fields (the first is the record
// code). txt, when the record has a text field, follows them. Records
// longer than the physical length continue in 88s: a non-text field is
// never split (the physical record ends with '/' where the comma before
// the next field would be), text is split anywhere.
func (w *writer) record(fields []string, txt *string) {
	limit := w.o.RecordLength
	if limit < 0 {
		limit = 1 << 30
	}
	b := append(w.buf[:0], fields[0]...)
	defer func() { w.buf = b }()
	for _, f := range fields[1:] {
		// Room for ",f" and the '/' a break would need.
		if len(b)+1+len(f)+1 > limit {
			w.physical(append(b, '/'))
			b = append(append(b[:0], "88,"...), f...)
			continue
		}
		b = append(append(b, ','), f...)
	}
	if txt == nil {
		w.physical(append(b, '/'))
		return
	}
	if *txt == "" {
		w.physical(append(b, ",/"...))
		return
	}
	rest := *txt
	if len(b)+2 > limit {
		w.physical(append(b, '/'))
		b = append(b[:0], "88"...)
	}
	b = append(b, ',')
	for {
		n := min(limit-len(b), len(rest))
		b = append(b, rest[:n]...)
		rest = rest[n:]
		w.physical(b)
		if rest == "" {
			return
		}
		b = append(b[:0], "88,"...)
	}
}

func amount(v int64) string { return strconv.FormatInt(v, 10) }

// Render writes one file with one group (the statements' date, final
// previous-day) and one account (03 … 49) per statement. Each statement
// must add up (Check); nothing is written otherwise.
func Render(ctx context.Context, w io.Writer, h Header, stmts []bankstmt.Statement, o Options) error {
	o, err := o.normalise()
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return errors.New("bai2: no statements")
	}
	for i := range stmts {
		if err := stmts[i].Check(); err != nil {
			return fmt.Errorf("bai2: %w", err)
		}
		if !stmts[i].Date.Equal(stmts[0].Date) {
			return fmt.Errorf("bai2: statement %s is of %s, the file's date is %s", stmts[i].ID,
				stmts[i].Date.Format(time.DateOnly), stmts[0].Date.Format(time.DateOnly))
		}
	}
	if h.AsOfModifier == 0 {
		h.AsOfModifier = 2
	}
	wr := &writer{bw: bufio.NewWriterSize(w, 64<<10), o: o}
	length := ""
	if o.RecordLength > 0 {
		length = strconv.Itoa(o.RecordLength)
	}
	wr.record([]string{"01", o.Sender, o.Receiver, h.Created.Format("060102"), h.Created.Format("1504"),
		strconv.FormatInt(h.FileID, 10), length, "", "2"}, nil)
	groupStart := wr.records
	wr.record([]string{"02", o.Receiver, o.Sender, "1", stmts[0].Date.Format("060102"), "2400",
		stmts[0].Currency, strconv.Itoa(h.AsOfModifier)}, nil)
	var groupTotal int64
	for i := range stmts {
		t, err := account(ctx, wr, &stmts[i])
		if err != nil {
			return fmt.Errorf("bai2: statement %s: %w", stmts[i].ID, err)
		}
		groupTotal += t
	}
	wr.record([]string{"98", amount(groupTotal), strconv.Itoa(len(stmts)), strconv.FormatInt(wr.records-groupStart+1, 10)}, nil)
	wr.record([]string{"99", amount(groupTotal), "1", strconv.FormatInt(wr.records+1, 10)}, nil)
	if wr.err == nil {
		wr.err = wr.bw.Flush()
	}
	if wr.err != nil {
		return fmt.Errorf("bai2: write: %w", wr.err)
	}
	return nil
}

// account writes 03, the 16s and 49 of one statement and returns the
// account control total.
func account(ctx context.Context, wr *writer, st *bankstmt.Statement) (int64, error) {
	start := wr.records
	var total, credits, debits int64
	var nc, nd int
	for i := range st.Entries {
		if e := &st.Entries[i]; e.Credit {
			credits, nc = credits+e.Amount, nc+1
		} else {
			debits, nd = debits+e.Amount, nd+1
		}
	}
	// Status codes: amount, then item count and funds type defaulted.
	f := []string{"03", field(st.Account(), 34), st.Currency,
		"010", amount(st.Opening), "", "",
		"015", amount(st.Closing), "", ""}
	total += st.Opening + st.Closing
	if st.Available != nil {
		f = append(f, "045", amount(*st.Available), "", "")
		total += *st.Available
	}
	f = append(f, "100", amount(credits), strconv.Itoa(nc), "",
		"400", amount(debits), strconv.Itoa(nd), "")
	total += credits + debits
	wr.record(f, nil)
	for i := range st.Entries {
		if i%4096 == 0 && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		e := &st.Entries[i]
		f := append(wr.fields[:0], "16", typeCode(e), amount(e.Amount))
		if !e.ValueDate.IsZero() && !e.ValueDate.Equal(e.BookingDate) {
			f = append(f, "V", e.ValueDate.Format("060102"), "")
		} else {
			f = append(f, "0")
		}
		f = append(f, field(e.BankRef, 32), field(e.EndToEndID, 35))
		txt := detailText(e)
		wr.fields = f
		wr.record(f, &txt)
		total += e.Amount
	}
	wr.record([]string{"49", amount(total), strconv.FormatInt(wr.records-start+1, 10)}, nil)
	return total, wr.err
}

// detailText is the 16 record's text: counterparty, its account, and the
// remittance information.
func detailText(e *bankstmt.Entry) string {
	var parts []string
	for _, s := range []string{e.CounterpartName, e.CounterpartIBAN, e.Remittance} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 && e.AddtlInfo != "" {
		parts = append(parts, e.AddtlInfo)
	}
	return text(strings.Join(parts, " "))
}

// typeCode maps the ISO bank transaction code to a BAI2 detail type code
// (BAI2 Appendix A): 195/495 money transfers, 165/455 preauthorized
// (direct) debits collected/paid, 555 returned item and 399 a returned
// payment credited back, 698 fees, 354 interest; 399/699 otherwise.
func typeCode(e *bankstmt.Entry) string {
	fam, sub := e.Family, e.SubFamily
	switch {
	case e.Reversal || sub == "RRTN" || sub == "UPDD":
		if e.Credit {
			return "399"
		}
		return "555"
	case sub == "CHRG" || fam == "CHRG" || (e.Domain == "ACMT" && fam == "MDOP"):
		if e.Credit {
			return "399"
		}
		return "698"
	case sub == "INTR" || fam == "INTR":
		if e.Credit {
			return "354"
		}
		return "699"
	case fam == "RDDT" && e.Credit:
		return "165"
	case fam == "IDDT" && !e.Credit:
		return "455"
	case (fam == "RCDT" || e.Domain == "PMNT") && e.Credit:
		return "195"
	case (fam == "ICDT" || e.Domain == "PMNT") && !e.Credit:
		return "495"
	case e.Credit:
		return "399"
	}
	return "699"
}
