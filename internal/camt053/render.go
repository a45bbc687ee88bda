package camt053

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// ErrUnsupportedVersion is returned by Render for a version not in
// Versions.
var ErrUnsupportedVersion = errors.New("unsupported camt.053 version")

// dialect is what differs between the supported versions. Everything
// else (element names and order of the parts we write) is shared.
type dialect struct {
	ns string
	// bicTag names the BIC element: BIC in v02, BICFI later.
	bicTag string
	bic    func(string) bool
	// stsChoice: v08 wraps the entry status in <Sts><Cd>.
	stsChoice bool
	// partyChoice: v08 wraps related parties in <Pty>.
	partyChoice bool
	// txAmt: v03+ carry Amt/CdtDbtInd in TxDtls; v02 only has AmtDtls.
	txAmt bool
	// netEntry: v04+ write TtlNetNtry{Amt,CdtDbtInd}; v02/v03
	// TtlNetNtryAmt + CdtDbtInd.
	netEntry bool
}

var dialects = map[string]dialect{
	V02: {ns: "urn:iso:std:iso:20022:tech:xsd:" + V02, bicTag: "BIC", bic: isBIC},
	V03: {ns: "urn:iso:std:iso:20022:tech:xsd:" + V03, bicTag: "BICFI", bic: isBIC, txAmt: true},
	V04: {ns: "urn:iso:std:iso:20022:tech:xsd:" + V04, bicTag: "BICFI", bic: isBIC, txAmt: true, netEntry: true},
	V08: {ns: "urn:iso:std:iso:20022:tech:xsd:" + V08, bicTag: "BICFI", bic: isBIC2014, txAmt: true, netEntry: true, stsChoice: true, partyChoice: true},
}

// Render writes st as a camt.053 document of the given version (one of
// Versions) with one statement, valid against that version's XSD.
//
// Required: MsgID, ID, CreatedAt, an account IBAN or OtherID, the account
// currency, balance dates (OpeningDate/ClosingDate, else the dates of
// From/To), and for each entry a positive amount. Text is cleaned of
// characters XML cannot carry and cut to the schema's maximum length
// (identifiers included: EndToEndId is Max35Text in camt.053).
// Identifiers that do not fit their pattern are not fatal, because a
// statement must still reach the ERP: an account "IBAN" that is not
// IBAN-shaped is written as Othr/Id, and a malformed BIC is left out.
// Empty EndToEndID is written as NOTPROVIDED. Entries without a bank
// transaction code get PMNT/RCDT/OTHR (credit) or PMNT/ICDT/OTHR (debit),
// since the schema requires one.
func Render(version string, st Statement) ([]byte, error) {
	d, ok := dialects[version]
	if !ok {
		return nil, fmt.Errorf("render %q: %w", version, ErrUnsupportedVersion)
	}
	var buf bytes.Buffer
	buf.Grow(2048 + 1536*len(st.Entries))
	r := renderer{x: isoxml.NewWriter(&buf), d: d}
	if err := r.document(st, entrySlice(st.Entries)); err != nil {
		return nil, fmt.Errorf("render %s statement %q: %w", version, st.ID, err)
	}
	if err := r.x.Finish(); err != nil {
		return nil, fmt.Errorf("render %s statement %q: %w", version, st.ID, err)
	}
	return buf.Bytes(), nil
}

type renderer struct {
	x *isoxml.Writer
	d dialect
	// notification writes a camt.054 debit/credit notification: the same
	// entries, in Ntfctn, without balances.
	notification bool
	// report writes a camt.052 account report: the same entries, in Rpt,
	// with only an interim booked balance (ITBD).
	report bool
	// amt is the current entry's amount, formatted in place.
	amt []byte
}

// Entries hands the renderer a statement's entries one at a time, so a
// long document is written straight from the caller's own model (the
// reports engine's bankstmt.Statement) without first copying every entry
// into this package's.
type Entries interface {
	Len() int
	// Entry fills e with the i-th entry, overwriting every field; the
	// renderer passes the same e for every call and keeps nothing of it.
	// It may be called more than once for one i.
	Entry(i int, e *Entry)
}

// entrySlice is Entries over a Statement's own entries.
type entrySlice []Entry

func (s entrySlice) Len() int              { return len(s) }
func (s entrySlice) Entry(i int, e *Entry) { *e = s[i] }

