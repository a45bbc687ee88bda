package pain008

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/ddrun"
	"github.com/atlarbridge/bridge/internal/isoxml"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/payrun"
)

// pmtCtx is what a PmtInf gives each of its transactions.
type pmtCtx struct {
	line         int
	id           string
	scheme       string
	seqTp        string
	date         string
	creditorName string
	creditorIBAN string
	creditorBIC  string
	creditorID   string
}

// sc locates problems: a prefix like "PmtInf[2]/DrctDbtTxInf[3]", written
// out only when there is a problem to locate: prefix ("GrpHdr"), else
// PmtInf[pmt] when pmt > 0, with /DrctDbtTxInf[tx] when tx > 0.
type sc struct {
	prefix  string
	pmt, tx int
	row     int
	line    int
}

func (s sc) field(rel string) string {
	prefix := s.prefix
	if s.pmt > 0 {
		prefix = "PmtInf[" + strconv.Itoa(s.pmt) + "]"
		if s.tx > 0 {
			prefix += "/DrctDbtTxInf[" + strconv.Itoa(s.tx) + "]"
		}
	}
	if prefix == "" {
		return rel
	}
	return prefix + "/" + rel
}

func (r *reader) bad(s sc, rel string, l leaf, expected, code string) {
	r.add(payrun.Problem{Row: s.row, Line: l.line, Field: s.field(rel), Value: l.val, Expected: expected, Code: code})
}

func (r *reader) missing(s sc, rel, expected string) {
	if expected == "" {
		expected = "this element (it is required)"
	}
	r.add(payrun.Problem{Row: s.row, Line: s.line, Field: s.field(rel), Expected: expected, Code: codeMissing})
}

