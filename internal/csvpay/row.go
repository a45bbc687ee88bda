package csvpay

import (
	"strings"
	"unicode/utf8"

	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/payrun"
)

// maxName bounds creditor names: ISO 20022 Max140Text, which is also what
// a pain.002 or bank statement can carry back.
const maxName = 140

// creditorColumns are the inline-destination columns; a value in any of
// them means the row pays an inline creditor.
var creditorColumns = []int{
	colCreditorName, colCreditorIBAN, colCreditorAccountNumber, colCreditorRoutingNumber,
	colCreditorSortCode, colCreditorBIC, colCreditorCountry, colCreditorAddress,
	colCreditorCity, colCreditorPostalCode, colCreditorStreet,
}

// defaultRow checks one row of the default layout (SPEC §3.3). It reports
// every problem of the row, and returns the payment when there were none.
func (r *rowCtx) defaultRow() (payrun.Payment, bool) {
	p := payrun.Payment{Row: r.seg.row, Line: r.seg.line}
	p.ExternalID = r.externalID(colExternalID)
	r.source(&p)
	cur, curOK := r.currency(colCurrency)
	p.Currency = cur
	p.Amount = r.amount(colAmount, cur, curOK)
	p.Date = r.date(colExecutionDate, false)
	r.destination(&p)
	p.Reference = r.reference(colReference, p.ExternalID)
	p.Scheme = r.scheme(colScheme, colCurrency, cur, curOK, p.Creditor)
	return p, !r.bad
}

// source sets the paying account: an Atlar account id or an IBAN that
// inbound resolves, else the route's default.
func (r *rowCtx) source(p *payrun.Payment) {
	id, iban := r.get(colSourceAccountID), r.get(colSourceIBAN)
	switch {
	case id != "" && iban != "":
		r.problemAt(r.names(colSourceAccountID, colSourceIBAN), id+" / "+iban,
			"either source_account_id or source_iban, not both", codeDebtorAcct)
	case id != "":
		p.SourceAccountID = r.accountID(colSourceAccountID, "an Atlar account id", codeDebtorAcct)
	case iban != "":
		p.SourceIBAN = r.iban(colSourceIBAN, codeDebtorAcct)
	case r.v.o.SourceAccountID != "":
		p.SourceAccountID = r.v.o.SourceAccountID
	default:
		r.problemAt(r.names(colSourceAccountID, colSourceIBAN), "",
			"the paying account's Atlar id or IBAN (required: the route sets no source_account_id)", codeDebtorAcct)
	}
}

// destination sets exactly one of an existing external account or an
// inline creditor.
func (r *rowCtx) destination(p *payrun.Payment) {
	ext := r.get(colExternalAccountID)
	inline := false
	for _, c := range creditorColumns {
		if r.get(c) != "" {
			inline = true
			break
		}
	}
	switch {
	case ext != "" && inline:
		r.problemAt(r.names(colExternalAccountID, colCreditorName), ext,
			"either external_account_id or an inline creditor (creditor_name, creditor_iban, ...), not both", codeCreditorAcc)
	case ext != "":
		// "external:<id>" names the counterparty account by the ERP's own id;
		// Atlar resolves it, so it is passed through as is.
		if id, ok := strings.CutPrefix(ext, "external:"); ok {
			if !isExternalID(id) {
				r.problem(colExternalAccountID, ext, "external:<id> with 1-64 characters of A-Z a-z 0-9 . _ - + =", codeCreditorAcc)
			}
		} else if !isResourceID(ext) {
			r.problem(colExternalAccountID, ext, "an Atlar external account id or external:<id>", codeCreditorAcc)
		}
		p.ExternalAccountID = ext
	case inline:
		p.Creditor = r.creditor()
	default:
		r.problemAt(r.names(colExternalAccountID, colCreditorName), "",
			"a destination: external_account_id, or creditor_name with creditor_iban or creditor_account_number", codeCreditorAcc)
	}
}

