package parties

import "github.com/atlarbridge/bridge/internal/payrun"

// Statuses of a row in the result CSV.
const (
	StatusCreated   = "created"
	StatusUpdated   = "updated"
	StatusUnchanged = "unchanged"
	StatusRejected  = "rejected"
)

// Set is one file's counterparties, in file order.
type Set struct {
	Counterparties []Counterparty
}

// Counterparty is one vendor or customer.
type Counterparty struct {
	// Row is the 1-based data row (header excluded); Line the physical line.
	Row, Line int
	// ExternalID is the ERP's vendor or customer number: Atlar's
	// externalId, so payment files can name "external:<id>".
	ExternalID string
	Name       string
	// PartyType is COMPANY or INDIVIDUAL.
	PartyType string
	Email     string  `json:",omitempty"`
	Address   Address `json:",omitempty"`
	Account   Account
}

// Address is the counterparty's postal address; Country is ISO 3166
// alpha-2.
type Address struct {
	Street     string `json:",omitempty"`
	City       string `json:",omitempty"`
	PostalCode string `json:",omitempty"`
	Country    string `json:",omitempty"`
}

// Account is the counterparty's bank account: an IBAN, or a domestic
// number with its routing (ABA or sort code) on Market.
type Account struct {
	IBAN     string `json:",omitempty"`
	Number   string `json:",omitempty"`
	Routing  string `json:",omitempty"`
	BIC      string `json:",omitempty"`
	Currency string `json:",omitempty"`
	// Market is the account's country, ISO 3166 alpha-2: the IBAN's, else
	// the country column.
	Market string `json:",omitempty"`
}

// Problem and Problems are payrun's.
type (
	Problem  = payrun.Problem
	Problems = payrun.Problems
)
