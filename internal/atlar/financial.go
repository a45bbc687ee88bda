package atlar

import (
	"context"
	"net/url"
	"strconv"
)

// Financial Data transactions and balances (GET /financial-data/v2/
// transactions and /financial-data/v2/accounts/{id}/balances), the source
// of the intraday reports (mt942, camt.052).

const (
	transactionsPath = "/financial-data/v2/transactions"
	balancesEndpoint = "/financial-data/v2/accounts/{id}/balances"
	// financialPageLimit is the API's maximum page size: a poll with
	// nothing new then costs one request per account even on a busy day.
	financialPageLimit = 500
)

// Transaction is a booked transaction (schema Transaction). Amount is
// signed: negative is money out of the account.
type Transaction struct {
	ID        string `json:"id"`
	AccountID string `json:"accountId"`
	// Date is the booking date (YYYY-MM-DD); ValueDate may be empty.
	Date      string `json:"date"`
	ValueDate string `json:"valueDate,omitempty"`
	Amount    Amount `json:"amount"`
	// Reference is the remittance information.
	Reference           string                   `json:"reference,omitempty"`
	References          *TransactionReferences   `json:"references,omitempty"`
	Description         string                   `json:"description"`
	Counterparty        *TransactionCounterparty `json:"counterparty,omitempty"`
	BankTransactionCode *BankTransactionCode     `json:"bankTransactionCode,omitempty"`
	Returned            bool                     `json:"returned"`
	Created             string                   `json:"created"`
	Updated             string                   `json:"updated,omitempty"`
	Version             int64                    `json:"version,omitempty"`
}

// TransactionReferences are the references the bank reported.
type TransactionReferences struct {
	EndToEndID       string `json:"endToEndId,omitempty"`
	MandateReference string `json:"mandateReference,omitempty"`
}

// TransactionCounterparty is the other side of a transaction (schema
// CounterpartyDetails; only what the reports use).
type TransactionCounterparty struct {
	Name    string               `json:"name,omitempty"`
	Account *CounterpartyAccount `json:"account,omitempty"`
}

// CounterpartyAccount is the counterparty's account as the bank reported it.
type CounterpartyAccount struct {
	Market        string              `json:"market,omitempty"`
	Identifiers   []AccountIdentifier `json:"identifiers,omitempty"`
	Routing       []RoutingIdentifier `json:"routing,omitempty"`
	RawIdentifier string              `json:"rawIdentifier"`
}

// IBAN returns the counterparty's IBAN, or "".
func (c *TransactionCounterparty) IBAN() string {
	if c == nil || c.Account == nil {
		return ""
	}
	return Account{Identifiers: c.Account.Identifiers}.IBAN()
}

// BIC returns the counterparty's BIC, or "".
func (c *TransactionCounterparty) BIC() string {
	if c == nil || c.Account == nil {
		return ""
	}
	return Account{Routing: c.Account.Routing}.BIC()
}

// BankTransactionCode is the ISO 20022 domain/family/subfamily.
type BankTransactionCode struct {
	Domain      string `json:"domain,omitempty"`
	Family      string `json:"family,omitempty"`
	Subfamily   string `json:"subfamily,omitempty"`
	Description string `json:"description,omitempty"`
}

// Balance is one reported balance of an account (schema Balance).
type Balance struct {
	ID        string `json:"id"`
	AccountID string `json:"accountId"`
	// Type is BOOKED or AVAILABLE; ReportedType OPEN, CLOSE or INTERIM.
	Type         string `json:"type"`
	ReportedType string `json:"reportedType"`
	Amount       Amount `json:"amount"`
	LocalDate    string `json:"localDate"`
	Timestamp    string `json:"timestamp"`
	Version      int64  `json:"version,omitempty"`
}

// TransactionQuery filters ListTransactions. Zero fields do not filter.
type TransactionQuery struct {
	AccountID string
	// DateFrom is date[gte] (YYYY-MM-DD): the API has no created/updated
	// filter, so an incremental reader asks from the last date it saw.
	DateFrom string
}

// ListTransactions returns every transaction matching q, all pages.
func (c *Client) ListTransactions(ctx context.Context, q TransactionQuery) ([]Transaction, error) {
	v := url.Values{}
	if q.AccountID != "" {
		v.Set("accountId", q.AccountID)
	}
	if q.DateFrom != "" {
		// deepObject style, as the spec declares for `date`.
		v.Set("date[gte]", q.DateFrom)
	}
	return listAll[Transaction](ctx, c, transactionsPath, transactionsPath, v, financialPageLimit)
}

// BalanceQuery filters ListBalances. AccountID "" means all accounts ("-").
type BalanceQuery struct {
	AccountID string
	// Type is BOOKED or AVAILABLE; "" lists both.
	Type       string
	MostRecent bool
}

// ListBalances returns every balance matching q, all pages.
func (c *Client) ListBalances(ctx context.Context, q BalanceQuery) ([]Balance, error) {
	id := q.AccountID
	if id == "" {
		id = "-"
	}
	v := url.Values{}
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	if q.MostRecent {
		v.Set("mostRecent", strconv.FormatBool(true))
	}
	path := "/financial-data/v2/accounts/" + url.PathEscape(id) + "/balances"
	return listAll[Balance](ctx, c, path, balancesEndpoint, v, financialPageLimit)
}
