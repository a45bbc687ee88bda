package mt940

import (
	"strings"
	"unicode/utf8"

	"github.com/atlarbridge/bridge/internal/bankstmt"
)

// code is what one ISO bank transaction code means in MT940: the :61:
// transaction type (N + 3 letters), the German GVC and posting text of
// :86: (DK convention).
type code struct {
	swift, gvc, text string
}

// codeOf maps an entry's ISO domain/family/sub-family to its MT940 codes.
// Unknown codes stay honest: NMSC with GVC 835 ("other").
func codeOf(e *bankstmt.Entry) code {
	fam, sub := e.Family, e.SubFamily
	switch {
	case e.Reversal && (fam == "IDDT" || fam == "RDDT"):
		return code{"NRTI", "109", "RUECKLASTSCHRIFT"}
	case e.Reversal, sub == "RRTN", sub == "UPDD":
		if e.Credit {
			return code{"NRTI", "159", "RUECKUEBERWEISUNG"}
		}
		return code{"NRTI", "109", "RUECKLASTSCHRIFT"}
	case sub == "CHRG" || fam == "CHRG" || (e.Domain == "ACMT" && fam == "MDOP"):
		return code{"NCHG", "808", "ENTGELT"}
	case sub == "INTR" || fam == "INTR":
		return code{"NINT", "814", "ZINSEN"}
	case fam == "IDDT": // the account was debited by a collection
		return code{"NDDT", "105", "SEPA-BASISLASTSCHRIFT"}
	case fam == "RDDT": // the account holder collected
		return code{"NDDT", "171", "SEPA-LASTSCHRIFT"}
	case fam == "RCDT" || (e.Domain == "PMNT" && e.Credit):
		return code{"NTRF", "166", "SEPA-UEBERWEISUNG"}
	case fam == "ICDT" || e.Domain == "PMNT":
		return code{"NTRF", "116", "SEPA-UEBERWEISUNG"}
	}
	return code{"NMSC", "835", "SONSTIGES"}
}

// ownerRef is :61: subfield 7: the ERP's end-to-end id when it fits 16
// X characters as it is (no transliteration: the ERP matches it byte for
// byte) and is a valid reference (no leading/trailing '/', no "//");
// else NONREF. :86: carries it as EREF+ whatever its length.
func ownerRef(e2e string) string {
	if e2e == "" || len(e2e) > 16 || strings.Contains(e2e, "//") || strings.HasPrefix(e2e, "/") || strings.HasSuffix(e2e, "/") {
		return "NONREF"
	}
	for _, r := range e2e {
		if !isX(r) || r == ' ' {
			return "NONREF"
		}
	}
	return e2e
}

// bankRef is :61: subfield 8: the bank's reference cut to 16 X characters.
func bankRef(s string) string {
	s = strings.ReplaceAll(toX(s, false), " ", "")
	s = strings.Trim(strings.ReplaceAll(s, "//", "/"), "/")
	return cut(s, 16)
}

// entry writes one :61: line and its :86:.
func entry(w *writer, e *bankstmt.Entry, ccy string, interim bool, o Options) error {
	a, err := amount(e.Amount, ccy)
	if err != nil {
		return err
	}
	dc := "D"
	if e.Credit {
		dc = "C"
	}
	if e.Reversal {
		// RC reverses a credit (a debit entry), RD a debit (a credit entry).
		dc = "RD"
		if !e.Credit {
			dc = "RC"
		}
	}
	c := codeOf(e)
	b := w.scratch[:0]
	b = append(b, ":61:"...)
	b = e.ValueDate.AppendFormat(b, "060102")
	b = e.BookingDate.AppendFormat(b, "0102")
	b = append(b, dc...)
	b = append(b, a...)
	b = append(b, c.swift...)
	b = append(b, ownerRef(e.EndToEndID)...)
	if r := bankRef(e.BankRef); r != "" {
		b = append(b, "//"...)
		b = append(b, r...)
	}
	w.scratch = b
	w.lineBytes(b)
	info86(w, e, c, o.KeepLatin1)
	return nil
}

// Field 86 limits: 6 lines of 65 characters (after the tag), DK
// subfields of 27.
const (
	maxLines86  = 6
	lineLen     = 65
	subfieldLen = 27
)

