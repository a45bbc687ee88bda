package pain002

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// ErrUnsupportedVersion is returned for a version other than V03 and V10.
var ErrUnsupportedVersion = errors.New("unsupported pain.002 version")

// NotProvided is written as OrgnlEndToEndId when the original had none.
const NotProvided = "NOTPROVIDED"

// dialect is what differs between the supported versions.
type dialect struct {
	version string
	ns      string
	// groupStatus and txStatus check status codes: enumerations in
	// .03, external code lists (four letters) in .10.
	groupStatus, txStatus func(string) bool
	// sepaRestricted leaves out what the German banks' restriction of
	// .03 (DK) forbids although ISO .03 allows it: GrpHdr/InitgPty,
	// StsRsnInf/AddtlInf and non-EUR amounts. ERPs that import .03 are
	// the ones validating against DK, and the product contract requires
	// rejections to pass it.
	sepaRestricted bool
	// dateChoice: .10 wraps ReqdExctnDt in <Dt>; .03 has a plain date.
	dateChoice bool
}

var dialects = map[string]dialect{
	V03: {
		version: V03, ns: "urn:iso:std:iso:20022:tech:xsd:" + V03,
		groupStatus:    inSet(ACTC, "RCVD", PART, RJCT, PDNG, ACCP, "ACSP", ACSC, "ACWC"), // TransactionGroupStatus3Code
		txStatus:       inSet(ACTC, RJCT, PDNG, ACCP, "ACSP", ACSC, "ACWC"),               // TransactionIndividualStatus3Code
		sepaRestricted: true,
	},
	V10: {
		version: V10, ns: "urn:iso:std:iso:20022:tech:xsd:" + V10,
		groupStatus: isStatusCode, txStatus: isStatusCode,
		dateChoice: true,
	},
}

func inSet(codes ...string) func(string) bool {
	set := make(map[string]bool, len(codes))
	for _, c := range codes {
		set[c] = true
	}
	return func(s string) bool { return set[s] }
}

