// Package camt053 renders bank-to-customer statements (ISO 20022
// camt.053.001.02/.03/.04/.08) from a version-neutral model, and reads back
// the few header facts the outbox needs to name a statement file. It does
// no I/O.
package camt053

import "time"

// Supported versions, as used in config (statements.format) and in the
// Atlar content format parameter (application/vnd.iso20022.<version>+xml).
const (
	V02 = "camt.053.001.02"
	V03 = "camt.053.001.03"
	V04 = "camt.053.001.04"
	V08 = "camt.053.001.08"
)

// Versions lists the supported versions.
var Versions = []string{V02, V03, V04, V08}

// Statement is one account statement (one Stmt in one BkToCstmrStmt message).
type Statement struct {
	MsgID     string    // GrpHdr/MsgId, max 35
	ID        string    // Stmt/Id, max 35
	CreatedAt time.Time // GrpHdr/CreDtTm and Stmt/CreDtTm
	From, To  time.Time // Stmt/FrToDt
	SeqNb     int64     // ElctrncSeqNb, 0 = omit
	// CopyDuplicate is CpyDplctInd: "" omits it; "DUPL" marks a
	// redelivery of a message sent before (same ids and numbers).
	CopyDuplicate string

	Account Account

	// Balances in minor units of Account.Currency; negative means debit.
	Opening, Closing int64
	OpeningDate      string // YYYY-MM-DD
	ClosingDate      string // YYYY-MM-DD
	// Available is the closing available balance (CLAV) when the
	// statement has one. Read fills it; Render does not write it.
	Available *int64

	Entries []Entry
}

// Account identifies the statement's account.
type Account struct {
	IBAN      string // preferred; else OtherID
	OtherID   string
	Currency  string
	OwnerName string
	BIC       string // servicer
}

// Entry is one booked entry with one transaction detail.
type Entry struct {
	// Amount in minor units of Currency, always > 0; Credit says the direction.
	Amount      int64
	Currency    string
	Credit      bool
	BookingDate string // YYYY-MM-DD
	ValueDate   string // YYYY-MM-DD
	AcctSvcrRef string // bank's reference, max 35
	// Bank transaction code: domain/family/subfamily, e.g. PMNT/ICDT/ESCT.
	Domain, Family, SubFamily string

	// Transaction details.
	EndToEndID      string // "NOTPROVIDED" when empty
	InstrID         string
	Reference       string // RmtInf/Ustrd, max 140
	CounterpartName string
	CounterpartIBAN string
	CounterpartBIC  string
	AddtlInfo       string // AddtlNtryInf, max 500
	// Reversal is RvslInd (a returned or reversed booking). Read fills
	// it; Render does not write it.
	Reversal bool
	// MandateID is Refs/MndtId (direct debits). Read fills it.
	MandateID string
}
