package camt053

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// NotProvided is the EndToEndId written for entries without one, as
// banks do.
const NotProvided = "NOTPROVIDED"

// entryCurrency is the entry's currency, defaulting to the account's.
func entryCurrency(e *Entry, account string) string {
	if e.Currency != "" {
		return e.Currency
	}
	return account
}

// summary writes TxsSummry. It is left out when there are no entries or
// when an entry is in another currency than the account, because sums
// across currencies mean nothing.
func (r *renderer) summary(entries Entries, ccy string) error {
	if entries.Len() == 0 {
		return nil
	}
	var nCdt, nDbt int
	var sumCdt, sumDbt int64
	var e Entry
	for i := range entries.Len() {
		entries.Entry(i, &e)
		if entryCurrency(&e, ccy) != ccy {
			return nil
		}
		if e.Amount <= 0 {
			return fmt.Errorf("entry %d: amount %d: must be > 0", i+1, e.Amount)
		}
		sum := &sumDbt
		if e.Credit {
			sum = &sumCdt
			nCdt++
		} else {
			nDbt++
		}
		if *sum > math.MaxInt64-e.Amount {
			return errors.New("entry totals overflow")
		}
		*sum += e.Amount
	}
	if sumCdt > math.MaxInt64-sumDbt {
		return errors.New("entry totals overflow")
	}
	total, err := formatAmount(sumCdt+sumDbt, ccy)
	if err != nil {
		return err
	}
	net, netInd, err := signedAmount(sumCdt - sumDbt)
	if err != nil {
		return err
	}
	netAmt, err := formatAmount(net, ccy)
	if err != nil {
		return err
	}

	x := r.x
	x.Open("TxsSummry")
	x.Open("TtlNtries")
	x.Leaf("NbOfNtries", strconv.Itoa(nCdt+nDbt))
	x.Leaf("Sum", total)
	if r.d.netEntry {
		x.Open("TtlNetNtry")
		x.Leaf("Amt", netAmt)
		x.Leaf("CdtDbtInd", netInd)
		x.Close("TtlNetNtry")
	} else {
		x.Leaf("TtlNetNtryAmt", netAmt)
		x.Leaf("CdtDbtInd", netInd)
	}
	x.Close("TtlNtries")
	for _, t := range []struct {
		tag string
		n   int
		sum int64
	}{{"TtlCdtNtries", nCdt, sumCdt}, {"TtlDbtNtries", nDbt, sumDbt}} {
		if t.n == 0 {
			continue
		}
		s, err := formatAmount(t.sum, ccy)
		if err != nil {
			return err
		}
		x.Open(t.tag)
		x.Leaf("NbOfNtries", strconv.Itoa(t.n))
		x.Leaf("Sum", s)
		x.Close(t.tag)
	}
	x.Close("TxsSummry")
	return nil
}

