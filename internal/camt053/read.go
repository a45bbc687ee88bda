package camt053

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/money"
)

// Read parses every statement of a camt.053 message of any supported
// version into the model Render writes from, so that other report formats
// can be rendered from exactly the data of Atlar's camt.053. Element
// names are matched without namespaces (v02 BIC and later BICFI alike,
// v08's Sts/Cd and Pty wrappers too). Amounts become minor units of their
// currency; an amount with more decimals than its currency allows is an
// error, never rounded. Balances: OPBD (else PRCD) is the opening, CLBD
// the closing, CLAV the available balance.
func Read(data []byte) ([]Statement, error) {
	// Token by token, each Ntry decoded and converted on its own: a day of
	// 100,000 entries is never held as XML structs and model at once.
	d := newDecoder(data)
	var msgID, grpCre string
	var out []Statement
	inMsg := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read camt.053: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case !inMsg && se.Name.Local == "BkToCstmrStmt":
			inMsg = true
		case !inMsg:
		case se.Name.Local == "GrpHdr":
			var h struct {
				MsgID   string `xml:"MsgId"`
				CreDtTm string `xml:"CreDtTm"`
			}
			if err := d.DecodeElement(&h, &se); err != nil {
				return nil, fmt.Errorf("read camt.053: group header: %w", err)
			}
			msgID, grpCre = h.MsgID, h.CreDtTm
		case se.Name.Local == "Stmt":
			st, err := readStmt(d, msgID, parseTime(grpCre))
			if err != nil {
				return nil, fmt.Errorf("read camt.053: statement %d (%s): %w", len(out)+1, st.ID, err)
			}
			out = append(out, st)
		default:
			if err := d.Skip(); err != nil {
				return nil, fmt.Errorf("read camt.053: %w", err)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read camt.053: %w", ErrNotStatement)
	}
	return out, nil
}

// readStmt reads one Stmt after its start tag: the header parts into an
// xStmt, each Ntry straight into the model.
func readStmt(d *xml.Decoder, msgID string, grpCre time.Time) (Statement, error) {
	var xs xStmt
	var entries []Entry
	for {
		tok, err := d.Token()
		if err != nil {
			return Statement{ID: xs.ID}, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			st, err := xs.statement(msgID, grpCre)
			if err != nil {
				return Statement{ID: xs.ID}, err
			}
			st.Entries = entries
			return st, nil
		case xml.StartElement:
			var err error
			switch t.Name.Local {
			case "Ntry":
				var n xNtry
				if err = d.DecodeElement(&n, &t); err == nil {
					ccy := xs.Acct.Ccy
					if ccy == "" && len(xs.Bals) > 0 {
						ccy = xs.Bals[0].Amt.Ccy
					}
					var e Entry
					if e, err = n.entry(ccy); err != nil {
						err = fmt.Errorf("entry %d (%s): %w", len(entries)+1, n.AcctSvcrRef, err)
					}
					entries = append(entries, e)
				}
			case "Id":
				err = d.DecodeElement(&xs.ID, &t)
			case "ElctrncSeqNb":
				err = d.DecodeElement(&xs.SeqNb, &t)
			case "CreDtTm":
				err = d.DecodeElement(&xs.CreDtTm, &t)
			case "FrToDt":
				var p struct {
					Fr string `xml:"FrDtTm"`
					To string `xml:"ToDtTm"`
				}
				err = d.DecodeElement(&p, &t)
				xs.FrDtTm, xs.ToDtTm = p.Fr, p.To
			case "Acct":
				err = d.DecodeElement(&xs.Acct, &t)
			case "Bal":
				var b xBal
				err = d.DecodeElement(&b, &t)
				xs.Bals = append(xs.Bals, b)
			default:
				err = d.Skip()
			}
			if err != nil {
				return Statement{ID: xs.ID}, err
			}
		}
	}
}

type xAmt struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

type xDate struct {
	Dt   string `xml:"Dt"`
	DtTm string `xml:"DtTm"`
}

func (d xDate) date() string {
	if d.Dt != "" {
		return strings.TrimSpace(d.Dt)
	}
	if s := strings.TrimSpace(d.DtTm); len(s) >= 10 {
		return s[:10]
	}
	return ""
}

type xFin struct {
	BIC   string `xml:"FinInstnId>BIC"`
	BICFI string `xml:"FinInstnId>BICFI"`
}

func (f xFin) bic() string {
	if f.BIC != "" {
		return f.BIC
	}
	return f.BICFI
}

type xAcctID struct {
	IBAN  string `xml:"Id>IBAN"`
	Other string `xml:"Id>Othr>Id"`
}

type xParty struct {
	Nm    string `xml:"Nm"`
	PtyNm string `xml:"Pty>Nm"`
}

func (p xParty) name() string {
	if p.Nm != "" {
		return p.Nm
	}
	return p.PtyNm
}

type xStmt struct {
	ID      string `xml:"Id"`
	SeqNb   int64  `xml:"ElctrncSeqNb"`
	CreDtTm string `xml:"CreDtTm"`
	FrDtTm  string `xml:"FrToDt>FrDtTm"`
	ToDtTm  string `xml:"FrToDt>ToDtTm"`
	Acct    struct {
		xAcctID
		Ccy  string `xml:"Ccy"`
		Ownr string `xml:"Ownr>Nm"`
		Svcr xFin   `xml:"Svcr"`
	} `xml:"Acct"`
	Bals []xBal `xml:"Bal"`
}

