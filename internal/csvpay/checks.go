package csvpay

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/payrun"
)

// maxReference is Atlar's limit for the creditor-visible reference.
const maxReference = 140

// validator checks one file's rows and collects their problems.
type validator struct {
	p          Profile
	o          Options
	dateLayout string
	today      time.Time
	latest     time.Time
	seen       map[string]int // external id → first data row; made by parse
	probs      problemList
	// idWhat names what external_id identifies in problems: "" is
	// "payment"; "collection" or "counterparty" for the other kinds.
	idWhat string
	// inlineReported is set once a missing INLINE header was reported.
	inlineReported bool
}

func newValidator(p Profile, o Options) (*validator, error) {
	if o.MaxDaysAhead == 0 {
		o.MaxDaysAhead = 60
	}
	if o.MaxDaysAhead < 0 {
		return nil, fmt.Errorf("options: max days ahead must be >= 0 (got %d)", o.MaxDaysAhead)
	}
	today, err := time.Parse(time.DateOnly, o.Today)
	if err != nil {
		return nil, fmt.Errorf("options: today must be YYYY-MM-DD (got %q)", o.Today)
	}
	if o.Scheme != "" && !payrun.KnownScheme(o.Scheme) {
		return nil, fmt.Errorf("options: unknown route scheme %q", o.Scheme)
	}
	if o.SourceAccountID != "" && !isResourceID(o.SourceAccountID) {
		return nil, fmt.Errorf("options: route source account id %q is not an Atlar id", o.SourceAccountID)
	}
	lay, err := goDateLayout(p.DateFormat)
	if err != nil {
		return nil, fmt.Errorf("date_format: %w", err)
	}
	return &validator{
		p:          p,
		o:          o,
		dateLayout: lay,
		today:      today,
		latest:     today.AddDate(0, 0, o.MaxDaysAhead),
	}, nil
}

// rowCtx is one data row being checked.
type rowCtx struct {
	v    *validator
	seg  *segment
	cols []column
	bad  bool // the row has at least one problem
}

// get returns the trimmed value of one of our columns ("" when absent).
func (r *rowCtx) get(c int) string {
	idx := r.cols[c].idx
	if idx < 0 || idx >= len(r.seg.fields) {
		return ""
	}
	return strings.TrimSpace(r.seg.fields[idx])
}

func (r *rowCtx) problem(c int, value, expected, code string) {
	r.problemAt(r.cols[c].name, value, expected, code)
}

func (r *rowCtx) problemAt(field, value, expected, code string) {
	r.bad = true
	r.v.probs.add(payrun.Problem{
		Row: r.seg.row, Line: r.seg.line, Field: field, Value: value, Expected: expected, Code: code,
	})
}

// names joins how the file calls several of our columns, for problems that
// concern a choice between them.
func (r *rowCtx) names(cs ...int) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = r.cols[c].name
	}
	return strings.Join(parts, " / ")
}

func (r *rowCtx) required(c int, what string) string {
	v := r.get(c)
	if v == "" {
		r.problem(c, "", what+" (required)", codeContent)
	}
	return v
}

// requiredText is required for single-line free text such as names.
func (r *rowCtx) requiredText(c int, what string) string {
	if r.get(c) == "" {
		return r.required(c, what)
	}
	return r.text(c)
}

// externalID checks the ERP's payment id: Atlar's externalId pattern and
// unique within the file.
func (r *rowCtx) externalID(c int) string {
	what := cmp.Or(r.v.idWhat, "payment")
	id := r.required(c, "the ERP's "+what+" id")
	if id == "" {
		return ""
	}
	if !isExternalID(id) {
		r.problem(c, id, "1-64 characters of A-Z a-z 0-9 . _ - + =", codeContent)
		return id
	}
	if first, dup := r.v.seen[id]; dup {
		r.problem(c, id, fmt.Sprintf("a %s id unique in the file (already used on row %d)", what, first), codeDuplicate)
		return id
	}
	r.v.seen[id] = r.seg.row
	return id
}

// currency returns the upper-cased ISO 4217 code, and whether it is known.
func (r *rowCtx) currency(c int) (string, bool) {
	cur := strings.ToUpper(r.required(c, "an ISO 4217 currency code like EUR"))
	if cur == "" {
		return "", false
	}
	if _, ok := money.Exponent(cur); !ok {
		r.problem(c, r.get(c), "an active ISO 4217 currency code like EUR", codeCurrency)
		return cur, false
	}
	return cur, true
}

// amount parses a positive amount with the profile's separators. Without a
// valid currency the exponent is unknown, so only presence is checked.
func (r *rowCtx) amount(c int, cur string, curOK bool) int64 {
	s := r.required(c, "an amount in major units")
	if s == "" || !curOK {
		return 0
	}
	v, err := money.Parse(s, cur, r.v.p.Decimal, r.v.p.Thousands)
	if err != nil {
		r.problem(c, s, fmt.Sprintf("an amount like %s (%v)", r.example(cur), err), codeAmount)
		return 0
	}
	if v == 0 {
		r.problem(c, s, "an amount greater than 0", codeZeroAmount)
	}
	return v
}

