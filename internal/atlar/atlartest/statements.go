package atlartest

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/camt053"
)

// derivedID returns a stable UUID-shaped id for seed data, so that a
// restarted sandbox serves the same report for the same account and day
// under the same id (and a new day under a new id).
func derivedID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return formatUUID(sum[:16])
}

func compactID(id string) string { return strings.ReplaceAll(id, "-", "") }

// seedReports closes one statement per account for each of the SeedDays
// days before now, with the fixed lines of seedEntries.
func (s *Server) seedReports(now time.Time) {
	y, m, d := now.UTC().Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, a := range s.accounts {
		s.closing[a.ID] = a.opening
	}
	for back := s.opts.SeedDays; back >= 1; back-- {
		day := midnight.AddDate(0, 0, -back)
		date := day.Format(time.DateOnly)
		compact := day.Format("20060102")
		created := day.AddDate(0, 0, 1).Add(5 * time.Hour)
		if created.After(now) {
			created = now
		}
		for _, a := range s.accounts {
			var entries []bookedEntry
			for i, se := range seedEntries[a.Currency] {
				entries = append(entries, bookedEntry{Entry: camt053.Entry{
					Amount: se.amount, Currency: a.Currency, Credit: se.credit,
					BookingDate: date, ValueDate: date,
					AcctSvcrRef: fmt.Sprintf("SEED%s%s%d", a.code, compact, i+1),
					Domain:      "PMNT", Family: familyOf(se.credit), SubFamily: "ESCT",
					EndToEndID:      fmt.Sprintf(se.endToEndRef, compact),
					Reference:       fmt.Sprintf(se.reference, date),
					CounterpartName: se.name, CounterpartIBAN: se.iban, CounterpartBIC: se.bic,
				}})
			}
			s.addReport(&report{
				id: derivedID("report", a.ID, date), account: a, date: date, created: created,
				from: day, to: day.Add(24*time.Hour - time.Second), entries: entries,
			})
		}
	}
}

func familyOf(credit bool) string {
	if credit {
		return "RCDT"
	}
	return "ICDT"
}

// addReport chains the report's balances to the account's previous one and
// stores it. Callers hold s.mu (or are constructing the server).
func (s *Server) addReport(r *report) {
	r.opening = s.closing[r.account.ID]
	r.closing = r.opening
	for _, e := range r.entries {
		if e.Credit {
			r.closing += e.Amount
		} else {
			r.closing -= e.Amount
		}
	}
	s.closing[r.account.ID] = r.closing
	s.stmtSeq[r.account.ID]++
	r.seq = s.stmtSeq[r.account.ID]
	s.reports = append(s.reports, r)
}

// booking is a statement line waiting for the next statement of its account.
type booking struct {
	at    time.Time
	entry bookedEntry
	mark  func(reportID string)
}

// closeReports closes a new statement for each account with lines not yet
// booked as of now: EXECUTED payments, EXECUTED direct debits (credits),
// and the transactions of ACCEPTED
// instructions whose debtor IBAN is one of the accounts. Callers hold s.mu.
func (s *Server) closeReports(now time.Time) {
	s.advance(now)
	pending := map[string][]booking{}
	for _, p := range s.payments {
		if at, ok := s.executedAt(p, now); ok && p.reportID == "" {
			pending[p.source.ID] = append(pending[p.source.ID], booking{at: at, entry: paymentEntry(p, at), mark: func(id string) { p.reportID = id }})
		}
	}
	for _, in := range s.instructions {
		if at, ok := s.instructionAcceptedAt(in, now); ok && !in.booked {
			in.booked = true
			for i, tx := range in.txs {
				if a, e, ok := s.instructionEntry(in, i, tx, at); ok {
					pending[a.ID] = append(pending[a.ID], booking{at: at, entry: e, mark: func(string) {}})
				}
			}
		}
	}
	s.ddBookings(now, pending)
	for _, a := range s.accounts {
		bs := pending[a.ID]
		if len(bs) == 0 {
			continue
		}
		// Stable: lines booked at the same instant keep creation order.
		slices.SortStableFunc(bs, func(x, y booking) int { return x.at.Compare(y.at) })
		r := &report{id: newID(), account: a, date: today(now), created: now, to: now}
		y, m, d := bs[0].at.UTC().Date()
		r.from = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		for _, b := range bs {
			b.mark(r.id)
			r.entries = append(r.entries, b.entry)
		}
		s.addReport(r)
	}
}

// paymentEntry books an executed payment as a debit.
func paymentEntry(p *payment, at time.Time) bookedEntry {
	date := at.UTC().Format(time.DateOnly)
	return bookedEntry{
		Entry: camt053.Entry{
			Amount: p.req.Amount.Value, Currency: p.req.Amount.Currency, Credit: false,
			BookingDate: date, ValueDate: date,
			AcctSvcrRef: compactID(p.id),
			Domain:      "PMNT", Family: "ICDT", SubFamily: "ESCT",
			Reference:       p.req.Reference,
			CounterpartName: p.dest.holder.LegalName,
			CounterpartIBAN: p.dest.iban, CounterpartBIC: p.dest.bic,
			AddtlInfo: "Atlar credit transfer " + p.id,
		},
		externalID: p.req.ExternalID,
	}
}

// instructionEntry books one transaction of an accepted pain.001 on the
// account holding its debtor IBAN, with the file's EndToEndId.
func (s *Server) instructionEntry(in *instruction, i int, tx painTx, at time.Time) (*seedAccount, bookedEntry, bool) {
	var acct *seedAccount
	for _, a := range s.accounts {
		if a.IBAN() != "" && a.IBAN() == strings.ToUpper(strings.ReplaceAll(tx.debtorIBAN, " ", "")) {
			acct = a
		}
	}
	if acct == nil || tx.currency != acct.Currency {
		return nil, bookedEntry{}, false
	}
	v, err := parseStringValue(tx.amount, tx.currency)
	if err != nil || v <= 0 {
		return nil, bookedEntry{}, false
	}
	date := at.UTC().Format(time.DateOnly)
	return acct, bookedEntry{Entry: camt053.Entry{
		Amount: v, Currency: tx.currency, Credit: false, BookingDate: date, ValueDate: date,
		AcctSvcrRef: fmt.Sprintf("%s%06d", compactID(in.id)[:29], i),
		Domain:      "PMNT", Family: "ICDT", SubFamily: "ESCT",
		EndToEndID: tx.endToEndID, Reference: tx.reference,
		CounterpartName: tx.creditor, CounterpartIBAN: tx.iban, CounterpartBIC: tx.bic,
		AddtlInfo: "Instruction " + in.id,
	}}, true
}