// isStatusCode accepts the shape of ExternalPaymentGroupStatus1Code and
// ExternalPaymentTransactionStatus1Code values (all four letters).
func isStatusCode(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// Render returns r as a pain.002 document of the given version (V10 or
// V03); see Encode.
func Render(version string, r Report) ([]byte, error) {
	var buf bytes.Buffer
	n := 0
	for _, p := range r.PaymentInfos {
		n += len(p.Transactions)
	}
	buf.Grow(2048 + 512*n) // about 420 bytes per transaction; one allocation
	if err := Encode(&buf, version, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Encode writes r as a pain.002 document of the given version to w. The
// report is checked before the first byte is written, then streamed
// through a buffer, so memory does not grow with the report.
//
// Fields the bridge produces are checked and refused with an error:
// MsgID, CreatedAt, OrgnlMsgID, OrgnlMsgNmID and OrgnlPmtInfID must be
// set, and statuses must be codes the version allows. Fields that echo
// the original file are written on a best-effort basis instead, because
// a rejection must reach the ERP even when its file was garbage:
// OrgnlNbOfTxs ≤ 0, an OrgnlCtrlSum that is not a decimal, a non-positive
// amount, a currency that is not an ISO code, and a ReqdExctnDt that is
// not YYYY-MM-DD are left out; an empty OrgnlEndToEndID becomes
// NOTPROVIDED. Text is cleaned and cut to the schema maxima.
//
// Reasons: a Code that is not ExternalStatusReason1Code-shaped (1-4 of
// A-Z, 0-9) becomes NARR, with the code kept at the start of the text,
// and Info is split over AddtlInf elements of at most 105 characters.
//
// V03 is written to validate against the German banks' restriction of
// pain.002.001.03 when every status is RJCT, and to follow the ISO .03
// structure otherwise. That restriction has no AddtlInf and no
// InitgPty, and allows EUR amounts only, so V03 reports carry reason
// codes without text, and no amounts in other currencies. It also
// restricts MsgId, OrgnlPmtInfId and StsId to the SEPA character set
// (letters, digits, space and +?/-:().,'): Encode leaves identifiers as
// given, so callers should mint such ids.
func Encode(w io.Writer, version string, r Report) error {
	d, ok := dialects[version]
	if !ok {
		return fmt.Errorf("render pain.002 %q: %w", version, ErrUnsupportedVersion)
	}
	if err := d.check(r); err != nil {
		return fmt.Errorf("render %s report %q: %w", version, r.MsgID, err)
	}
	e := encoder{x: isoxml.NewWriter(w), d: d}
	e.report(r)
	if err := e.x.Finish(); err != nil {
		return fmt.Errorf("render %s report %q: %w", version, r.MsgID, err)
	}
	return nil
}

// check refuses reports the renderer cannot write validly.
func (d dialect) check(r Report) error {
	for _, f := range []struct{ name, v string }{
		{"MsgID", r.MsgID}, {"OrgnlMsgID", r.OrgnlMsgID}, {"OrgnlMsgNmID", r.OrgnlMsgNmID},
	} {
		if isoxml.CleanText(f.v, max35) == "" {
			return fmt.Errorf("%s is empty", f.name)
		}
	}
	if r.CreatedAt.IsZero() {
		return errors.New("CreatedAt is zero")
	}
	if r.GroupStatus != "" && !d.groupStatus(r.GroupStatus) {
		return fmt.Errorf("group status %q: not a %s group status", r.GroupStatus, d.version)
	}
	for i, p := range r.PaymentInfos {
		if isoxml.CleanText(p.OrgnlPmtInfID, max35) == "" {
			return fmt.Errorf("payment information %d: OrgnlPmtInfID is empty", i+1)
		}
		if p.Status != "" && !d.groupStatus(p.Status) {
			return fmt.Errorf("payment information %q: status %q: not a %s payment information status", p.OrgnlPmtInfID, p.Status, d.version)
		}
		for j, tx := range p.Transactions {
			if tx.Status != "" && !d.txStatus(tx.Status) {
				return fmt.Errorf("payment information %q transaction %d: status %q: not a %s transaction status", p.OrgnlPmtInfID, j+1, tx.Status, d.version)
			}
		}
	}
	return nil
}

type encoder struct {
	x *isoxml.Writer
	d dialect
}

func (e *encoder) report(r Report) {
	x := e.x
	x.Declaration()
	x.Open("Document", "xmlns", e.d.ns)
	x.Open("CstmrPmtStsRpt")

	x.Open("GrpHdr")
	x.Leaf("MsgId", isoxml.CleanText(r.MsgID, max35))
	x.Leaf("CreDtTm", isoxml.DateTime(r.CreatedAt))
	if nm := isoxml.CleanText(r.InitiatingParty, max140); nm != "" && !e.d.sepaRestricted {
		x.Open("InitgPty")
		x.Leaf("Nm", nm)
		x.Close("InitgPty")
	}
	x.Close("GrpHdr")

	x.Open("OrgnlGrpInfAndSts")
	x.Leaf("OrgnlMsgId", isoxml.CleanText(r.OrgnlMsgID, max35))
	x.Leaf("OrgnlMsgNmId", isoxml.CleanText(r.OrgnlMsgNmID, max35))
	e.counts(r.OrgnlNbOfTxs, r.OrgnlCtrlSum)
	x.OptLeaf("GrpSts", r.GroupStatus)
	e.reasons(r.GroupReasons)
	x.Close("OrgnlGrpInfAndSts")

	for _, p := range r.PaymentInfos {
		x.Open("OrgnlPmtInfAndSts")
		x.Leaf("OrgnlPmtInfId", isoxml.CleanText(p.OrgnlPmtInfID, max35))
		e.counts(p.OrgnlNbOfTxs, p.OrgnlCtrlSum)
		x.OptLeaf("PmtInfSts", p.Status)
		e.reasons(p.Reasons)
		for _, tx := range p.Transactions {
			e.transaction(tx)
		}
		x.Close("OrgnlPmtInfAndSts")
	}

	x.Close("CstmrPmtStsRpt")
	x.Close("Document")
}

// counts writes OrgnlNbOfTxs and OrgnlCtrlSum when they can be written
// validly.
func (e *encoder) counts(nb int, ctrlSum string) {
	if nb > 0 {
		e.x.Leaf("OrgnlNbOfTxs", strconv.Itoa(nb))
	}
	if s, ok := decimalNumber(ctrlSum); ok {
		e.x.Leaf("OrgnlCtrlSum", s)
	}
}

func (e *encoder) transaction(tx Transaction) {
	x := e.x
	x.Open("TxInfAndSts")
	x.OptLeaf("StsId", isoxml.CleanText(tx.StsID, max35))
	x.OptLeaf("OrgnlInstrId", isoxml.CleanText(tx.OrgnlInstrID, max35))
	e2e := isoxml.CleanText(tx.OrgnlEndToEndID, max35)
	if e2e == "" {
		e2e = NotProvided
	}
	x.Leaf("OrgnlEndToEndId", e2e)
	x.OptLeaf("TxSts", tx.Status)
	e.reasons(tx.Reasons)

	amt, hasAmt := e.amount(tx.Amount, tx.Currency)
	hasDate := isoxml.IsDate(tx.ReqdExctnDt)
	switch {
	case hasAmt || hasDate:
		x.Open("OrgnlTxRef")
		if hasAmt {
			x.Open("Amt")
			x.Leaf("InstdAmt", amt, "Ccy", tx.Currency)
			x.Close("Amt")
		}
		if hasDate && e.d.dateChoice {
			x.Open("ReqdExctnDt")
			x.Leaf("Dt", tx.ReqdExctnDt)
			x.Close("ReqdExctnDt")
		} else if hasDate {
			x.Leaf("ReqdExctnDt", tx.ReqdExctnDt)
		}
		x.Close("OrgnlTxRef")
	case e.d.sepaRestricted:
		x.Empty("OrgnlTxRef") // required by the DK restriction
	}
	x.Close("TxInfAndSts")
}

// reasons writes one StsRsnInf per reason that says anything.
func (e *encoder) reasons(rs []Reason) {
	x := e.x
	for _, r := range rs {
		code, info, ok := reason(r)
		if !ok {
			continue
		}
		x.Open("StsRsnInf")
		x.Open("Rsn")
		x.Leaf("Cd", code)
		x.Close("Rsn")
		if !e.d.sepaRestricted {
			for _, line := range splitText(info, max105) {
				x.Leaf("AddtlInf", line)
			}
		}
		x.Close("StsRsnInf")
	}
}