// example shows what an amount of cur looks like in this profile.
func (r *rowCtx) example(cur string) string {
	s := money.Format(123450, cur)
	if r.v.p.Decimal == ',' {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// date checks an execution date against the profile's format and the
// window Atlar accepts (at most MaxDaysAhead ahead), and returns it as
// YYYY-MM-DD. Empty means today unless required. A date in the past is
// returned as it is: inbound executes it today, as banks do with a
// pain.001, and says so in the acknowledgement and the result (both
// routes alike).
func (r *rowCtx) date(c int, required bool) string {
	s := r.get(c)
	if s == "" {
		if required {
			r.problem(c, "", fmt.Sprintf("a date as %s (required)", r.v.p.DateFormat), codeDate)
		}
		return r.v.today.Format(time.DateOnly)
	}
	d, err := time.Parse(r.v.dateLayout, s)
	if err != nil {
		r.problem(c, s, fmt.Sprintf("a date as %s", r.v.p.DateFormat), codeDate)
		return ""
	}
	switch {
	case d.After(r.v.latest):
		r.problem(c, s, fmt.Sprintf("a date at most %d days ahead (by %s)", r.v.o.MaxDaysAhead, r.v.latest.Format(time.DateOnly)), codeDate)
	}
	return d.Format(time.DateOnly)
}

// reference checks the creditor-visible text; empty falls back to fallback.
func (r *rowCtx) reference(c int, fallback string) string {
	s := r.text(c)
	if s == "" {
		return fallback
	}
	if n := utf8.RuneCountInString(s); n > maxReference {
		r.problem(c, s, fmt.Sprintf("at most %d characters (got %d)", maxReference, n), codeContent)
	}
	return s
}

// text returns a single-line text value. A quoted field can smuggle line
// breaks and other control characters into a name or reference, which
// banks truncate or reject far from here; report them instead.
func (r *rowCtx) text(c int) string {
	s := r.get(c)
	if hasControl(s) {
		r.problem(c, s, "a single line of text without control characters", codeContent)
	}
	return s
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// scheme picks the row's scheme, else the route's, else the default for
// the currency and creditor, and checks it can move the currency. A
// mismatch with a route scheme is reported on the currency column, since
// that is what the row got wrong.
func (r *rowCtx) scheme(c, curCol int, cur string, curOK bool, cred *payrun.Creditor) string {
	s := strings.ToUpper(r.get(c))
	field := c
	switch {
	case s != "":
		if !payrun.KnownScheme(s) {
			r.problem(c, r.get(c), "an Atlar scheme such as SCT, SCT_INST, CROSS_BORDER, GB_CT_FPS, US_CT_ACH", codeContent)
			return s
		}
	case r.v.o.Scheme != "":
		s, field = r.v.o.Scheme, curCol
	case curOK:
		return payrun.DefaultScheme(cur, cred)
	default:
		return ""
	}
	if curOK {
		if err := payrun.CheckSchemeCurrency(s, cur); err != nil {
			r.problem(field, r.get(field), err.Error(), codeCurrency)
		}
	}
	return s
}

// accountID checks an Atlar resource id (accounts, external accounts).
func (r *rowCtx) accountID(c int, what, code string) string {
	s := r.get(c)
	if s != "" && !isResourceID(s) {
		r.problem(c, s, what+": letters, digits and '-'", code)
	}
	return s
}

// iban checks and normalizes an IBAN.
func (r *rowCtx) iban(c int, code string) string {
	s := r.get(c)
	if s == "" {
		return ""
	}
	if err := bankid.CheckIBAN(s); err != nil {
		r.problem(c, s, "a valid IBAN: "+err.Error(), code)
	}
	return bankid.NormalizeIBAN(s)
}

// bic checks an optional BIC, accepting lower case.
func (r *rowCtx) bic(c int) string {
	s := strings.ToUpper(r.get(c))
	if s == "" {
		return ""
	}
	if err := bankid.CheckBIC(s); err != nil {
		r.problem(c, r.get(c), "a valid BIC: "+err.Error(), codeBankID)
	}
	return s
}

// country checks an optional ISO 3166 alpha-2 code, accepting lower case.
func (r *rowCtx) country(c int) string {
	s := strings.ToUpper(r.get(c))
	if s != "" && !bankid.IsCountry(s) {
		r.problem(c, r.get(c), "an ISO 3166 two-letter country code like DE", codeContent)
	}
	return s
}

// isExternalID matches Atlar's ExternalID: ^[a-zA-Z0-9._\-+=]{1,64}$.
func isExternalID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' && c != '+' && c != '=' {
			return false
		}
	}
	return true
}

// isResourceID matches Atlar's ResourceID: ^[a-zA-Z0-9\-]{1,256}$.
func isResourceID(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validABA checks a US ABA routing number: 9 digits whose weighted sum
// (3, 7, 1 repeating) is a multiple of 10.
func validABA(s string) bool {
	if len(s) != 9 || !isDigits(s) {
		return false
	}
	w := [3]int{3, 7, 1}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(s[i]-'0') * w[i%3]
	}
	return sum%10 == 0
}