// document writes st with the given entries (st.Entries is not read).
func (r *renderer) document(st Statement, entries Entries) error {
	msgID := isoxml.CleanText(st.MsgID, max35)
	if msgID == "" {
		return errors.New("MsgID is empty")
	}
	id := isoxml.CleanText(st.ID, max35)
	if id == "" {
		return errors.New("statement ID is empty")
	}
	if st.CreatedAt.IsZero() {
		return errors.New("CreatedAt is zero")
	}
	if st.SeqNb < 0 || st.SeqNb > max18Digits {
		return fmt.Errorf("SeqNb %d: must be 0 to 18 digits", st.SeqNb)
	}
	if st.From.IsZero() != st.To.IsZero() {
		return errors.New("period needs both From and To")
	}
	if !st.From.IsZero() && st.To.Before(st.From) {
		return fmt.Errorf("period %s–%s: To before From", isoxml.DateTime(st.From), isoxml.DateTime(st.To))
	}
	ccy := st.Account.Currency
	if !isCurrency(ccy) {
		return fmt.Errorf("account currency %q: not an ISO 4217 code", ccy)
	}
	openDt, err := balanceDate("OpeningDate", st.OpeningDate, st.From)
	if err != nil {
		return err
	}
	closeDt, err := balanceDate("ClosingDate", st.ClosingDate, st.To)
	if err != nil {
		return err
	}

	root, block := "BkToCstmrStmt", "Stmt"
	if r.notification {
		root, block = "BkToCstmrDbtCdtNtfctn", "Ntfctn"
	}
	if r.report {
		root, block = "BkToCstmrAcctRpt", "Rpt"
	}
	x := r.x
	x.Declaration()
	x.Open("Document", "xmlns", r.d.ns)
	x.Open(root)

	x.Open("GrpHdr")
	x.Leaf("MsgId", msgID)
	x.Leaf("CreDtTm", isoxml.DateTime(st.CreatedAt))
	x.Open("MsgPgntn")
	x.Leaf("PgNb", "1")
	x.Leaf("LastPgInd", "true")
	x.Close("MsgPgntn")
	x.Close("GrpHdr")

	x.Open(block)
	x.Leaf("Id", id)
	if st.SeqNb > 0 {
		x.Leaf("ElctrncSeqNb", strconv.FormatInt(st.SeqNb, 10))
	}
	x.Leaf("CreDtTm", isoxml.DateTime(st.CreatedAt))
	if !st.From.IsZero() {
		x.Open("FrToDt")
		x.Leaf("FrDtTm", isoxml.DateTime(st.From))
		x.Leaf("ToDtTm", isoxml.DateTime(st.To))
		x.Close("FrToDt")
	}
	if st.CopyDuplicate != "" {
		x.Leaf("CpyDplctInd", st.CopyDuplicate)
	}
	if err := r.account(st.Account); err != nil {
		return err
	}
	if r.report {
		if err := r.balance("ITBD", st.Closing, ccy, closeDt); err != nil {
			return fmt.Errorf("interim balance: %w", err)
		}
	}
	if !r.notification && !r.report {
		if err := r.balance("OPBD", st.Opening, ccy, openDt); err != nil {
			return fmt.Errorf("opening balance: %w", err)
		}
		if err := r.balance("CLBD", st.Closing, ccy, closeDt); err != nil {
			return fmt.Errorf("closing balance: %w", err)
		}
	}
	if err := r.summary(entries, ccy); err != nil {
		return err
	}
	var e Entry
	for i := range entries.Len() {
		entries.Entry(i, &e)
		if err := r.entry(&e, ccy); err != nil {
			return fmt.Errorf("entry %d: %w", i+1, err)
		}
	}
	x.Close(block)
	x.Close(root)
	x.Close("Document")
	return nil
}

// balanceDate returns date, or the date of fallback when date is empty.
func balanceDate(field, date string, fallback time.Time) (string, error) {
	switch {
	case date != "" && !isoxml.IsDate(date):
		return "", fmt.Errorf("%s %q: not a date (YYYY-MM-DD)", field, date)
	case date != "":
		return date, nil
	case !fallback.IsZero():
		return fallback.Format(time.DateOnly), nil
	default:
		return "", fmt.Errorf("%s is empty and the period is not set", field)
	}
}

func (r *renderer) account(a Account) error {
	x := r.x
	x.Open("Acct")
	if err := r.accountID(a.IBAN, a.OtherID); err != nil {
		return fmt.Errorf("account: %w", err)
	}
	x.Leaf("Ccy", a.Currency)
	if nm := isoxml.CleanText(a.OwnerName, max140); nm != "" {
		x.Open("Ownr")
		x.Leaf("Nm", nm)
		x.Close("Ownr")
	}
	if bic := compact(a.BIC); r.d.bic(bic) {
		x.Open("Svcr")
		x.Open("FinInstnId")
		x.Leaf(r.d.bicTag, bic)
		x.Close("FinInstnId")
		x.Close("Svcr")
	}
	x.Close("Acct")
	return nil
}

// accountID writes <Id> with the IBAN, or Othr/Id when there is no
// IBAN-shaped value (then otherID, else the non-IBAN value, is used).
func (r *renderer) accountID(iban, otherID string) error {
	x := r.x
	if c := compact(iban); isIBAN(c) {
		x.Open("Id")
		x.Leaf("IBAN", c)
		x.Close("Id")
		return nil
	}
	other := isoxml.CleanText(otherID, max34)
	if other == "" {
		other = isoxml.CleanText(iban, max34)
	}
	if other == "" {
		return errors.New("neither IBAN nor other id")
	}
	x.Open("Id")
	x.Open("Othr")
	x.Leaf("Id", other)
	x.Close("Othr")
	x.Close("Id")
	return nil
}

func (r *renderer) balance(code string, minor int64, ccy, date string) error {
	abs, ind, err := signedAmount(minor)
	if err != nil {
		return err
	}
	amt, err := formatAmount(abs, ccy)
	if err != nil {
		return err
	}
	x := r.x
	x.Open("Bal")
	x.Open("Tp")
	x.Open("CdOrPrtry")
	x.Leaf("Cd", code)
	x.Close("CdOrPrtry")
	x.Close("Tp")
	x.Leaf("Amt", amt, "Ccy", ccy)
	x.Leaf("CdtDbtInd", ind)
	x.Open("Dt")
	x.Leaf("Dt", date)
	x.Close("Dt")
	x.Close("Bal")
	return nil
}
