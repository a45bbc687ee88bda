// Package reportcsv writes bank statements as CSV for ERPs that import
// named columns (NetSuite's CSV parser, spreadsheets): one row per
// transaction, or one row per account and day with its balances. Amounts
// are decimals of the currency's minor units with a '.' and a sign,
// never floats. It streams to an io.Writer and does no other I/O.
package reportcsv

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/money"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Options is an ERP profile.
type Options struct {
	// Encoding is utf-8 (default), windows-1252 or iso-8859-1 (letters
	// those cannot carry become '?').
	Encoding string
	// LineEnding is "\r\n" (default) or "\n".
	LineEnding string
}

// ErrOptions is returned for an unsupported profile.
var ErrOptions = errors.New("reportcsv: unsupported option")

// TransactionColumns is the header row of Transactions.
var TransactionColumns = []string{
	"account", "currency", "booking_date", "value_date", "amount", "credit_debit",
	"end_to_end_id", "bank_reference", "mandate_id", "counterparty_name", "counterparty_iban",
	"counterparty_bic", "remittance", "bank_transaction_code", "reversal", "statement_id",
}

// BalanceColumns is the header row of Balances.
var BalanceColumns = []string{
	"account", "currency", "date", "opening_date", "opening_booked", "closing_booked",
	"closing_available", "credits", "credit_total", "debits", "debit_total", "statement_id",
}

func open(w io.Writer, o Options) (*csv.Writer, func() error, error) {
	var out io.Writer = w
	done := func() error { return nil }
	switch strings.ToLower(o.Encoding) {
	case "", "utf-8", "utf8":
	case "windows-1252", "iso-8859-1":
		cm := charmap.Windows1252
		if strings.EqualFold(o.Encoding, "iso-8859-1") {
			cm = charmap.ISO8859_1
		}
		tw := transform.NewWriter(w, encoderReplacing(cm))
		out, done = tw, tw.Close
	default:
		return nil, nil, fmt.Errorf("encoding %q (want utf-8, windows-1252 or iso-8859-1): %w", o.Encoding, ErrOptions)
	}
	cw := csv.NewWriter(out)
	switch o.LineEnding {
	case "", "\r\n":
		cw.UseCRLF = true
	case "\n":
	default:
		return nil, nil, fmt.Errorf("line ending %q: %w", o.LineEnding, ErrOptions)
	}
	return cw, done, nil
}

func encoderReplacing(cm *charmap.Charmap) transform.Transformer {
	// '?' for what the code page lacks, rather than failing the report.
	return encoding.ReplaceUnsupported(cm.NewEncoder())
}

// safe keeps a spreadsheet from reading text as a formula (CSV
// injection): text starting with = + - @ or a control character gets a
// leading apostrophe. Amounts are not text and keep their sign.
func safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func decimal(v int64, ccy string) string {
	if v < 0 {
		return "-" + money.Format(-v, ccy)
	}
	return money.Format(v, ccy)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func flush(cw *csv.Writer, done func() error) error {
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return done()
}

// Transactions writes one row per entry of the statements, after a
// header row.
func Transactions(ctx context.Context, w io.Writer, stmts []bankstmt.Statement, o Options) error {
	cw, done, err := open(w, o)
	if err != nil {
		return err
	}
	_ = cw.Write(TransactionColumns)
	for si := range stmts {
		st := &stmts[si]
		if err := st.Check(); err != nil {
			return fmt.Errorf("reportcsv: %w", err)
		}
		for i := range st.Entries {
			if i%4096 == 0 && ctx.Err() != nil {
				return fmt.Errorf("reportcsv: %w", ctx.Err())
			}
			e := &st.Entries[i]
			dc := "DBIT"
			if e.Credit {
				dc = "CRDT"
			}
			btc := ""
			if e.Domain != "" {
				btc = e.Domain + "/" + e.Family + "/" + e.SubFamily
			}
			text := e.Remittance
			if text == "" {
				text = e.AddtlInfo
			}
			if err := cw.Write([]string{
				st.Account(), st.Currency, date(e.BookingDate), date(e.ValueDate), decimal(e.Signed(), st.Currency), dc,
				safe(e.EndToEndID), safe(e.BankRef), safe(e.MandateID), safe(e.CounterpartName), safe(e.CounterpartIBAN),
				safe(e.CounterpartBIC), safe(text), btc, strconv.FormatBool(e.Reversal), safe(st.ID),
			}); err != nil {
				return fmt.Errorf("reportcsv: write: %w", err)
			}
		}
	}
	if err := flush(cw, done); err != nil {
		return fmt.Errorf("reportcsv: write: %w", err)
	}
	return nil
}

// Balances writes one row per statement (account and day).
func Balances(ctx context.Context, w io.Writer, stmts []bankstmt.Statement, o Options) error {
	cw, done, err := open(w, o)
	if err != nil {
		return err
	}
	_ = cw.Write(BalanceColumns)
	for si := range stmts {
		st := &stmts[si]
		if err := st.Check(); err != nil {
			return fmt.Errorf("reportcsv: %w", err)
		}
		var nc, nd int
		var cr, db int64
		for _, e := range st.Entries {
			if e.Credit {
				nc, cr = nc+1, cr+e.Amount
			} else {
				nd, db = nd+1, db+e.Amount
			}
		}
		avail := ""
		if st.Available != nil {
			avail = decimal(*st.Available, st.Currency)
		}
		if err := cw.Write([]string{
			st.Account(), st.Currency, date(st.Date), date(st.OpeningDate),
			decimal(st.Opening, st.Currency), decimal(st.Closing, st.Currency), avail,
			strconv.Itoa(nc), decimal(cr, st.Currency), strconv.Itoa(nd), decimal(db, st.Currency), safe(st.ID),
		}); err != nil {
			return fmt.Errorf("reportcsv: write: %w", err)
		}
	}
	if err := flush(cw, done); err != nil {
		return fmt.Errorf("reportcsv: write: %w", err)
	}
	return nil
}
