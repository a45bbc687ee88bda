package camt053

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// NotProvided is the EndToEndId written for entries without one, as
// banks do.
const NotProvided = "NOTPROVIDED"

// entryCurrency is the entry's currency, defaulting to the account's.
func entryCurrency(e Entry, account string) string {
	if e.Currency != "" {
		return e.Currency
	}
	return account
}

// summary writes TxsSummry. It is left out when there are no entries or
// when an entry is in another currency than the account, because sums
// across currencies mean nothing.
func (r *renderer) summary(entries []Entry, ccy string) error {
	if len(entries) == 0 {
		return nil
	}
	var nCdt, nDbt int
	var sumCdt, sumDbt int64
	for i, e := range entries {
		if entryCurrency(e, ccy) != ccy {
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
	x.open("TxsSummry")
	x.open("TtlNtries")
	x.leaf("NbOfNtries", strconv.Itoa(nCdt+nDbt))
	x.leaf("Sum", total)
	if r.d.netEntry {
		x.open("TtlNetNtry")
		x.leaf("Amt", netAmt)
		x.leaf("CdtDbtInd", netInd)
		x.close("TtlNetNtry")
	} else {
		x.leaf("TtlNetNtryAmt", netAmt)
		x.leaf("CdtDbtInd", netInd)
	}
	x.close("TtlNtries")
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
		x.open(t.tag)
		x.leaf("NbOfNtries", strconv.Itoa(t.n))
		x.leaf("Sum", s)
		x.close(t.tag)
	}
	x.close("TxsSummry")
	return nil
}

func (r *renderer) entry(e Entry, accountCcy string) error {
	if e.Amount <= 0 {
		return fmt.Errorf("amount %d: must be > 0", e.Amount)
	}
	ccy := entryCurrency(e, accountCcy)
	amt, err := formatAmount(e.Amount, ccy)
	if err != nil {
		return err
	}
	for _, d := range []struct{ field, v string }{{"BookingDate", e.BookingDate}, {"ValueDate", e.ValueDate}} {
		if d.v != "" && !isDate(d.v) {
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
	x.open("Ntry")
	x.leaf("Amt", amt, "Ccy", ccy)
	x.leaf("CdtDbtInd", ind)
	if r.d.stsChoice {
		x.open("Sts")
		x.leaf("Cd", "BOOK")
		x.close("Sts")
	} else {
		x.leaf("Sts", "BOOK")
	}
	if e.BookingDate != "" {
		x.open("BookgDt")
		x.leaf("Dt", e.BookingDate)
		x.close("BookgDt")
	}
	if e.ValueDate != "" {
		x.open("ValDt")
		x.leaf("Dt", e.ValueDate)
		x.close("ValDt")
	}
	x.optLeaf("AcctSvcrRef", cleanText(e.AcctSvcrRef, max35))
	x.open("BkTxCd")
	x.open("Domn")
	x.leaf("Cd", domain)
	x.open("Fmly")
	x.leaf("Cd", family)
	x.leaf("SubFmlyCd", sub)
	x.close("Fmly")
	x.close("Domn")
	x.close("BkTxCd")

	x.open("NtryDtls")
	x.open("TxDtls")
	x.open("Refs")
	x.optLeaf("InstrId", cleanText(e.InstrID, max35))
	e2e := cleanText(e.EndToEndID, max35)
	if e2e == "" {
		e2e = NotProvided
	}
	x.leaf("EndToEndId", e2e)
	x.close("Refs")
	if r.d.txAmt {
		x.leaf("Amt", amt, "Ccy", ccy)
		x.leaf("CdtDbtInd", ind)
	} else {
		// v02 has no TxDtls/Amt; the transaction amount goes in AmtDtls.
		x.open("AmtDtls")
		x.open("TxAmt")
		x.leaf("Amt", amt, "Ccy", ccy)
		x.close("TxAmt")
		x.close("AmtDtls")
	}
	if err := r.counterparty(e); err != nil {
		return err
	}
	if ref := cleanText(e.Reference, max140); ref != "" {
		x.open("RmtInf")
		x.leaf("Ustrd", ref)
		x.close("RmtInf")
	}
	x.close("TxDtls")
	x.close("NtryDtls")
	x.optLeaf("AddtlNtryInf", cleanText(e.AddtlInfo, max500))
	x.close("Ntry")
	return nil
}

// bankTxCode returns the entry's domain/family/sub-family, or the
// payment default for its direction when none is set.
func bankTxCode(e Entry) (domain, family, sub string, err error) {
	if e.Domain == "" && e.Family == "" && e.SubFamily == "" {
		if e.Credit {
			return "PMNT", "RCDT", "OTHR", nil
		}
		return "PMNT", "ICDT", "OTHR", nil
	}
	for _, c := range []string{e.Domain, e.Family, e.SubFamily} {
		if !codePattern.MatchString(c) {
			return "", "", "", fmt.Errorf("bank transaction code %s/%s/%s: each part must be 1-4 of A-Z, 0-9",
				e.Domain, e.Family, e.SubFamily)
		}
	}
	return e.Domain, e.Family, e.SubFamily, nil
}

// counterparty writes RltdPties and RltdAgts for the other side of the
// entry: the debtor of a credit, the creditor of a debit.
func (r *renderer) counterparty(e Entry) error {
	party, acct, agent := "Cdtr", "CdtrAcct", "CdtrAgt"
	if e.Credit {
		party, acct, agent = "Dbtr", "DbtrAcct", "DbtrAgt"
	}
	name := cleanText(e.CounterpartName, max140)
	hasAcct := cleanText(e.CounterpartIBAN, max34) != ""
	x := r.x
	if name != "" || hasAcct {
		x.open("RltdPties")
		if name != "" {
			x.open(party)
			if r.d.partyChoice {
				x.open("Pty")
			}
			x.leaf("Nm", name)
			if r.d.partyChoice {
				x.close("Pty")
			}
			x.close(party)
		}
		if hasAcct {
			x.open(acct)
			if err := r.accountID(e.CounterpartIBAN, ""); err != nil {
				return fmt.Errorf("counterparty account: %w", err)
			}
			x.close(acct)
		}
		x.close("RltdPties")
	}
	if bic := compact(e.CounterpartBIC); r.d.bic.MatchString(bic) {
		x.open("RltdAgts")
		x.open(agent)
		x.open("FinInstnId")
		x.leaf(r.d.bicTag, bic)
		x.close("FinInstnId")
		x.close(agent)
		x.close("RltdAgts")
	}
	return nil
}