// creditor checks an inline destination account and its holder.
func (r *rowCtx) creditor() *payrun.Creditor {
	c := &payrun.Creditor{
		Name:       r.requiredText(colCreditorName, "the creditor's name"),
		BIC:        r.bic(colCreditorBIC),
		Country:    r.country(colCreditorCountry),
		City:       r.text(colCreditorCity),
		PostalCode: r.text(colCreditorPostalCode),
		StreetName: r.text(colCreditorStreet),
	}
	if n := utf8.RuneCountInString(c.Name); n > maxName {
		r.problem(colCreditorName, c.Name, "at most 140 characters", codeContent)
	}
	// A quoted address may span lines; each becomes an address line.
	for _, line := range strings.Split(r.get(colCreditorAddress), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if hasControl(line) {
				r.problem(colCreditorAddress, line, "address lines without control characters", codeContent)
			}
			c.AddressLines = append(c.AddressLines, line)
		}
	}

	iban, number := r.get(colCreditorIBAN), r.get(colCreditorAccountNumber)
	routing, sortCode := r.get(colCreditorRoutingNumber), r.get(colCreditorSortCode)
	switch {
	case iban != "" && number != "":
		r.problemAt(r.names(colCreditorIBAN, colCreditorAccountNumber), iban+" / "+number,
			"either creditor_iban or creditor_account_number, not both", codeCreditorAcc)
	case iban != "":
		c.IBAN = r.iban(colCreditorIBAN, codeCreditorAcc)
		if routing != "" || sortCode != "" {
			r.problemAt(r.names(colCreditorRoutingNumber, colCreditorSortCode), routing+sortCode,
				"no routing number or sort code with an IBAN (they go with creditor_account_number)", codeBankID)
		}
		if c.Country == "" {
			c.Country = bankid.IBANCountry(c.IBAN)
		}
	case number != "":
		c.AccountNumber = r.accountNumberAt(colCreditorAccountNumber, number)
		r.routing(c, routing, sortCode)
		if c.Country == "" && routing == "" && sortCode == "" {
			r.problem(colCreditorCountry, "", "the account's country (required when the account is not an IBAN and has no routing number or sort code)", codeCreditorAcc)
		}
	default:
		r.problemAt(r.names(colCreditorIBAN, colCreditorAccountNumber), "",
			"creditor_iban or creditor_account_number for an inline creditor", codeCreditorAcc)
	}
	return c
}

// accountNumber accepts a domestic account number with the spaces and
// dashes people type, and returns it without them.
func (r *rowCtx) accountNumberAt(c int, s string) string {
	clean := strings.NewReplacer(" ", "", "-", "").Replace(s)
	ok := len(clean) >= 1 && len(clean) <= 34
	for i := 0; ok && i < len(clean); i++ {
		ok = isAlnum(clean[i])
	}
	if !ok {
		r.problem(c, s, "an account number of up to 34 letters and digits", codeCreditorAcc)
	}
	return clean
}

// routing checks a US ABA routing number or a UK sort code, and infers the
// account's country from it when none was given.
func (r *rowCtx) routing(c *payrun.Creditor, routing, sortCode string) {
	switch {
	case routing != "" && sortCode != "":
		r.problemAt(r.names(colCreditorRoutingNumber, colCreditorSortCode), routing+" / "+sortCode,
			"either creditor_routing_number or creditor_sort_code, not both", codeBankID)
	case routing != "":
		if !validABA(routing) {
			r.problem(colCreditorRoutingNumber, routing, "a 9-digit US ABA routing number with a valid check digit", codeBankID)
		}
		c.RoutingNumber = routing
		if c.Country == "" {
			c.Country = "US"
		}
	case sortCode != "":
		digits := strings.NewReplacer("-", "", " ", "").Replace(sortCode)
		if len(digits) != 6 || !isDigits(digits) {
			r.problem(colCreditorSortCode, sortCode, "a 6-digit UK sort code like 20-00-00", codeBankID)
		}
		c.SortCode = digits
		if c.Country == "" {
			c.Country = "GB"
		}
	}
}