func (r *renderer) entry(e *Entry, accountCcy string) error {
	if e.Amount <= 0 {
		return fmt.Errorf("amount %d: must be > 0", e.Amount)
	}
	ccy := entryCurrency(e, accountCcy)
	amt, err := appendAmount(r.amt[:0], e.Amount, ccy)
	if err != nil {
		return err
	}
	r.amt = amt
	for _, d := range []struct{ field, v string }{{"BookingDate", e.BookingDate}, {"ValueDate", e.ValueDate}} {
		if d.v != "" && !isoxml.IsDate(d.v) {
			return fmt.Errorf("%s %q: not a date (YYYY-MM-DD)", d.field, d.v)
		}
	}
	domain, family, sub, err := bankTxCode(e)
	if err != nil {
		return err
	}
	ind := dbit
	if e.Credit {
		ind = crdt
	}

	x := r.x
	x.Open("Ntry")
	x.LeafBytes("Amt", amt, "Ccy", ccy)
	x.Leaf("CdtDbtInd", ind)
	if r.d.stsChoice {
		x.Open("Sts")
		x.Leaf("Cd", "BOOK")
		x.Close("Sts")
	} else {
		x.Leaf("Sts", "BOOK")
	}
	if e.BookingDate != "" {
		x.Open("BookgDt")
		x.Leaf("Dt", e.BookingDate)
		x.Close("BookgDt")
	}
	if e.ValueDate != "" {
		x.Open("ValDt")
		x.Leaf("Dt", e.ValueDate)
		x.Close("ValDt")
	}
	x.OptLeaf("AcctSvcrRef", isoxml.CleanText(e.AcctSvcrRef, max35))
	x.Open("BkTxCd")
	x.Open("Domn")
	x.Leaf("Cd", domain)
	x.Open("Fmly")
	x.Leaf("Cd", family)
	x.Leaf("SubFmlyCd", sub)
	x.Close("Fmly")
	x.Close("Domn")
	x.Close("BkTxCd")

	x.Open("NtryDtls")
	x.Open("TxDtls")
	x.Open("Refs")
	x.OptLeaf("InstrId", isoxml.CleanText(e.InstrID, max35))
	e2e := isoxml.CleanText(e.EndToEndID, max35)
	if e2e == "" {
		e2e = NotProvided
	}
	x.Leaf("EndToEndId", e2e)
	x.Close("Refs")
	if r.d.txAmt {
		x.LeafBytes("Amt", amt, "Ccy", ccy)
		x.Leaf("CdtDbtInd", ind)
	} else {
		// v02 has no TxDtls/Amt; the transaction amount goes in AmtDtls.
		x.Open("AmtDtls")
		x.Open("TxAmt")
		x.LeafBytes("Amt", amt, "Ccy", ccy)
		x.Close("TxAmt")
		x.Close("AmtDtls")
	}
	if err := r.counterparty(e); err != nil {
		return err
	}
	if ref := isoxml.CleanText(e.Reference, max140); ref != "" {
		x.Open("RmtInf")
		x.Leaf("Ustrd", ref)
		x.Close("RmtInf")
	}
	x.Close("TxDtls")
	x.Close("NtryDtls")
	x.OptLeaf("AddtlNtryInf", isoxml.CleanText(e.AddtlInfo, max500))
	x.Close("Ntry")
	return nil
}

// bankTxCode returns the entry's domain/family/sub-family, or the
// payment default for its direction when none is set.
func bankTxCode(e *Entry) (domain, family, sub string, err error) {
	if e.Domain == "" && e.Family == "" && e.SubFamily == "" {
		if e.Credit {
			return "PMNT", "RCDT", "OTHR", nil
		}
		return "PMNT", "ICDT", "OTHR", nil
	}
	for _, c := range []string{e.Domain, e.Family, e.SubFamily} {
		if !isCode(c) {
			return "", "", "", fmt.Errorf("bank transaction code %s/%s/%s: each part must be 1-4 of A-Z, 0-9",
				e.Domain, e.Family, e.SubFamily)
		}
	}
	return e.Domain, e.Family, e.SubFamily, nil
}

// counterparty writes RltdPties and RltdAgts for the other side of the
// entry: the debtor of a credit, the creditor of a debit.
func (r *renderer) counterparty(e *Entry) error {
	party, acct, agent := "Cdtr", "CdtrAcct", "CdtrAgt"
	if e.Credit {
		party, acct, agent = "Dbtr", "DbtrAcct", "DbtrAgt"
	}
	name := isoxml.CleanText(e.CounterpartName, max140)
	hasAcct := isoxml.CleanText(e.CounterpartIBAN, max34) != ""
	x := r.x
	if name != "" || hasAcct {
		x.Open("RltdPties")
		if name != "" {
			x.Open(party)
			if r.d.partyChoice {
				x.Open("Pty")
			}
			x.Leaf("Nm", name)
			if r.d.partyChoice {
				x.Close("Pty")
			}
			x.Close(party)
		}
		if hasAcct {
			x.Open(acct)
			if err := r.accountID(e.CounterpartIBAN, ""); err != nil {
				return fmt.Errorf("counterparty account: %w", err)
			}
			x.Close(acct)
		}
		x.Close("RltdPties")
	}
	if bic := compact(e.CounterpartBIC); r.d.bic(bic) {
		x.Open("RltdAgts")
		x.Open(agent)
		x.Open("FinInstnId")
		x.Leaf(r.d.bicTag, bic)
		x.Close("FinInstnId")
		x.Close(agent)
		x.Close("RltdAgts")
	}
	return nil
}