// need returns a required field's leaf, recording its absence.
func (r *reader) need(s sc, f *fields, rel, expected string) (leaf, bool) {
	l, ok := f.get(rel)
	if !ok || l.val == "" {
		if ok {
			r.bad(s, rel, l, cmpOr(expected, "a value"), codeMissing)
		} else {
			r.missing(s, rel, expected)
		}
		return l, false
	}
	return l, true
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// bicPath is where the version keeps an agent's BIC; spelled out for the
// two agents so that a transaction does not build the path anew.
func (r *reader) bicPath(agent string) string {
	switch {
	case agent == "DbtrAgt" && r.ver.v08:
		return "DbtrAgt/FinInstnId/BICFI"
	case agent == "DbtrAgt":
		return "DbtrAgt/FinInstnId/BIC"
	case agent == "CdtrAgt" && r.ver.v08:
		return "CdtrAgt/FinInstnId/BICFI"
	case agent == "CdtrAgt":
		return "CdtrAgt/FinInstnId/BIC"
	case r.ver.v08:
		return agent + "/FinInstnId/BICFI"
	}
	return agent + "/FinInstnId/BIC"
}

func (r *reader) iban(s sc, f *fields, rel string, required bool) string {
	l, ok := f.get(rel)
	if !ok {
		if required {
			r.missing(s, rel, "an IBAN (SEPA direct debits need one)")
		}
		return ""
	}
	if !r.strict {
		return bankid.NormalizeIBAN(l.val)
	}
	if err := bankid.CheckIBAN(l.val); err != nil {
		r.bad(s, rel, l, "a valid IBAN ("+err.Error()+")", codeAccount)
		return l.val
	}
	return bankid.NormalizeIBAN(l.val)
}

func (r *reader) bic(s sc, f *fields, rel string) string {
	l, ok := f.get(rel)
	if !ok {
		return ""
	}
	if r.strict {
		if err := bankid.CheckBIC(l.val); err != nil {
			r.bad(s, rel, l, "a valid BIC ("+err.Error()+")", codeBIC)
		}
	}
	return l.val
}

func (r *reader) creditorID(s sc, f *fields, rel string) string {
	l, ok := f.get(rel)
	if !ok {
		return ""
	}
	if r.strict {
		if err := ddrun.CheckCreditorID(l.val); err != nil {
			r.bad(s, rel, l, "a SEPA creditor identifier with valid check digits ("+err.Error()+")", codeCreditor)
		}
	}
	return l.val
}

const creditorIDPath = "CdtrSchmeId/Id/PrvtId/Othr/Id"

// groupHeader checks GrpHdr once it is closed.
func (r *reader) groupHeader() {
	s := sc{prefix: "GrpHdr", line: r.line()}
	f := &r.grp
	if l, ok := r.need(s, f, "MsgId", "the message id"); ok {
		r.header.MsgID = l.val
	}
	if l, ok := f.get("CreDtTm"); ok {
		r.header.CreDtTm = l.val
	}
	if l, ok := r.need(s, f, "NbOfTxs", "the number of transactions"); ok {
		r.header.NbOfTxs = l.val
		r.collsHint = collsHint(l.val, r.maxSize)
	}
	if l, ok := f.get("CtrlSum"); ok {
		r.header.CtrlSum = l.val
	}
}

// pmtHeader checks a PmtInf's own fields, before its first transaction.
func (r *reader) pmtHeader() {
	s := sc{pmt: r.pmtN, line: r.pmtCtx.line}
	f := &r.pmt
	c := &r.pmtCtx
	if l, ok := f.get("PmtInfId"); ok {
		c.id = l.val
	}
	if l, ok := r.need(s, f, "PmtMtd", "DD"); ok && l.val != "DD" {
		r.bad(s, "PmtMtd", l, "DD (direct debit)", codeContent)
	}
	if l, ok := r.need(s, f, "PmtTpInf/LclInstrm/Cd", "CORE or B2B (the SEPA direct-debit scheme)"); ok {
		c.scheme = ddrun.SchemeFor(l.val)
		if c.scheme == "" {
			r.bad(s, "PmtTpInf/LclInstrm/Cd", l, "CORE or B2B (the SEPA direct-debit scheme)", codeContent)
		}
	}
	if l, ok := r.need(s, f, "PmtTpInf/SeqTp", "FRST, RCUR, OOFF or FNAL"); ok {
		switch l.val {
		case ddrun.SeqFirst, ddrun.SeqRecurring, ddrun.SeqOneOff, ddrun.SeqFinal:
			c.seqTp = l.val
		default:
			r.bad(s, "PmtTpInf/SeqTp", l, "FRST, RCUR, OOFF or FNAL", codeContent)
		}
	}
	if l, ok := f.get("PmtTpInf/SvcLvl/Cd"); ok && r.strict && l.val != "SEPA" {
		r.bad(s, "PmtTpInf/SvcLvl/Cd", l, "SEPA", codeContent)
	}
	if l, ok := r.need(s, f, "ReqdColltnDt", "the requested collection date, YYYY-MM-DD"); ok {
		switch {
		case !isoxml.IsDate(l.val):
			r.bad(s, "ReqdColltnDt", l, "a date YYYY-MM-DD", codeBadDate)
		case r.strict && l.val < r.today:
			r.bad(s, "ReqdColltnDt", l, "a collection date not before today ("+r.today+")", codeBadDate)
		default:
			c.date = l.val
		}
	}
	if l, ok := r.need(s, f, "Cdtr/Nm", "the creditor's name"); ok {
		c.creditorName = l.val
	}
	c.creditorIBAN = r.iban(s, f, "CdtrAcct/Id/IBAN", true)
	if l, ok := f.get("CdtrAcct/Ccy"); ok && r.strict && l.val != "EUR" {
		r.bad(s, "CdtrAcct/Ccy", l, "EUR (SEPA direct debits are in euro)", codeCurrency)
	}
	c.creditorBIC = r.bic(s, f, r.bicPath("CdtrAgt"))
	c.creditorID = r.creditorID(s, f, creditorIDPath)
}

// transaction checks a DrctDbtTxInf once it is closed and adds it to the
// Run.
func (r *reader) transaction() {
	s := sc{pmt: r.pmtN, tx: r.pmtTx, row: r.row, line: r.txLine}
	f := &r.tx
	c := r.pmtCtx
	col := ddrun.Collection{
		Row: r.row, Line: r.txLine, PmtInfID: c.id,
		Date: c.date, Scheme: c.scheme, SequenceType: c.seqTp,
		CreditorIBAN: c.creditorIBAN, CreditorBIC: c.creditorBIC,
		CreditorID: c.creditorID, CreditorName: c.creditorName,
	}
	if l, ok := f.get("PmtId/InstrId"); ok {
		col.InstrID = l.val
	}
	if l, ok := r.need(s, f, "PmtId/EndToEndId", "the end-to-end id (it becomes the direct debit's externalId)"); ok {
		col.ExternalID = l.val
		switch {
		case l.val == "NOTPROVIDED":
			r.bad(s, "PmtId/EndToEndId", l, "an end-to-end id the ERP can match results on, not NOTPROVIDED", codeContent)
		case r.strict && !ddrun.IsExternalID(l.val):
			r.bad(s, "PmtId/EndToEndId", l, "1-64 characters of A-Z a-z 0-9 . _ - + = (Atlar's externalId)", codeContent)
		default:
			if first, dup := r.e2e[l.val]; dup && r.strict {
				r.bad(s, "PmtId/EndToEndId", l, fmt.Sprintf("an end-to-end id unique in the file (already used by transaction %d)", first), codeDupE2E)
			} else if !dup {
				r.e2e[l.val] = r.row
			}
		}
	}
	r.amount(s, f, &col)
	// Mandate.
	const m = "DrctDbtTx/MndtRltdInf/"
	if l, ok := r.need(s, f, m+"MndtId", "the mandate reference"); ok {
		col.Mandate.Reference = l.val
	}
	if l, ok := r.need(s, f, m+"DtOfSgntr", "the mandate's signature date, YYYY-MM-DD"); ok {
		switch {
		case !isoxml.IsDate(l.val):
			r.bad(s, m+"DtOfSgntr", l, "a date YYYY-MM-DD", codeBadDate)
		case r.strict && l.val > r.today:
			r.bad(s, m+"DtOfSgntr", l, "a signature date not after today ("+r.today+")", codeBadDate)
		default:
			col.Mandate.SignatureDate = l.val
		}
	}
	r.amendment(s, f, &col)
	col.CreditorID = cmpOr(r.creditorID(s, f, "DrctDbtTx/"+creditorIDPath), col.CreditorID)
	if col.CreditorID == "" {
		r.missing(s, "DrctDbtTx/"+creditorIDPath, "the creditor identifier (CdtrSchmeId), here or in the PmtInf")
	}
	// Debtor.
	if l, ok := r.need(s, f, "Dbtr/Nm", "the debtor's name"); ok {
		col.Debtor.Name = l.val
	}
	col.Debtor.IBAN = r.iban(s, f, "DbtrAcct/Id/IBAN", true)
	col.Debtor.BIC = r.bic(s, f, r.bicPath("DbtrAgt"))
	r.debtorIdentity(f, &col)
	if l, ok := f.get("Dbtr/PstlAdr/Ctry"); ok && bankid.IsCountry(l.val) {
		col.Debtor.Country = l.val
	} else if cc := bankid.IBANCountry(col.Debtor.IBAN); cc != "" {
		col.Debtor.Country = cc
	}
	if l, ok := f.get("RmtInf/Ustrd"); ok {
		col.Reference = l.val
	}
	if r.colls == nil && r.collsHint > 0 {
		r.colls = make([]ddrun.Collection, 0, r.collsHint)
	}
	r.colls = append(r.colls, col)
}

// amount reads InstdAmt: EUR, at most the currency's decimals, positive.
func (r *reader) amount(s sc, f *fields, col *ddrun.Collection) {
	l, ok := r.need(s, f, "InstdAmt", "the amount to collect")
	ccy, _ := f.get("InstdAmt/@Ccy")
	col.Currency = ccy.val
	if !ok {
		r.pmtSumOK, r.fileSumOK = false, false
		return
	}
	if c, ok := cents(l.val); ok {
		r.pmtSum.addCents(c)
		r.fileSum.addCents(c)
	} else if v, ok := r.amt.SetString(l.val); ok && !strings.ContainsAny(l.val, "eE/") {
		r.pmtSum.add(v)
		r.fileSum.add(v)
	} else {
		r.pmtSumOK, r.fileSumOK = false, false
	}
	if ccy.val != "EUR" {
		r.bad(s, "InstdAmt/@Ccy", leaf{val: ccy.val, line: l.line}, "EUR (SEPA direct debits are in euro)", codeCurrency)
		return
	}
	minor, err := money.Parse(l.val, "EUR", '.', 0)
	switch {
	case err != nil:
		r.bad(s, "InstdAmt", l, "an amount in EUR with at most 2 decimals ("+err.Error()+")", codeAmount)
	case minor <= 0:
		r.bad(s, "InstdAmt", l, "an amount greater than zero", codeAmount)
	case minor > 99999999999: // the XSD's 999999999.99, SEPA's upper bound
		r.bad(s, "InstdAmt", l, "at most 999999999.99 EUR", codeAmount)
	default:
		col.Amount = minor
	}
}

// amendment reads AmdmntInd and, when true, AmdmntInfDtls.
func (r *reader) amendment(s sc, f *fields, col *ddrun.Collection) {
	const m = "DrctDbtTx/MndtRltdInf/"
	l, ok := f.get(m + "AmdmntInd")
	if !ok || l.val == "false" || l.val == "0" {
		if _, has := f.get(m + "AmdmntInfDtls"); has && r.strict {
			r.bad(s, m+"AmdmntInd", l, "true when AmdmntInfDtls is given", codeMandate)
		}
		return
	}
	if l.val != "true" && l.val != "1" {
		r.bad(s, m+"AmdmntInd", l, "true or false", codeContent)
		return
	}
	const d = m + "AmdmntInfDtls/"
	a := &ddrun.Amendment{}
	if l, ok := f.get(d + "OrgnlMndtId"); ok {
		a.OriginalReference = l.val
	}
	if l, ok := f.get(d + "OrgnlCdtrSchmeId/Nm"); ok {
		a.OriginalCreditor = l.val
	}
	a.OriginalCreditorID = r.creditorID(s, f, d+"Orgnl"+creditorIDPath)
	a.OriginalDebtorIBAN = r.iban(s, f, d+"OrgnlDbtrAcct/Id/IBAN", false)
	if l, ok := f.get(d + "OrgnlDbtrAgt/FinInstnId/Othr/Id"); ok && l.val == "SMNDA" {
		a.OriginalDebtorAgentChanged = true
	}
	if *a == (ddrun.Amendment{}) {
		r.missing(s, d+"OrgnlMndtId", "with AmdmntInd true, AmdmntInfDtls naming what changed: OrgnlMndtId, OrgnlCdtrSchmeId, OrgnlDbtrAcct or OrgnlDbtrAgt")
		r.problems[len(r.problems)-1].Code = codeMandate
		return
	}
	if a.OriginalReference != "" && a.OriginalReference == col.Mandate.Reference && r.strict {
		r.bad(s, d+"OrgnlMndtId", leaf{val: a.OriginalReference, line: s.line}, "the mandate's former reference, not its current one", codeMandate)
	}
	col.Mandate.Amendment = a
}

// debtorIdentity sets the debtor's party type and, when the file names
// the ERP's customer number (Othr with SchmeNm/Cd CUST), its external id.
func (r *reader) debtorIdentity(f *fields, col *ddrun.Collection) {
	d := &col.Debtor
	switch {
	case has(f, "Dbtr/Id/OrgId"):
		d.PartyType = ddrun.PartyCompany
	case has(f, "Dbtr/Id/PrvtId"):
		d.PartyType = ddrun.PartyIndividual
	case col.Scheme == ddrun.SchemeB2B:
		d.PartyType = ddrun.PartyCompany // B2B debtors are businesses
	default:
		d.PartyType = ddrun.PartyIndividual
	}
	for _, kind := range []string{"OrgId", "PrvtId"} {
		p := "Dbtr/Id/" + kind + "/Othr/"
		if sn, ok := f.get(p + "SchmeNm/Cd"); ok && sn.val == "CUST" {
			if id, ok := f.get(p + "Id"); ok && ddrun.IsExternalID(id.val) {
				d.ExternalID, d.ExternalIDGiven = id.val, true
			}
		}
	}
	if d.ExternalID == "" && d.IBAN != "" {
		id, ok := r.debtorIDs[d.IBAN]
		if !ok {
			id = ddrun.DebtorExternalID(d.IBAN)
			if len(r.debtorIDs) < maxVals {
				r.debtorIDs[d.IBAN] = id
			}
		}
		d.ExternalID = id
	}
}

func has(f *fields, prefix string) bool {
	for i := range f.ents {
		if strings.HasPrefix(f.ents[i].path, prefix) {
			return true
		}
	}
	return false
}

// pmtTotals checks a PmtInf's NbOfTxs and CtrlSum once it is closed.
func (r *reader) pmtTotals() {
	s := sc{pmt: r.pmtN, line: r.pmtCtx.line}
	if l, ok := r.pmt.get("NbOfTxs"); ok && r.strict {
		r.checkCount(s, "NbOfTxs", l, r.pmtTx)
	}
	if l, ok := r.pmt.get("CtrlSum"); ok && r.strict && r.pmtSumOK {
		r.checkSum(s, "CtrlSum", l, r.pmtSum.total())
	}
}

// finish checks the group totals at the end of the file.
func (r *reader) finish() {
	if r.header.Namespace == "" || r.colls == nil && len(r.problems) > 0 {
		return
	}
	if !r.grpSeen {
		r.missing(sc{}, "GrpHdr", "the group header")
	}
	if r.row == 0 {
		r.missing(sc{}, "PmtInf/DrctDbtTxInf", "at least one direct-debit transaction")
	}
	if !r.strict {
		return
	}
	s := sc{prefix: "GrpHdr"}
	if l, ok := r.grp.get("NbOfTxs"); ok {
		r.checkCount(s, "NbOfTxs", l, r.row)
	}
	if l, ok := r.grp.get("CtrlSum"); ok && r.fileSumOK {
		r.checkSum(s, "CtrlSum", l, r.fileSum.total())
	}
}

func (r *reader) checkCount(s sc, rel string, l leaf, n int) {
	if l.val != strconv.Itoa(n) {
		r.bad(s, rel, l, fmt.Sprintf("%d (the number of DrctDbtTxInf)", n), codeNbOfTxs)
	}
}

func (r *reader) checkSum(s sc, rel string, l leaf, sum *big.Rat) {
	v, ok := new(big.Rat).SetString(l.val)
	if !ok || strings.ContainsAny(l.val, "eE/") || v.Cmp(sum) != 0 {
		r.bad(s, rel, l, sum.FloatString(2)+" (the sum of InstdAmt)", codeCtrlSum)
	}
}

// allProblems is the hand-written checks' problems followed by the schema
// violations they did not already report (same line or same field).
func (r *reader) allProblems() payrun.Problems {
	ps := r.problems
	if r.dropped > 0 {
		ps = append(ps, payrun.Problem{Expected: fmt.Sprintf("fewer problems: %d more were found and not listed", r.dropped), Code: codeNarrative})
	}
	lines := map[int]bool{}
	fields := map[string]bool{}
	for _, p := range ps {
		lines[p.Line] = p.Line > 0
		fields[p.Field] = true
	}
	for _, p := range r.schemaProbs {
		if lines[p.Line] || fields[p.Field] {
			continue
		}
		fields[p.Field] = true
		ps = append(ps, p)
	}
	return ps
}

// sum is the exact sum of InstdAmt values: those of at most two decimals
// (all valid ones) in cents, the rest in a big.Rat. Adding to a big.Rat
// costs a GCD and a dozen allocations per transaction; adding cents costs
// nothing, and the total is the same exact number.
type sum struct {
	cents int64
	rest  big.Rat
}

func (s *sum) addCents(c int64) {
	if s.cents > math.MaxInt64-c {
		s.rest.Add(&s.rest, big.NewRat(s.cents, 100))
		s.cents = 0
	}
	s.cents += c
}

func (s *sum) add(v *big.Rat) { s.rest.Add(&s.rest, v) }

func (s *sum) total() *big.Rat {
	t := big.NewRat(s.cents, 100)
	return t.Add(t, &s.rest)
}

// cents reads an amount of digits with at most two decimals ("12", "12.3",
// "12.34") as cents; false for anything else, which big.Rat then reads
// (or rejects) as before. At most 13 digits, so that a value fits well in
// an int64.
func cents(v string) (int64, bool) {
	var c int64
	i, digits, frac := 0, 0, -1
	for ; i < len(v); i++ {
		switch b := v[i]; {
		case '0' <= b && b <= '9':
			if digits++; digits > 13 || frac >= 2 {
				return 0, false
			}
			if frac >= 0 {
				frac++
			}
			c = c*10 + int64(b-'0')
		case b == '.' && frac < 0 && digits > 0:
			frac = 0
		default:
			return 0, false
		}
	}
	switch {
	case digits == 0 || frac == 0: // "" or "12."
		return 0, false
	case frac < 1:
		c *= 100
	case frac == 1:
		c *= 10
	}
	return c, true
}

// collsHint is how many collections to make room for at once, from
// GrpHdr/NbOfTxs: growing the slice of 10,000 collections by appending
// costs a fifth of a Read in copying and clearing. A file cannot hold more
// than one DrctDbtTxInf per minTxBytes, and without a size limit the hint
// stops at maxHint, so a file that lies about its count costs little.
func collsHint(nbOfTxs string, maxSize int64) int {
	const (
		minTxBytes = 256
		maxHint    = 1 << 14
	)
	n, err := strconv.Atoi(nbOfTxs)
	if err != nil || n <= 0 {
		return 0
	}
	limit := int64(maxHint)
	if maxSize > 0 {
		limit = maxSize / minTxBytes
	}
	return int(min(int64(n), limit))
}