// sub is one DK subfield: its tag (?20) and value.
type sub struct{ tag, val string }

var purposeTags = [...]string{"?20", "?21", "?22", "?23", "?24", "?25", "?26", "?27", "?28", "?29"}

// info86 writes the structured (DK) :86: of an entry: GVC, ?00 posting
// text, ?20-?29 purpose with EREF+ first (so it is never the part cut),
// MREF+, SVWZ+ remittance text, ?30 BIC, ?31 IBAN, ?32/?33 name. When it
// would need more than 6 lines the purpose is shortened from its end.
func info86(w *writer, e *bankstmt.Entry, c code, keepLatin1 bool) {
	clean := func(s string) string {
		// '?' starts a DK subfield: never inside data.
		s = toX(s, keepLatin1)
		if strings.IndexByte(s, '?') >= 0 {
			s = strings.ReplaceAll(s, "?", ".")
		}
		return strings.TrimSpace(s)
	}
	// Each SEPA key starts its own subfield, as German banks write them;
	// a long value runs on into the next one.
	chunks := w.chunks[:0]
	if e.EndToEndID != "" {
		chunks = split(chunks, "EREF+"+clean(e.EndToEndID), subfieldLen)
	}
	if e.MandateID != "" {
		chunks = split(chunks, "MREF+"+clean(e.MandateID), subfieldLen)
	}
	text := e.Remittance
	if text == "" {
		text = e.AddtlInfo
	}
	if text != "" {
		chunks = split(chunks, "SVWZ+"+clean(text), subfieldLen)
	}
	chunks = chunks[:min(len(chunks), len(purposeTags))]
	w.chunks = chunks
	subs := w.subs[:0]
	subs = append(subs, sub{"?00", cut(c.text, subfieldLen)})
	nPurpose := len(chunks)
	for i, ch := range chunks {
		subs = append(subs, sub{purposeTags[i], ch})
	}
	if bic := clean(e.CounterpartBIC); bic != "" {
		subs = append(subs, sub{"?30", cut(bic, 11)})
	}
	if iban := clean(e.CounterpartIBAN); iban != "" {
		subs = append(subs, sub{"?31", cut(iban, 34)})
	}
	if name := clean(e.CounterpartName); name != "" {
		names := split(nil, name, subfieldLen)
		subs = append(subs, sub{"?32", names[0]})
		if len(names) > 1 {
			subs = append(subs, sub{"?33", names[1]})
		}
	}
	w.subs = subs
	// Drop purpose chunks from the end (never EREF+'s first) until the
	// field fits 6 lines.
	for nPurpose > 1 && lines86(c.gvc, subs) > maxLines86 {
		subs = append(subs[:nPurpose], subs[nPurpose+1:]...)
		nPurpose--
	}
	b := append(w.scratch[:0], ":86:"...)
	b = append(b, c.gvc...)
	n, lines := utf8.RuneCountInString(c.gvc), 1
	for _, sb := range subs {
		l := len(sb.tag) + utf8.RuneCountInString(sb.val)
		if n+l > lineLen {
			if lines == maxLines86 {
				break
			}
			w.lineBytes(b)
			b, n, lines = b[:0], 0, lines+1
		}
		b = append(b, sb.tag...)
		b = append(b, sb.val...)
		n += l
	}
	w.scratch = b
	w.lineBytes(b)
}

// lines86 is how many lines the subfields take when packed after gvc.
func lines86(gvc string, subs []sub) int {
	n, lines := len(gvc), 1
	for _, sb := range subs {
		l := len(sb.tag) + utf8.RuneCountInString(sb.val)
		if n+l > lineLen {
			n, lines = 0, lines+1
		}
		n += l
	}
	return lines
}

// split appends s cut into pieces of size characters (DK readers join
// them without a separator, so cutting mid-word loses nothing).
func split(out []string, s string, size int) []string {
	if len(s) == utf8.RuneCountInString(s) {
		for len(s) > 0 {
			k := min(size, len(s))
			out = append(out, s[:k])
			s = s[k:]
		}
		return out
	}
	r := []rune(s)
	for len(r) > 0 {
		k := min(size, len(r))
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	return out
}
