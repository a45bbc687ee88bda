package atlartest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// painTx is one credit transfer read from an instruction's pain.001, enough
// to book it on a statement once the bank accepted the instruction.
type painTx struct {
	debtorIBAN string
	endToEndID string
	amount     string // decimal, as in the file
	currency   string
	creditor   string
	iban, bic  string
	reference  string
}

// readPainTxs reads the transactions of a pain.001 of any version by local
// element names. It is deliberately lenient: a file it cannot read books
// nothing, which only means the demo statement lacks those lines.
func readPainTxs(content []byte) []painTx {
	dec := xml.NewDecoder(bytes.NewReader(content))
	dec.CharsetReader = charsetReader
	var (
		path    []string
		txs     []painTx
		debtor  string
		cur     *painTx
		text    strings.Builder
		inTx    bool
		painCcy string
	)
	for {
		tok, err := dec.Token()
		if err != nil {
			return txs
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			text.Reset()
			switch t.Name.Local {
			case "PmtInf":
				debtor = ""
			case "CdtTrfTxInf":
				inTx = true
				cur = &painTx{debtorIBAN: debtor}
			case "InstdAmt", "Amt":
				for _, a := range t.Attr {
					if a.Name.Local == "Ccy" {
						painCcy = a.Value
					}
				}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			v := strings.TrimSpace(text.String())
			within := func(parent string) bool {
				return len(path) >= 2 && path[len(path)-2] == parent
			}
			switch {
			case t.Name.Local == "CdtTrfTxInf":
				if cur != nil {
					txs = append(txs, *cur)
				}
				inTx, cur = false, nil
			case !inTx && t.Name.Local == "IBAN" && pathHas(path, "DbtrAcct"):
				debtor = v
			case inTx && t.Name.Local == "EndToEndId":
				cur.endToEndID = v
			case inTx && (t.Name.Local == "InstdAmt" || t.Name.Local == "Amt" && within("EqvtAmt")):
				// EqvtAmt/Amt is the amount in the debtor's currency.
				cur.amount, cur.currency = v, painCcy
			case inTx && t.Name.Local == "Nm" && within("Cdtr"):
				cur.creditor = v
			case inTx && t.Name.Local == "IBAN" && pathHas(path, "CdtrAcct"):
				cur.iban = v
			case inTx && (t.Name.Local == "BIC" || t.Name.Local == "BICFI") && pathHas(path, "CdtrAgt"):
				cur.bic = v
			case inTx && t.Name.Local == "Ustrd":
				cur.reference = strings.TrimSpace(cur.reference + " " + v)
			}
			path = path[:len(path)-1]
			text.Reset()
		}
	}
}

func pathHas(path []string, name string) bool {
	for _, p := range path {
		if p == name {
			return true
		}
	}
	return false
}

// charsetReader decodes the legacy encodings ERP pain.001 files use.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii":
		return r, nil
	case "iso-8859-1", "latin1":
		return charmap.ISO8859_1.NewDecoder().Reader(r), nil
	case "iso-8859-15", "latin9":
		return charmap.ISO8859_15.NewDecoder().Reader(r), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(r), nil
	}
	return nil, fmt.Errorf("unsupported charset %q", label)
}
