// Package bankstmt is the format-neutral statement the report renderers
// (MT940/MT942, BAI2, CSV) share: one account, one period, balances and
// booked entries in minor units. Every end-of-day report is built from the
// same Statement as the camt.053 of that account and date, so the formats
// agree entry for entry and balance for balance. It does no I/O.
package bankstmt

import (
	"errors"
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/camt053"
)

// Statement is one account's report for one period.
type Statement struct {
	// ID is the source statement's id (Atlar report id or camt Stmt/Id).
	ID string
	// Account: IBAN when there is one, else OtherID (the bank's number).
	IBAN, OtherID string
	BIC           string
	Currency      string
	// Date is the statement (closing) date; OpeningDate the opening
	// balance's date (the day before, or Date itself).
	Date, OpeningDate time.Time
	CreatedAt         time.Time
	// Balances in minor units of Currency; negative means debit.
	Opening, Closing int64
	// Available is the closing available balance when known.
	Available *int64
	Entries   []Entry
}

// Entry is one booked transaction.
type Entry struct {
	// Amount in minor units, > 0; Credit gives the direction.
	Amount int64
	Credit bool
	// Reversal marks a return/reversal (MT940 RC/RD).
	Reversal               bool
	BookingDate, ValueDate time.Time
	// EndToEndID is the ERP's reference (the externalId of payments the
	// bridge submitted); BankRef the bank's/Atlar's transaction reference.
	EndToEndID, BankRef, MandateID string
	// Bank transaction code (ISO domain/family/subfamily).
	Domain, Family, SubFamily string
	CounterpartName           string
	CounterpartIBAN           string
	CounterpartBIC            string
	Remittance                string
	AddtlInfo                 string
}

// Account is the IBAN, else the other id.
func (s *Statement) Account() string {
	if s.IBAN != "" {
		return s.IBAN
	}
	return s.OtherID
}

// Signed is the entry's amount with its sign (credit positive).
func (e *Entry) Signed() int64 {
	if e.Credit {
		return e.Amount
	}
	return -e.Amount
}

// ErrUnbalanced is returned by Check for a statement whose opening balance
// plus its entries is not its closing balance.
var ErrUnbalanced = errors.New("statement does not add up")

// Check verifies what every renderer relies on: a currency, positive entry
// amounts, and opening + Σ entries = closing.
func (s *Statement) Check() error {
	if s.Currency == "" {
		return fmt.Errorf("statement %s of %s: no currency", s.ID, s.Account())
	}
	sum := s.Opening
	for i, e := range s.Entries {
		if e.Amount <= 0 {
			return fmt.Errorf("statement %s of %s: entry %d (%s): amount %d, want > 0", s.ID, s.Account(), i+1, e.BankRef, e.Amount)
		}
		sum += e.Signed()
	}
	if sum != s.Closing {
		return fmt.Errorf("statement %s of %s on %s: opening %d + entries %d = %d, but closing is %d (minor units): %w",
			s.ID, s.Account(), s.Date.Format(time.DateOnly), s.Opening, sum-s.Opening, sum, s.Closing, ErrUnbalanced)
	}
	return nil
}

// FromCamt053 builds the statement from a parsed camt.053 statement (see
// camt053.Read); id names it (the Atlar report id).
func FromCamt053(id string, c camt053.Statement) (Statement, error) {
	st := Statement{
		ID: id, IBAN: c.Account.IBAN, OtherID: c.Account.OtherID, BIC: c.Account.BIC,
		Currency: c.Account.Currency, CreatedAt: c.CreatedAt,
		Opening: c.Opening, Closing: c.Closing,
	}
	var err error
	if st.Date, err = day(c.ClosingDate, c.To); err != nil {
		return Statement{}, fmt.Errorf("statement %s: closing date: %w", id, err)
	}
	if st.OpeningDate, err = day(c.OpeningDate, c.From); err != nil {
		return Statement{}, fmt.Errorf("statement %s: opening date: %w", id, err)
	}
	st.Entries = make([]Entry, 0, len(c.Entries))
	for i, e := range c.Entries {
		if e.Currency != "" && e.Currency != st.Currency {
			return Statement{}, fmt.Errorf("statement %s: entry %d: currency %s, account is %s", id, i+1, e.Currency, st.Currency)
		}
		b, err := day(e.BookingDate, st.Date)
		if err != nil {
			return Statement{}, fmt.Errorf("statement %s: entry %d: booking date: %w", id, i+1, err)
		}
		v, err := day(e.ValueDate, b)
		if err != nil {
			return Statement{}, fmt.Errorf("statement %s: entry %d: value date: %w", id, i+1, err)
		}
		e2e := e.EndToEndID
		if e2e == "NOTPROVIDED" {
			e2e = ""
		}
		st.Entries = append(st.Entries, Entry{
			Amount: e.Amount, Credit: e.Credit, BookingDate: b, ValueDate: v,
			EndToEndID: e2e, BankRef: e.AcctSvcrRef, MandateID: e.MandateID,
			Domain: e.Domain, Family: e.Family, SubFamily: e.SubFamily,
			Reversal:        e.Reversal,
			CounterpartName: e.CounterpartName, CounterpartIBAN: e.CounterpartIBAN, CounterpartBIC: e.CounterpartBIC,
			Remittance: e.Reference, AddtlInfo: e.AddtlInfo,
		})
	}
	if c.Available != nil {
		a := *c.Available
		st.Available = &a
	}
	return st, nil
}

// day parses a YYYY-MM-DD date, or takes fallback's date when s is empty.
func day(s string, fallback time.Time) (time.Time, error) {
	if s == "" {
		if fallback.IsZero() {
			return time.Time{}, errors.New("missing")
		}
		y, m, d := fallback.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	if len(s) > 10 {
		s = s[:10] // a DtTm: its calendar date as written
	}
	return time.Parse(time.DateOnly, s)
}

// Camt053Entries is s's entries as camt053 renders them, handed over one
// at a time (camt053.WriteNotificationEntries), so the camt.054 of a long
// day streams from this model without a camt053 copy of every entry.
func (s *Statement) Camt053Entries() camt053.Entries { return &camtEntries{s: s} }

type camtEntries struct {
	s *Statement
	// A day's entries share one or two dates: each is formatted once,
	// not once per entry.
	book, val dateCache
}

func (c *camtEntries) Len() int { return len(c.s.Entries) }

func (c *camtEntries) Entry(i int, e *camt053.Entry) {
	x := &c.s.Entries[i]
	*e = camt053.Entry{
		Amount: x.Amount, Currency: c.s.Currency, Credit: x.Credit,
		BookingDate: c.book.format(x.BookingDate), ValueDate: c.val.format(x.ValueDate),
		AcctSvcrRef: x.BankRef, Domain: x.Domain, Family: x.Family, SubFamily: x.SubFamily,
		EndToEndID: x.EndToEndID, Reference: x.Remittance,
		CounterpartName: x.CounterpartName, CounterpartIBAN: x.CounterpartIBAN, CounterpartBIC: x.CounterpartBIC,
		AddtlInfo: x.AddtlInfo, Reversal: x.Reversal, MandateID: x.MandateID,
	}
}

// dateCache formats a date as YYYY-MM-DD, remembering the last one; the
// zero time is "" (no date).
type dateCache struct {
	t time.Time
	s string
}

func (d *dateCache) format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if d.s == "" || !t.Equal(d.t) || t.Location() != d.t.Location() {
		d.t, d.s = t, t.Format(time.DateOnly)
	}
	return d.s
}
