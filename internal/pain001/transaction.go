package pain001

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/payrun"
)

// notProvided is the EndToEndId an ERP writes when it has none; it is no
// id, so it neither becomes the payment's externalId nor counts as a
// duplicate.
const notProvided = "NOTPROVIDED"

// maxReference is payrun's limit on Payment.Reference.
const maxReference = 140

// transaction reads one CdtTrfTxInf, whose start was just read, checks it
// and emits its payment.
func (r *reader) transaction(start *xml.StartElement, p *pmtState) error {
	r.row++
	p.count++
	sc := scope{
		prefix: p.sc.prefix + "/CdtTrfTxInf[" + strconv.Itoa(p.count) + "]",
		row:    r.row,
		line:   r.line(),
	}
	f := &r.txFields
	for i := range f {
		f[i] = f[i][:0]
	}
	if err := r.collect(start, 3, txTable, f[:], false, sc.prefix); err != nil {
		return err
	}
	pay := payrun.Payment{
		Row:          sc.row,
		PmtInfID:     p.hdr.ID,
		SourceIBAN:   p.sourceIBAN,
		SourceNumber: p.sourceNumber,
		Date:         p.date,
	}

	instr := r.one(sc, f[tInstrID])
	r.text(sc, instr, 35)
	pay.InstrID = clean(instr.val)
	e2e := r.need(gateWellformed, sc, f[tEndToEndID], "PmtId/EndToEndId")
	r.text(sc, e2e, 35)
	if id := clean(e2e.val); id != "" && id != notProvided {
		pay.ExternalID = id
		if first, dup := r.e2eIDs[id]; dup {
			r.bad(gateStrict, sc, e2e, fmt.Sprintf("an EndToEndId used once in the file (row %d has it too)", first), codeDupE2E)
		} else {
			r.e2eIDs[id] = sc.row
		}
	}

	// The transaction's own payment type wins over its block's.
	svcCd, lclCd := p.svcLvlCd, p.lclInstrmCd
	if len(f[tSvcLvl]) > 0 {
		_, svcCd = r.serviceLevel(sc, f[tSvcLvl])
	}
	if lcl := r.one(sc, f[tLclInstrm]); lcl.seen {
		r.code(sc, lcl)
		lclCd = codeOf(lcl)
	}
	ctgyField := tCtgyPurp
	if r.schema.v == 2 {
		ctgyField = tCtgyPurp02
	}
	if ctgy := r.one(sc, f[ctgyField]); ctgy.seen {
		r.code(sc, ctgy)
	}
	pay.Scheme = SchemeFor(svcCd, lclCd)

	r.amount(sc, p, &pay)
	r.chargeBearer(sc, r.one(sc, f[tChrgBr]))
	pay.Creditor = r.creditor(sc)
	pay.Reference = r.reference(sc)
	r.emit(pay)
	return nil
}

// amount reads Amt into pay and adds it to the block's total.
func (r *reader) amount(sc scope, p *pmtState, pay *payrun.Payment) {
	f := &r.txFields
	inst, eqvt := r.one(sc, f[tInstdAmt]), r.one(sc, f[tEqvtAmt])
	l, equivalent := inst, false
	switch {
	case inst.seen && eqvt.seen:
		r.bad(gateStrict, sc, eqvt, "InstdAmt or EqvtAmt, not both", codeContent)
	case eqvt.seen:
		// The debtor's currency amount of a transfer in another currency:
		// what the creditor gets is only known after conversion, so it
		// cannot become a payment of a fixed amount. It still counts in
		// CtrlSum, which adds amounts as written.
		l, equivalent = eqvt, true
		r.bad(gateWellformed, sc, eqvt, "Amt/InstdAmt: equivalent amounts (EqvtAmt) are not supported", codeUnsupported)
	case !inst.seen:
		r.missing(gateWellformed, sc, "Amt/InstdAmt", "")
		p.sumOK = false
		return
	}
	d, ok := parseDecimal(l.val)
	if !ok || d.neg {
		r.bad(gateWellformed, sc, l, "a positive decimal amount such as 1234.56", codeAmount)
		p.sumOK = false
		return
	}
	p.sum.Add(p.sum, d.rat())
	p.sumFrac = max(p.sumFrac, d.scale)
	if d.total > 18 || d.frac > 5 {
		r.bad(gateStrict, sc, l, "at most 18 digits, 5 of them decimals", codeAmount)
	}
	ccy := leaf{path: l.path + "/@Ccy", val: l.ccy, line: l.line, seen: true}
	switch _, known := money.Exponent(l.ccy); {
	case l.ccy == "":
		r.bad(gateWellformed, sc, ccy, "the ISO 4217 currency code of the amount", codeCurrency)
	case !known:
		r.bad(gateWellformed, sc, ccy, "an active ISO 4217 currency code", codeCurrency)
	case !equivalent:
		minor, err := money.Parse(d.canon, l.ccy, '.', 0)
		switch {
		case err != nil:
			r.bad(gateWellformed, sc, l, "an amount in "+l.ccy+": "+err.Error(), codeAmount)
		case minor == 0:
			r.bad(gateWellformed, sc, l, "an amount greater than 0", codeAmount)
		default:
			pay.Amount, pay.Currency = minor, l.ccy
		}
	}
}