type xBal struct {
	Cd        string `xml:"Tp>CdOrPrtry>Cd"`
	Amt       xAmt   `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
	Dt        xDate  `xml:"Dt"`
}

type xNtry struct {
	Amt         xAmt   `xml:"Amt"`
	CdtDbtInd   string `xml:"CdtDbtInd"`
	RvslInd     bool   `xml:"RvslInd"`
	BookgDt     xDate  `xml:"BookgDt"`
	ValDt       xDate  `xml:"ValDt"`
	AcctSvcrRef string `xml:"AcctSvcrRef"`
	Domn        string `xml:"BkTxCd>Domn>Cd"`
	Fmly        string `xml:"BkTxCd>Domn>Fmly>Cd"`
	SubFmly     string `xml:"BkTxCd>Domn>Fmly>SubFmlyCd"`
	TxDtls      []struct {
		InstrID    string   `xml:"Refs>InstrId"`
		EndToEndID string   `xml:"Refs>EndToEndId"`
		MndtID     string   `xml:"Refs>MndtId"`
		Dbtr       xParty   `xml:"RltdPties>Dbtr"`
		Cdtr       xParty   `xml:"RltdPties>Cdtr"`
		DbtrAcct   xAcctID  `xml:"RltdPties>DbtrAcct"`
		CdtrAcct   xAcctID  `xml:"RltdPties>CdtrAcct"`
		DbtrAgt    xFin     `xml:"RltdAgts>DbtrAgt"`
		CdtrAgt    xFin     `xml:"RltdAgts>CdtrAgt"`
		Ustrd      []string `xml:"RmtInf>Ustrd"`
	} `xml:"NtryDtls>TxDtls"`
	AddtlNtryInf string `xml:"AddtlNtryInf"`
}

func (xs *xStmt) statement(msgID string, grpCre time.Time) (Statement, error) {
	st := Statement{
		MsgID: msgID, ID: xs.ID, SeqNb: xs.SeqNb,
		CreatedAt: parseTime(xs.CreDtTm), From: parseTime(xs.FrDtTm), To: parseTime(xs.ToDtTm),
		Account: Account{
			IBAN: xs.Acct.IBAN, OtherID: xs.Acct.Other, Currency: xs.Acct.Ccy,
			OwnerName: xs.Acct.Ownr, BIC: xs.Acct.Svcr.bic(),
		},
	}
	if st.CreatedAt.IsZero() {
		st.CreatedAt = grpCre
	}
	var opening, prcd *int64
	var openDate, prcdDate string
	for _, b := range xs.Bals {
		if st.Account.Currency == "" {
			st.Account.Currency = b.Amt.Ccy
		}
		v, err := signed(b.Amt, b.CdtDbtInd)
		if err != nil {
			return Statement{}, fmt.Errorf("balance %s: %w", b.Cd, err)
		}
		switch b.Cd {
		case "OPBD":
			opening, openDate = &v, b.Dt.date()
		case "PRCD":
			prcd, prcdDate = &v, b.Dt.date()
		case "CLBD":
			st.Closing, st.ClosingDate = v, b.Dt.date()
		case "CLAV":
			st.Available = &v
		}
	}
	if opening == nil {
		opening, openDate = prcd, prcdDate
	}
	if opening == nil {
		return Statement{}, errors.New("no opening balance (OPBD or PRCD)")
	}
	st.Opening, st.OpeningDate = *opening, openDate
	return st, nil
}

func (n *xNtry) entry(acctCcy string) (Entry, error) {
	ccy := n.Amt.Ccy
	if ccy == "" {
		ccy = acctCcy
	}
	amt, err := minor(n.Amt.Value, ccy)
	if err != nil {
		return Entry{}, err
	}
	var credit bool
	switch n.CdtDbtInd {
	case crdt:
		credit = true
	case dbit:
	default:
		return Entry{}, fmt.Errorf("CdtDbtInd %q: want CRDT or DBIT", n.CdtDbtInd)
	}
	e := Entry{
		Amount: amt, Currency: ccy, Credit: credit, Reversal: n.RvslInd,
		BookingDate: n.BookgDt.date(), ValueDate: n.ValDt.date(), AcctSvcrRef: n.AcctSvcrRef,
		Domain: n.Domn, Family: n.Fmly, SubFamily: n.SubFmly, AddtlInfo: n.AddtlNtryInf,
	}
	if len(n.TxDtls) > 0 {
		tx := n.TxDtls[0]
		e.InstrID, e.EndToEndID, e.MandateID = tx.InstrID, tx.EndToEndID, tx.MndtID
		// The counterparty is the other side: the debtor of a credit.
		party, acct, agent := tx.Cdtr, tx.CdtrAcct, tx.CdtrAgt
		if credit {
			party, acct, agent = tx.Dbtr, tx.DbtrAcct, tx.DbtrAgt
		}
		e.CounterpartName = party.name()
		e.CounterpartIBAN = acct.IBAN
		if e.CounterpartIBAN == "" {
			e.CounterpartIBAN = acct.Other
		}
		e.CounterpartBIC = agent.bic()
		e.Reference = strings.Join(tx.Ustrd, " ")
	}
	return e, nil
}

func signed(a xAmt, ind string) (int64, error) {
	v, err := minor(a.Value, a.Ccy)
	if err != nil {
		return 0, err
	}
	switch ind {
	case crdt:
		return v, nil
	case dbit:
		return -v, nil
	}
	return 0, fmt.Errorf("CdtDbtInd %q: want CRDT or DBIT", ind)
}

// minor converts a schema decimal ("1234.50") into minor units.
func minor(s, ccy string) (int64, error) {
	v, err := money.Parse(strings.TrimSpace(s), ccy, '.', 0)
	if err != nil {
		return 0, fmt.Errorf("amount %q %s: %w", s, ccy, err)
	}
	return v, nil
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
