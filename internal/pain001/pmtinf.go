package pain001

import (
	"encoding/xml"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// pmtState is the PmtInf being read: its header, what its transactions
// inherit, and their running totals.
type pmtState struct {
	index      int
	sc         scope
	hdr        PmtInfHeader
	headerDone bool

	// Inherited by the transactions.
	svcLvlCd, lclInstrmCd string // codes only: a Prtry "SEPA" means nothing
	sourceIBAN            string
	date                  string // "" when in the past: execute today

	// sourceNumber: a debtor account given by number (Othr/Id) and its
	// agent's clearing member id.
	sourceNumber *payrun.AccountNumber

	nb      count
	ctrl    sum
	count   int
	sum     *big.Rat
	sumFrac int
	sumOK   bool
}

// pmtInf reads one PmtInf, whose start was just read; index is 1-based.
func (r *reader) pmtInf(start *xml.StartElement, index int) error {
	p := &pmtState{
		index: index,
		sc:    scope{prefix: "PmtInf[" + strconv.Itoa(index) + "]", line: r.line()},
		sum:   new(big.Rat),
		sumOK: true,
	}
	for i := range r.pmtFields {
		r.pmtFields[i] = r.pmtFields[i][:0]
	}
	for {
		tok, err := r.token()
		if err != nil {
			return r.noEOF(err)
		}
		switch tok.kind {
		case startToken:
			tk := &tok.start
			switch {
			case !r.inDoc(tk.Name):
				err = r.skip(3)
			case tk.Name.Local == "CdtTrfTxInf":
				if !p.headerDone {
					r.pmtHeader(p)
				}
				err = r.transaction(tk, p)
			case p.headerDone:
				r.flag(gateStrict, payrun.Problem{
					Line:     r.line(),
					Field:    p.sc.prefix + "/" + tk.Name.Local,
					Expected: "payment information before the first CdtTrfTxInf",
					Code:     codeContent,
				})
				err = r.skip(3)
			default:
				err = r.collect(tk, 3, pmtTable, r.pmtFields[:], true, p.sc.prefix)
			}
			if err != nil {
				return err
			}
		case endToken:
			if !p.headerDone {
				r.pmtHeader(p)
			}
			r.pmtEnd(p)
			return nil
		}
	}
}

// pmtHeader checks the PmtInf fields before the first transaction.
func (r *reader) pmtHeader(p *pmtState) {
	p.headerDone = true
	f, sc, h := &r.pmtFields, p.sc, &p.hdr

	// PmtInfId became required in v03.
	id := r.one(sc, f[pPmtInfID])
	if !id.seen && r.schema.v >= 3 {
		r.missing(gateStrict, sc, "PmtInfId", "")
	}
	r.text(sc, id, 35)
	h.ID = clean(id.val)
	if h.ID != "" {
		if first, dup := r.pmtIDs[h.ID]; dup {
			r.bad(gateStrict, sc, id, fmt.Sprintf("a PmtInfId used once in the file (PmtInf[%d] has it too)", first), codeDupPmtInf)
		} else {
			r.pmtIDs[h.ID] = p.index
		}
	}

	mtd := r.need(gateStrict, sc, f[pPmtMtd], "PmtMtd")
	switch mtd.val {
	case "TRF", "TRA":
	case "CHK":
		r.bad(gateStrict, sc, mtd, "TRF: cheques (CHK) are not supported", codeUnsupported)
	default:
		if mtd.seen {
			r.bad(gateStrict, sc, mtd, "TRF (or TRA)", codeContent)
		}
	}
	h.Method = clean(mtd.val)

	p.nb = r.declaredCount(sc, r.one(sc, f[pNbOfTxs]))
	p.ctrl = r.declaredSum(sc, r.one(sc, f[pCtrlSum]))
	h.NbOfTxs, h.CtrlSum = clean(p.nb.l.val), clean(p.ctrl.l.val)

	h.SvcLvl, p.svcLvlCd = r.serviceLevel(sc, f[pSvcLvl])
	lcl, ctgy := r.one(sc, f[pLclInstrm]), r.one(sc, f[pCtgyPurp])
	if r.schema.v == 2 {
		ctgy = r.one(sc, f[pCtgyPurp02])
	}
	for _, l := range []leaf{lcl, ctgy} {
		if l.seen {
			r.code(sc, l)
		}
	}
	h.LclInstrm, h.CtgyPurp = clean(lcl.val), clean(ctgy.val)
	p.lclInstrmCd = codeOf(lcl)

	h.ReqdExctnDt = r.execDate(sc)
	p.date = h.ReqdExctnDt
	if p.date < r.today {
		p.date = "" // banks execute a past date today; so does inbound
	}

	r.need(gateStrict, sc, f[pDbtr], "Dbtr")
	nm := r.one(sc, f[pDbtrNm])
	r.text(sc, nm, r.nameMax())
	h.DebtorName = clean(nm.val)

	acct := r.need(gateWellformed, sc, f[pDbtrAcct], "DbtrAcct")
	iban, other := r.one(sc, f[pDbtrIBAN]), r.one(sc, f[pDbtrOther])
	switch {
	case iban.seen:
		h.DebtorIBAN = r.iban(sc, iban)
		p.sourceIBAN = h.DebtorIBAN
		if other.seen {
			r.bad(gateStrict, sc, other, "IBAN or Othr, not both", codeContent)
		}
	case other.seen:
		r.text(sc, other, 34)
		h.DebtorAcctOther = clean(other.val)
	case acct.seen:
		r.missing(gateWellformed, sc, "DbtrAcct/Id/IBAN", "the debtor's IBAN (or Othr/Id)")
	}
	sys, member := r.one(sc, f[pDbtrClrSysCd]), r.one(sc, f[pDbtrMmbID])
	r.text(sc, member, 35)
	var agent payrun.Creditor
	routing(&agent, clean(sys.val), clean(member.val))
	h.DebtorRouting = agent.RoutingNumber + agent.SortCode
	if h.DebtorRouting == "" {
		h.DebtorRouting = clean(member.val) // another system's member id, matched as written
	}
	if h.DebtorIBAN == "" && h.DebtorAcctOther != "" {
		p.sourceNumber = &payrun.AccountNumber{Number: h.DebtorAcctOther, Routing: h.DebtorRouting}
	}
	ccy := r.one(sc, f[pDbtrCcy])
	r.currency(sc, ccy)
	h.Currency = clean(ccy.val)

	r.need(gateStrict, sc, f[pDbtrAgt], "DbtrAgt")
	bic := r.one(sc, f[pDbtrBIC])
	r.bic(sc, bic)
	h.DebtorBIC = clean(bic.val)
	r.chargeBearer(sc, r.one(sc, f[pChrgBr]))
}

// execDate reads ReqdExctnDt in either form and returns it as YYYY-MM-DD,
// or "" when absent or unreadable.
func (r *reader) execDate(sc scope) string {
	f := &r.pmtFields
	el, dt, dtm := r.one(sc, f[pReqdExctnDt]), r.one(sc, f[pReqdDt]), r.one(sc, f[pReqdDtTm])
	if !el.seen {
		r.missing(gateStrict, sc, "ReqdExctnDt", "")
		return ""
	}
	var (
		date string
		ok   bool
		l    leaf
	)
	switch {
	case dt.seen:
		l = dt
		date, ok = parseISODate(dt.val)
		if dtm.seen {
			r.bad(gateStrict, sc, dtm, "Dt or DtTm, not both", codeContent)
		}
	case dtm.seen:
		l = dtm
		date, ok = parseISODateTime(dtm.val)
	default:
		l = el
		date, ok = parseISODate(el.val)
	}
	// The form changed in v08; a bank validating against the schema
	// rejects the other one.
	if nested := l.path != el.path; nested != (r.schema.v >= 8) {
		want := "a plain date YYYY-MM-DD (no Dt/DtTm before pain.001.001.08)"
		if r.schema.v >= 8 {
			want = "the date inside Dt (or DtTm), as pain.001.001.08 and later require"
		}
		r.bad(gateStrict, sc, l, want, codeContent)
	}
	if !ok {
		// Wellformed: a payment must not go out on another day than asked.
		r.bad(gateWellformed, sc, l, "a date YYYY-MM-DD", codeBadDate)
		return ""
	}
	if date > r.latest {
		r.bad(gateStrict, sc, l, fmt.Sprintf("a date at most %d days after %s (so not after %s)", maxAhead, r.today, r.latest), codeTooFarAhead)
	}
	return date
}

// pmtEnd checks the block's totals and adds them to the file's.
func (r *reader) pmtEnd(p *pmtState) {
	sc := p.sc
	p.hdr.TxCount = p.count
	if p.sumOK {
		p.hdr.TxSum = formatRat(p.sum, p.sumFrac)
	}
	if p.count == 0 {
		r.missing(gateStrict, sc, "CdtTrfTxInf", "at least one CdtTrfTxInf in each PmtInf")
	}
	if p.nb.ok && p.nb.n != uint64(p.count) {
		r.bad(gateStrict, sc, p.nb.l, fmt.Sprintf("%d, the number of CdtTrfTxInf in %s", p.count, sc.prefix), codeNbOfTxs)
	}
	if p.ctrl.v != nil && p.sumOK && p.ctrl.v.Cmp(p.sum) != 0 {
		r.bad(gateStrict, sc, p.ctrl.l, fmt.Sprintf("%s, the sum of the amounts in %s", p.hdr.TxSum, sc.prefix), codeCtrlSum)
	}
	r.header.PmtInfs = append(r.header.PmtInfs, p.hdr)
	r.fileSum.Add(r.fileSum, p.sum)
	r.sumOK = r.sumOK && p.sumOK
	r.sumFrac = max(r.sumFrac, p.sumFrac)
}

// serviceLevel checks the SvcLvl elements (one up to v05, any number from
// v09) and returns the first as written and the code that decides the
// scheme: SEPA or INST when one of them is, else the first code.
func (r *reader) serviceLevel(sc scope, ls []leaf) (first, code string) {
	if len(ls) == 0 {
		return "", ""
	}
	if r.schema.v < 9 {
		r.one(sc, ls) // flags the extra ones
		ls = ls[:1]
	}
	for _, l := range ls {
		r.code(sc, l)
		switch c := codeOf(l); {
		case c == "INST":
			code = c
		case c == "SEPA" && code != "INST":
			code = c
		}
	}
	if code == "" {
		code = codeOf(ls[0])
	}
	return clean(ls[0].val), code
}

// codeOf is the value of a /Cd element, "" for Prtry.
func codeOf(l leaf) string {
	if strings.HasSuffix(l.path, "/Cd") {
		return clean(l.val)
	}
	return ""
}