// creditor reads the inline destination: Cdtr, CdtrAcct and CdtrAgt.
func (r *reader) creditor(sc scope) *payrun.Creditor {
	f := &r.txFields
	c := &payrun.Creditor{}

	nm := r.one(sc, f[tCdtrNm])
	r.text(sc, nm, r.nameMax())
	c.Name = clean(nm.val)
	for _, a := range []struct {
		l   leaf
		n   int
		dst *string
	}{
		{r.one(sc, f[tStrtNm]), 70, &c.StreetName},
		{r.one(sc, f[tPstCd]), 16, &c.PostalCode},
		{r.one(sc, f[tTwnNm]), 35, &c.City},
	} {
		r.text(sc, a.l, a.n)
		*a.dst = clean(a.l.val)
	}
	ctry := r.one(sc, f[tCtry])
	r.country(sc, ctry)
	c.Country = clean(ctry.val)
	maxLines := 7
	if r.schema.v == 2 {
		maxLines = 5
	}
	for i, a := range f[tAdrLine] {
		r.text(sc, a, 70)
		if i == maxLines {
			r.bad(gateStrict, sc, a, fmt.Sprintf("at most %d AdrLine", maxLines), codeContent)
		}
		if v := clean(a.val); v != "" {
			c.AddressLines = append(c.AddressLines, v)
		}
	}

	acct := r.need(gateWellformed, sc, f[tCdtrAcct], "CdtrAcct")
	iban, other := r.one(sc, f[tCdtrIBAN]), r.one(sc, f[tCdtrOther])
	switch {
	case iban.seen:
		c.IBAN = r.iban(sc, iban)
		if other.seen {
			r.bad(gateStrict, sc, other, "IBAN or Othr, not both", codeContent)
		}
	case other.seen:
		r.text(sc, other, 34)
		c.AccountNumber = clean(other.val)
	case acct.seen:
		r.missing(gateWellformed, sc, "CdtrAcct/Id/IBAN", "the creditor's IBAN (or Othr/Id)")
	}

	bic := r.one(sc, f[tCdtrAgtBIC])
	r.bic(sc, bic)
	c.BIC = clean(bic.val)
	sys, member := r.one(sc, f[tClrSysCd]), r.one(sc, f[tClrSysMmbID])
	r.text(sc, member, 35)
	routing(c, clean(sys.val), clean(member.val))
	return c
}

// routing files a clearing-system member id under the Creditor field for
// its system: a US ABA routing number or a GB sort code. Other systems
// have no field; the IBAN or BIC routes those payments.
func routing(c *payrun.Creditor, system, member string) {
	if system == "" {
		// v02 and some ERPs write the system as a prefix: "USABA026009593".
		for _, code := range []string{"USABA", "GBDSC"} {
			if rest, ok := strings.CutPrefix(member, code); ok {
				system, member = code, rest
			}
		}
	}
	switch system {
	case "USABA":
		c.RoutingNumber = member
	case "GBDSC":
		c.SortCode = member
	}
}

// reference is the text the creditor sees: the unstructured remittance
// lines joined by a space, else the (first) structured creditor reference,
// else the numbers of the referred documents (invoices) joined by a space,
// so that the creditor can still match the payment.
func (r *reader) reference(sc scope) string {
	f := &r.txFields
	ustrd := r.texts(sc, f[tUstrd], 140)
	cdtrRefs := r.texts(sc, f[tCdtrRef], 35)
	docs := r.texts(sc, f[tRfrdDocNb], 35)
	var ref string
	switch {
	case len(ustrd) > 0:
		ref = strings.Join(ustrd, " ")
	case len(cdtrRefs) > 0:
		ref = cdtrRefs[0]
	default:
		ref = strings.Join(docs, " ")
	}
	// Several Ustrd may exceed what one payment carries; SEPA itself
	// carries only the first 140 characters, so keep those.
	if textLen(ref) > maxReference {
		ref = string([]rune(ref)[:maxReference])
	}
	return ref
}

// texts checks repeated MaxNText elements and returns their non-empty
// values.
func (r *reader) texts(sc scope, ls []leaf, n int) []string {
	var vs []string
	for _, l := range ls {
		r.text(sc, l, n)
		if v := clean(l.val); v != "" {
			vs = append(vs, v)
		}
	}
	return vs
}
