package atlartest

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// The Financial Data transactions and balances the fake serves are derived
// from the statements (reports) it renders, so the intraday reports agree
// with the camt.053 entry for entry and balance for balance:
//   - every statement line is one booked transaction of the statement's
//     account, created when the statement was closed;
//   - every statement has a BOOKED OPEN balance (its opening, dated the
//     statement's first day) and a BOOKED CLOSE balance (its closing,
//     dated the statement date), both stamped with the statement's
//     creation time.
//
// ASSUMPTION (Atlar): Atlar lists transactions oldest first (by created,
// then in booking order); the spec says nothing about order, so the bridge
// does not rely on it (it sorts and dedupes by id itself).

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// wireTransaction adds the fields the spec requires that the bridge does
// not read.
type wireTransaction struct {
	atlar.Transaction
	OrganizationID       string `json:"organizationId"`
	ReconciliationStatus string `json:"reconciliationStatus"`
	// AttachedTransactables is always empty: the fake reconciles nothing.
	AttachedTransactables []struct{} `json:"attachedTransactables"`
}

type wireBalance struct {
	atlar.Balance
	OrganizationID string `json:"organizationId"`
}

// transaction is the statement line at index i of rep as a Transaction.
func (rep *report) transaction(i int) wireTransaction {
	e := rep.entries[i]
	v := e.Amount
	if !e.Credit {
		v = -v
	}
	tx := atlar.Transaction{
		ID: derivedID("transaction", rep.id, strconv.Itoa(i)), AccountID: rep.account.ID,
		Date: e.BookingDate, ValueDate: e.ValueDate,
		Amount:      atlar.Amount{Currency: e.Currency, Value: v, StringValue: formatMinor(v, e.Currency)},
		Reference:   e.Reference,
		Description: e.Reference,
		Returned:    e.Reversal,
		Created:     timestamp(rep.created), Updated: timestamp(rep.created), Version: 1,
		BankTransactionCode: &atlar.BankTransactionCode{Domain: e.Domain, Family: e.Family, Subfamily: e.SubFamily},
	}
	if tx.Description == "" {
		tx.Description = e.AddtlInfo
	}
	// ASSUMPTION (Atlar): a transaction that books a payment the bridge
	// submitted carries that payment's externalId as references.endToEndId
	// (Atlar sends the externalId as the payment's EndToEndId to the
	// bank), the same value the camt.053 content has with
	// externalIdAsEndToEndId=true.
	e2e := e.EndToEndID
	if e.externalID != "" {
		e2e = e.externalID
	}
	if e2e != "" || e.MandateID != "" {
		tx.References = &atlar.TransactionReferences{EndToEndID: e2e, MandateReference: e.MandateID}
	}
	if e.CounterpartName != "" || e.CounterpartIBAN != "" {
		cp := &atlar.TransactionCounterparty{Name: e.CounterpartName}
		if e.CounterpartIBAN != "" {
			cp.Account = &atlar.CounterpartyAccount{RawIdentifier: e.CounterpartIBAN, Market: e.CounterpartIBAN[:2], Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: e.CounterpartIBAN[:2], Number: e.CounterpartIBAN}}}
			if e.CounterpartBIC != "" {
				cp.Account.Routing = []atlar.RoutingIdentifier{{Type: "BIC", Number: e.CounterpartBIC}}
			}
		}
		tx.Counterparty = cp
	}
	return wireTransaction{Transaction: tx, OrganizationID: SeedOrganizationID,
		ReconciliationStatus: "NOT_RECONCILED", AttachedTransactables: []struct{}{}}
}

// balances are the statement's BOOKED OPEN and CLOSE balances.
func (rep *report) balances() []wireBalance {
	ccy := rep.account.Currency
	b := func(kind string, v int64, date string) wireBalance {
		return wireBalance{OrganizationID: SeedOrganizationID, Balance: atlar.Balance{
			ID: derivedID("balance", rep.id, kind), AccountID: rep.account.ID, Type: "BOOKED", ReportedType: kind,
			Amount:    atlar.Amount{Currency: ccy, Value: v, StringValue: formatMinor(v, ccy)},
			LocalDate: date, Timestamp: timestamp(rep.created), Version: 1,
		}}
	}
	return []wireBalance{
		b("OPEN", rep.opening, rep.from.UTC().Format("2006-01-02")),
		b("CLOSE", rep.closing, rep.date),
	}
}

// handleListTransactions serves GET /financial-data/v2/transactions with
// the filters the spec has: accountId, reconciliationStatus (every fake
// transaction is NOT_RECONCILED), and date as a string or date[eq|gte|lte].
func (s *Server) handleListTransactions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	eq, gte, lte := q.Get("date[eq]"), q.Get("date[gte]"), q.Get("date[lte]")
	if d := q.Get("date"); d != "" {
		eq = d
	}
	for name, v := range map[string]string{"date[eq]": eq, "date[gte]": gte, "date[lte]": lte} {
		if v != "" && !dateRE.MatchString(v) {
			writeBadField(w, name, "invalid_value", "must be a date YYYY-MM-DD")
			return
		}
	}
	if rs := q.Get("reconciliationStatus"); rs != "" && !slices.Contains([]string{"RECONCILED", "PARTIALLY_RECONCILED", "NOT_RECONCILED"}, rs) {
		writeBadField(w, "reconciliationStatus", "invalid_value", "must be RECONCILED, PARTIALLY_RECONCILED or NOT_RECONCILED")
		return
	}
	acct := q.Get("accountId")
	s.mu.Lock()
	s.closeReports(s.clock.Now())
	items := []wireTransaction{}
	for _, rep := range s.reports {
		if acct != "" && rep.account.ID != acct {
			continue
		}
		for i := range rep.entries {
			d := rep.entries[i].BookingDate
			if (eq != "" && d != eq) || (gte != "" && d < gte) || (lte != "" && d > lte) {
				continue
			}
			if rs := q.Get("reconciliationStatus"); rs != "" && rs != "NOT_RECONCILED" {
				continue
			}
			items = append(items, rep.transaction(i))
		}
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

// handleListBalances serves GET /financial-data/v2/accounts/{id}/balances;
// id "-" is every account.
//
// ASSUMPTION (Atlar): mostRecent=true keeps the newest balance (by
// timestamp) of each account and type, not one balance overall.
func (s *Server) handleListBalances(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := r.PathValue("id")
	typ := q.Get("type")
	if typ != "" && typ != "BOOKED" && typ != "AVAILABLE" {
		writeBadField(w, "type", "invalid_value", "must be BOOKED or AVAILABLE")
		return
	}
	mostRecent := false
	if v := q.Get("mostRecent"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeBadField(w, "mostRecent", "invalid_value", "must be true or false")
			return
		}
		mostRecent = b
	}
	s.mu.Lock()
	known := id == "-"
	for _, a := range s.accounts {
		known = known || a.ID == id
	}
	if !known {
		s.mu.Unlock()
		writeNotFound(w)
		return
	}
	s.closeReports(s.clock.Now())
	items := []wireBalance{}
	latest := map[string]int{} // account|type → index in items
	for _, rep := range s.reports {
		if id != "-" && rep.account.ID != id {
			continue
		}
		for _, b := range rep.balances() {
			if typ != "" && b.Type != typ {
				continue
			}
			if mostRecent {
				// Reports are stored in creation order: the later wins;
				// of one report's two, the CLOSE.
				k := b.AccountID + "|" + b.Type
				if i, ok := latest[k]; ok {
					items[i] = b
					continue
				}
				latest[k] = len(items)
			}
			items = append(items, b)
		}
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}
