package pain001

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/payrun"
)

// scope locates a group of fields in the file for problems.
type scope struct {
	prefix string // "GrpHdr", "PmtInf[2]", "PmtInf[2]/CdtTrfTxInf[3]"
	row    int    // the transaction's Row, 0 outside transactions
	line   int    // of the enclosing element, for absent elements
}

// bad records a problem about a field that is present.
func (r *reader) bad(g gate, sc scope, l leaf, expected, code string) {
	r.flag(g, payrun.Problem{
		Row:      sc.row,
		Line:     l.line,
		Field:    joinPath(sc.prefix, l.path),
		Value:    l.val,
		Expected: expected,
		Code:     code,
	})
}

// missing records a required element that is absent.
func (r *reader) missing(g gate, sc scope, rel, expected string) {
	if expected == "" {
		expected = "this element (it is required)"
	}
	r.flag(g, payrun.Problem{
		Row:      sc.row,
		Line:     sc.line,
		Field:    joinPath(sc.prefix, rel),
		Expected: expected,
		Code:     codeMissing,
	})
}

// one returns the single occurrence of a field, or the zero leaf; a repeat
// breaks the schema (maxOccurs 1, or a choice of which both were given).
func (r *reader) one(sc scope, ls []leaf) leaf {
	if len(ls) == 0 {
		return leaf{}
	}
	for _, extra := range ls[1:] {
		what := "only one " + lastName(ls[0].path)
		if extra.path != ls[0].path {
			what = "only one of " + lastName(ls[0].path) + " and " + lastName(extra.path)
		}
		r.bad(gateStrict, sc, extra, what, codeContent)
	}
	return ls[0]
}

// need is one for a required element, absent being a problem from gate g.
func (r *reader) need(g gate, sc scope, ls []leaf, rel string) leaf {
	l := r.one(sc, ls)
	if !l.seen {
		r.missing(g, sc, rel, "")
	}
	return l
}

// text checks a MaxNText element: 1 to n characters.
func (r *reader) text(sc scope, l leaf, n int) {
	if !l.seen || l.long {
		return
	}
	if k := textLen(l.val); k == 0 || k > n {
		r.bad(gateStrict, sc, l, fmt.Sprintf("1 to %d characters (Max%dText), not %d", n, n, k), codeContent)
	}
}

// code checks a code or proprietary value of PmtTpInf: external codes are
// at most 4 characters (SvcLvl, CtgyPurp) or 35 (LclInstrm), Prtry 35.
func (r *reader) code(sc scope, l leaf) {
	n := 35
	if strings.HasSuffix(l.path, "SvcLvl/Cd") || strings.HasSuffix(l.path, "CtgyPurp/Cd") || strings.HasSuffix(l.path, "CtgyPurp") {
		n = 4
	}
	r.text(sc, l, n)
}

// chargeBearer checks ChargeBearerType1Code.
func (r *reader) chargeBearer(sc scope, l leaf) {
	switch l.val {
	case "DEBT", "CRED", "SHAR", "SLEV":
		return
	}
	if l.seen {
		r.bad(gateStrict, sc, l, "DEBT, CRED, SHAR or SLEV", codeContent)
	}
}

// iban checks an IBAN element and returns it normalised.
func (r *reader) iban(sc scope, l leaf) string {
	switch {
	case !ibanPattern(l.val, r.schema.v):
		r.bad(gateStrict, sc, l, "an IBAN: country code, 2 check digits, up to 30 letters or digits, no spaces", codeAccount)
	default:
		if err := bankid.CheckIBAN(l.val); err != nil {
			r.bad(gateStrict, sc, l, "a valid IBAN ("+err.Error()+")", codeAccount)
		}
	}
	return bankid.NormalizeIBAN(clean(l.val))
}

// bic checks a BIC element.
func (r *reader) bic(sc scope, l leaf) {
	if !l.seen {
		return
	}
	if !bicPattern(l.val, r.schema.v) {
		r.bad(gateStrict, sc, l, "a BIC of 8 or 11 upper-case letters and digits", codeBIC)
		return
	}
	if err := bankid.CheckBIC(l.val); err != nil {
		r.bad(gateStrict, sc, l, "a valid BIC ("+err.Error()+")", codeBIC)
	}
}

// currency checks a currency code element (DbtrAcct/Ccy).
func (r *reader) currency(sc scope, l leaf) {
	if l.seen && !codePattern(l.val, 3) {
		r.bad(gateStrict, sc, l, "an ISO 4217 currency code of 3 upper-case letters", codeCurrency)
	}
}

// country checks a CountryCode element.
func (r *reader) country(sc scope, l leaf) {
	if l.seen && !codePattern(l.val, 2) {
		r.bad(gateStrict, sc, l, "an ISO 3166 country code of 2 upper-case letters", codeContent)
	}
}

// nameMax is the length of party names: Max70Text in v02, Max140Text since.
func (r *reader) nameMax() int {
	if r.schema.v == 2 {
		return 70
	}
	return 140
}

// count is a declared NbOfTxs.
type count struct {
	l  leaf
	n  uint64
	ok bool // present and readable
}

func (r *reader) declaredCount(sc scope, l leaf) count {
	if !l.seen {
		return count{}
	}
	if !numericText(l.val) {
		r.bad(gateStrict, sc, l, "a number of 1 to 15 digits (Max15NumericText)", codeNbOfTxs)
		return count{l: l}
	}
	n, _ := strconv.ParseUint(l.val, 10, 64) // 15 digits always fit
	return count{l: l, n: n, ok: true}
}

// sum is a declared CtrlSum.
type sum struct {
	l leaf
	v *big.Rat // nil when absent or unreadable
}

func (r *reader) declaredSum(sc scope, l leaf) sum {
	if !l.seen {
		return sum{}
	}
	d, ok := parseDecimal(l.val)
	if !ok || d.total > 18 || d.frac > 17 {
		r.bad(gateStrict, sc, l, "a decimal number of at most 18 digits such as 1234.56 (DecimalNumber)", codeCtrlSum)
		return sum{l: l}
	}
	return sum{l: l, v: d.rat()}
}

// clean is a text value as the bridge uses it: without surrounding space.
func clean(s string) string { return strings.Trim(s, xmlSpace) }

// lastName is the element name at the end of a path.
func lastName(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}
