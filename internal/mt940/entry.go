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
	var b strings.Builder
	b.Grow(70)
	b.WriteString(":61:")
	b.WriteString(e.ValueDate.Format("060102"))
	b.WriteString(e.BookingDate.Format("0102"))
	b.WriteString(dc)
	b.WriteString(a)
	b.WriteString(c.swift)
	b.WriteString(ownerRef(e.EndToEndID))
	if r := bankRef(e.BankRef); r != "" {
		b.WriteString("//")
		b.WriteString(r)
	}
	w.line(b.String())
	for _, l := range info86(e, c, o.KeepLatin1) {
		w.line(l)
	}
	return nil
}

// Field 86 limits: 6 lines of 65 characters (after the tag), DK
// subfields of 27.
const (
	maxLines86  = 6
	lineLen     = 65
	subfieldLen = 27
)

// info86 builds the structured (DK) :86: of an entry: GVC, ?00 posting
// text, ?20-?29 purpose with EREF+ first (so it is never the part cut),
// MREF+, SVWZ+ remittance text, ?30 BIC, ?31 IBAN, ?32/?33 name. When it
// would need more than 6 lines the purpose is shortened from its end.
func info86(e *bankstmt.Entry, c code, keepLatin1 bool) []string {
	clean := func(s string) string {
		// '?' starts a DK subfield: never inside data.
		return strings.TrimSpace(strings.ReplaceAll(toX(s, keepLatin1), "?", "."))
	}
	// Each SEPA key starts its own subfield, as German banks write them;
	// a long value runs on into the next one.
	var chunks []string
	if e.EndToEndID != "" {
		chunks = append(chunks, split("EREF+"+clean(e.EndToEndID), subfieldLen, 10)...)
	}
	if e.MandateID != "" {
		chunks = append(chunks, split("MREF+"+clean(e.MandateID), subfieldLen, 10)...)
	}
	text := e.Remittance
	if text == "" {
		text = e.AddtlInfo
	}
	if text != "" {
		chunks = append(chunks, split("SVWZ+"+clean(text), subfieldLen, 10)...)
	}
	chunks = chunks[:min(len(chunks), 10)]
	tail := []string{}
	if bic := clean(e.CounterpartBIC); bic != "" {
		tail = append(tail, "?30"+cut(bic, 11))
	}
	if iban := clean(e.CounterpartIBAN); iban != "" {
		tail = append(tail, "?31"+cut(iban, 34))
	}
	for i, n := range split(clean(e.CounterpartName), subfieldLen, 2) {
		tail = append(tail, "?3"+string(rune('2'+i))+n)
	}
	for {
		parts := []string{"?00" + cut(c.text, subfieldLen)}
		for i, ch := range chunks {
			parts = append(parts, "?2"+string(rune('0'+i))+ch)
		}
		parts = append(parts, tail...)
		lines := pack(c.gvc, parts)
		if len(lines) <= maxLines86 || len(chunks) == 0 {
			if len(lines) > maxLines86 {
				lines = lines[:maxLines86]
			}
			lines[0] = ":86:" + lines[0]
			return lines
		}
		chunks = chunks[:len(chunks)-1]
	}
}

// split cuts s into at most n pieces of size characters (DK readers join
// them without a separator, so cutting mid-word loses nothing).
func split(s string, size, n int) []string {
	var out []string
	r := []rune(s)
	for len(r) > 0 && len(out) < n {
		k := min(size, len(r))
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	return out
}

// pack lays the subfields out on lines of at most 65 characters, breaking
// between subfields, so every continuation line starts with '?' (never
// ':' or '-', which would read as a new field or the end).
func pack(first string, parts []string) []string {
	lines := []string{first}
	for _, p := range parts {
		cur := &lines[len(lines)-1]
		if utf8.RuneCountInString(*cur)+utf8.RuneCountInString(p) <= lineLen {
			*cur += p
			continue
		}
		lines = append(lines, p)
	}
	return lines
}
