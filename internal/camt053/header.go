package camt053

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/atlarbridge/bridge/internal/isoxml"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// ErrNotStatement is returned by ReadHeader for well-formed XML that is
// not a camt.053 message, or holds no statement or no account.
var ErrNotStatement = errors.New("not a camt.053 statement")

// nsPrefix starts every camt.053 namespace; the version follows it.
const nsPrefix = "urn:iso:std:iso:20022:tech:xsd:"

// Header holds the facts the outbox needs to name and route a statement
// file: Version ("camt.053.001.02"…), GrpHdr/MsgId, the first
// statement's Id, its account (IBAN or Othr/Id) and currency, and Date,
// the statement's date as YYYY-MM-DD.
type Header struct {
	Version, MsgID, StatementID, IBAN, OtherID, Currency, Date string
}

// ReadHeader reads the header of a camt.053 message of any version, as
// written by banks: namespace prefixes, a UTF-8 BOM, non-UTF-8 encodings
// and an enclosing envelope are accepted, and element order is not
// checked. When a message holds several statements the first one is
// described. Date is taken from FrToDt/ToDtTm, else the statement's
// CreDtTm, else the group header's CreDtTm, as written (in the file's own
// offset, not converted to UTC). Currency is Acct/Ccy, else the currency
// of the first balance. It reads no further than the first entry.
func ReadHeader(data []byte) (Header, error) {
	var h Header
	var toDt, stmtCre, grpCre, balCcy string
	var path []string // local names below BkToCstmrStmt
	var text bytes.Buffer
	inMsg, stmtStarted, stmtDone := false, false, false

	d := newDecoder(data)
	for !stmtDone {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Header{}, fmt.Errorf("read camt.053 header: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !inMsg {
				if t.Name.Local == "BkToCstmrStmt" {
					v, ok := strings.CutPrefix(t.Name.Space, nsPrefix)
					if !ok || !strings.HasPrefix(v, "camt.053.") {
						return Header{}, fmt.Errorf("read camt.053 header: namespace %q: %w", t.Name.Space, ErrNotStatement)
					}
					h.Version, inMsg = v, true
				}
				continue
			}
			path = append(path, t.Name.Local)
			text.Reset()
			switch p := strings.Join(path, "/"); p {
			case "Stmt":
				stmtStarted = true
			case "Stmt/Ntry":
				stmtDone = true // everything we need comes before entries
			case "Stmt/Bal/Amt":
				if balCcy == "" {
					balCcy = attr(t, "Ccy")
				}
			}
		case xml.CharData:
			if inMsg {
				text.Write(t)
			}
		case xml.EndElement:
			if !inMsg {
				continue
			}
			if len(path) == 0 { // </BkToCstmrStmt>
				stmtDone = true
				continue
			}
			v := strings.TrimSpace(text.String())
			switch strings.Join(path, "/") {
			case "GrpHdr/MsgId":
				h.MsgID = v
			case "GrpHdr/CreDtTm":
				grpCre = v
			case "Stmt/Id":
				h.StatementID = v
			case "Stmt/CreDtTm":
				stmtCre = v
			case "Stmt/FrToDt/ToDtTm":
				toDt = v
			case "Stmt/Acct/Id/IBAN":
				h.IBAN = compact(v)
			case "Stmt/Acct/Id/Othr/Id":
				h.OtherID = v
			case "Stmt/Acct/Ccy":
				h.Currency = v
			case "Stmt":
				stmtDone = true
			}
			path = path[:len(path)-1]
		}
	}
	switch {
	case !inMsg:
		return Header{}, fmt.Errorf("read camt.053 header: no BkToCstmrStmt: %w", ErrNotStatement)
	case !stmtStarted:
		return Header{}, fmt.Errorf("read camt.053 header: no Stmt: %w", ErrNotStatement)
	case h.IBAN == "" && h.OtherID == "":
		return Header{}, fmt.Errorf("read camt.053 header: statement %q has no account id: %w", h.StatementID, ErrNotStatement)
	}
	if h.Currency == "" {
		h.Currency = balCcy
	}
	for _, v := range []string{toDt, stmtCre, grpCre} {
		if len(v) >= 10 && isoxml.IsDate(v[:10]) {
			h.Date = v[:10]
			break
		}
	}
	if h.Date == "" {
		return Header{}, fmt.Errorf("read camt.053 header: statement %q has no date: %w", h.StatementID, ErrNotStatement)
	}
	return h, nil
}

// EndToEndIDs returns every TxDtls/Refs/EndToEndId of a camt.053 message
// in document order, as written (including NOTPROVIDED). It streams
// through the document without building it in memory.
func EndToEndIDs(data []byte) ([]string, error) {
	var ids []string
	var stack []string
	var text bytes.Buffer
	d := newDecoder(data)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read camt.053 end-to-end ids: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			n := len(stack)
			if n >= 2 && stack[n-1] == "EndToEndId" && stack[n-2] == "Refs" {
				ids = append(ids, strings.TrimSpace(text.String()))
			}
			stack = stack[:n-1]
		}
	}
}

// utf8BOM is stripped before decoding: encoding/xml does not skip it.
var utf8BOM = []byte("\xef\xbb\xbf")

func newDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	d.CharsetReader = charsetReader
	return d
}

// charsetReader decodes the encodings statements arrive in besides UTF-8
// (ISO-8859-1, windows-1252, …). Labels follow the WHATWG encoding
// standard, which reads ISO-8859-1 as its superset windows-1252.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("encoding %q: %w", label, err)
	}
	return transform.NewReader(input, enc.NewDecoder()), nil
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
