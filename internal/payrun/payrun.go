// Package payrun is the format-neutral model of a payment run: what a CSV
// file or a pain.001 file asks to pay, after parsing and offline validation,
// before anything is sent to Atlar. Format readers (csvpay, pain001) produce
// it; inbound turns it into Atlar credit-transfer batches.
package payrun

import (
	"fmt"
	"strings"
)

// Run is one input file's payments, in file order.
type Run struct {
	// MsgID is the message id of a pain.001 file (GrpHdr/MsgId); empty for CSV.
	MsgID string
	// MsgNameID names the input message for pain.002's OrgnlMsgNmId,
	// e.g. "pain.001.001.03", or "CSV" for CSV files.
	MsgNameID string
	// Payments in file order.
	Payments []Payment
}

// Payment is one credit transfer the ERP asked for.
type Payment struct {
	// Row is the 1-based data row of a CSV file (header excluded), or the
	// 1-based position of the CdtTrfTxInf in a pain.001 file.
	Row int
	// Line is the physical 1-based line of the record in a CSV file (0 for XML).
	Line int
	// ExternalID is the ERP's id of the payment; becomes Atlar's externalId.
	ExternalID string
	// PmtInfID is the pain.001 PmtInfId of the block the payment came from.
	PmtInfID string
	// InstrID is the pain.001 InstrId, if any.
	InstrID string

	// SourceAccountID is the Atlar account id that pays; when empty,
	// SourceIBAN names it and inbound resolves it through the accounts API.
	SourceAccountID string
	SourceIBAN      string
	// SourceNumber names the paying account by a domestic account number
	// when it has no IBAN (pain.001 DbtrAcct/Id/Othr/Id: US and UK files);
	// inbound matches it against the accounts' identifiers and routing in
	// Atlar. A pointer, shared by the payments of one pain.001 PmtInf, so
	// that the common IBAN case costs a Payment 8 bytes, not 32.
	SourceNumber *AccountNumber `json:",omitempty"`

	// Amount in minor units of Currency (ISO 4217 exponent), always > 0.
	Amount   int64
	Currency string
	// Date is the requested execution date, YYYY-MM-DD; empty means today.
	Date string
	// RequestedDate is set by inbound when the requested execution date
	// was in the past: the date asked for, while the payment is made today.
	RequestedDate string `json:",omitempty"`
	// Reference is the text the creditor sees (max 140).
	Reference string
	// Scheme is the Atlar scheme (SCT, SCT_INST, GB_CT_FPS, ...); empty lets
	// inbound derive it from the currency and destination.
	Scheme string

	// Destination: exactly one of ExternalAccountID or Creditor is set.
	ExternalAccountID string
	Creditor          *Creditor
}

// AccountNumber is a domestic account number and, if given, the routing
// id of its bank: an ABA routing number or a sort code (without the
// USABA/GBDSC prefix), else another clearing system's member id as written.
type AccountNumber struct {
	Number  string
	Routing string `json:",omitempty"`
}

// Creditor is an inline destination account and its holder.
type Creditor struct {
	Name string
	// IBAN, or AccountNumber with optional routing.
	IBAN          string
	AccountNumber string
	RoutingNumber string // US ABA
	SortCode      string // GB sort code
	BIC           string
	Country       string // ISO 3166 alpha-2; derived from the IBAN when empty
	AddressLines  []string
	City          string
	PostalCode    string
	StreetName    string
}

// Problem is one thing wrong with an input file, specific enough for an
// operator to fix it without reading code.
type Problem struct {
	// Row is the 1-based data row (CSV) or transaction (pain.001); 0 when the
	// problem concerns the whole file.
	Row int
	// Line is the physical line in the file when known.
	Line int
	// Field is the column or XML element, e.g. "amount" or "GrpHdr/CtrlSum".
	Field string
	// Value is the offending value as found (truncated by the producer if huge).
	Value string
	// Expected says what would have been accepted.
	Expected string
	// Code is an ISO 20022 status reason code when one fits (AM18, AC01, ...).
	Code string
}

// String renders the problem on one line, for error files and logs.
func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.Row > 0 && p.Line > 0:
		fmt.Fprintf(&b, "row %d (line %d)", p.Row, p.Line)
	case p.Row > 0:
		fmt.Fprintf(&b, "row %d", p.Row)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d", p.Line)
	}
	if p.Field != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Field)
	}
	if b.Len() == 0 {
		b.WriteString("file")
	}
	if p.Value != "" {
		fmt.Fprintf(&b, ": got %q", p.Value)
	}
	if p.Expected != "" {
		if p.Value != "" {
			b.WriteString(", expected ")
		} else {
			b.WriteString(": expected ")
		}
		b.WriteString(p.Expected)
	}
	if p.Code != "" {
		fmt.Fprintf(&b, " [%s]", p.Code)
	}
	return b.String()
}

// Problems is a list of problems that is also an error, so a reader can
// return every problem of a file at once.
type Problems []Problem

func (ps Problems) Error() string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(ps))
	for _, p := range ps {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}
