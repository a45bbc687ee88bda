package csvpay

import (
	"fmt"
	"strings"

	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/payrun"
)

// AccountPrefix marks an ExternalAccountID that is really one of the
// organisation's own Atlar accounts: Atlar's batch CSV allows
// destination.type ACCOUNT (an internal transfer), which payrun has no
// field for. csvpay writes "account:<id>" into ExternalAccountID and
// inbound must turn it back into destination {type: ACCOUNT, id} instead of
// EXTERNAL_ACCOUNT. The prefix cannot clash with a real external account
// id, which has no ':' ("external:<id>" is the only other prefixed form).
const AccountPrefix = "account:"

// atlarRow checks one row of Atlar's batch CSV. The rules are Atlar's
// (DOC-BATCH): amount.stringValue has exactly the currency's decimals with
// '.', and date, scheme and reference are required; externalId is ours.
func (r *rowCtx) atlarRow() (payrun.Payment, bool) {
	p := payrun.Payment{Row: r.seg.row, Line: r.seg.line}
	p.ExternalID = r.externalID(atExternalID)
	cur, curOK := r.currency(atCurrency)
	p.Currency = cur
	p.Amount = r.atlarAmount(cur, curOK)
	p.Date = r.date(atDate, true)
	if r.get(atReference) == "" {
		r.problem(atReference, "", "the text the creditor sees (required)", codeContent)
	}
	p.Reference = r.reference(atReference, "")

	if t := r.get(atSourceType); t != "" && !strings.EqualFold(t, "ACCOUNT") {
		r.problem(atSourceType, t, "ACCOUNT", codeDebtorAcct)
	} else if t == "" {
		r.problem(atSourceType, "", "ACCOUNT (required)", codeDebtorAcct)
	}
	p.SourceAccountID = r.accountID(atSourceID, "an Atlar account id", codeDebtorAcct)
	if p.SourceAccountID == "" {
		if r.v.o.SourceAccountID == "" {
			r.problem(atSourceID, "", "the paying account's Atlar id (required: the route sets no source_account_id)", codeDebtorAcct)
		}
		p.SourceAccountID = r.v.o.SourceAccountID
	}

	r.atlarDestination(&p)
	if r.get(atScheme) == "" {
		r.problem(atScheme, "", "an Atlar scheme such as SCT (required)", codeContent)
	} else {
		p.Scheme = r.scheme(atScheme, atCurrency, cur, curOK, p.Creditor)
	}
	return p, !r.bad
}

// atlarAmount parses amount.stringValue, which must carry exactly the
// currency's decimals ("2.00" EUR, "100" JPY), as Atlar requires.
func (r *rowCtx) atlarAmount(cur string, curOK bool) int64 {
	s := r.required(atAmount, "the amount as a decimal string")
	if s == "" || !curOK {
		return 0
	}
	exp, _ := money.Exponent(cur)
	decimals := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		decimals = len(s) - i - 1
	}
	v, err := money.Parse(s, cur, '.', 0)
	if err == nil && decimals != exp {
		err = fmt.Errorf("exactly %d decimals for %s", exp, cur)
	}
	if err != nil {
		r.problem(atAmount, s, fmt.Sprintf("an amount like %s (%v)", money.Format(123450, cur), err), codeAmount)
		return 0
	}
	if v == 0 {
		r.problem(atAmount, s, "an amount greater than 0", codeZeroAmount)
	}
	return v
}

func (r *rowCtx) atlarDestination(p *payrun.Payment) {
	t := strings.ToUpper(r.get(atDestType))
	switch t {
	case "ACCOUNT", "EXTERNAL_ACCOUNT":
		id := r.get(atDestID)
		switch {
		case id == "":
			r.problem(atDestID, "", "the destination account id (required for "+t+")", codeCreditorAcc)
		case t == "ACCOUNT":
			if !isResourceID(id) {
				r.problem(atDestID, id, "an Atlar account id: letters, digits and '-'", codeCreditorAcc)
			}
			p.ExternalAccountID = AccountPrefix + id
		default:
			valid := isResourceID(id)
			if x, ok := strings.CutPrefix(id, "external:"); ok {
				valid = isExternalID(x)
			}
			if !valid {
				r.problem(atDestID, id, "an Atlar external account id or external:<id>", codeCreditorAcc)
			}
			p.ExternalAccountID = id
		}
	case "INLINE":
		p.Creditor = r.atlarInline()
	case "":
		r.problem(atDestType, "", "ACCOUNT, EXTERNAL_ACCOUNT or INLINE (required)", codeCreditorAcc)
	default:
		r.problem(atDestType, r.get(atDestType), "ACCOUNT, EXTERNAL_ACCOUNT or INLINE", codeCreditorAcc)
	}
}

// atlarInline reads an INLINE destination. Its columns are only required
// once a row uses INLINE; a header without them is reported once per file.
func (r *rowCtx) atlarInline() *payrun.Creditor {
	var missing []string
	for _, c := range inlineColumns {
		if !r.cols[c].present() {
			missing = append(missing, atlarLayout.names[c])
		}
	}
	if len(missing) > 0 {
		r.bad = true
		if !r.v.inlineReported {
			r.v.inlineReported = true
			r.v.probs.add(payrun.Problem{Row: r.seg.row, Line: r.seg.line, Field: "header",
				Expected: "columns " + strings.Join(missing, ", ") + " (needed when a row's destination.type is INLINE)",
				Code:     codeFormat})
		}
		return nil
	}
	c := &payrun.Creditor{
		Name:    r.requiredText(atDestHolderName, "the creditor's legal name"),
		Country: r.country(atDestMarket),
	}
	if c.Country == "" {
		r.problem(atDestMarket, "", "the destination's country (required for INLINE)", codeCreditorAcc)
	}
	identMarket := r.country(atDestIdentMarket)
	number := r.required(atDestIdentNumber, "the account number or IBAN")
	switch strings.ToUpper(r.get(atDestIdentType)) {
	case "IBAN":
		c.IBAN = r.iban(atDestIdentNumber, codeCreditorAcc)
	case "NUMBER":
		if number != "" {
			c.AccountNumber = r.accountNumberAt(atDestIdentNumber, number)
		}
	case "":
		r.problem(atDestIdentType, "", "IBAN or NUMBER (required for INLINE)", codeCreditorAcc)
	default:
		r.problem(atDestIdentType, r.get(atDestIdentType), "IBAN or NUMBER (other identifier types are not supported)", codeCreditorAcc)
	}
	if identMarket == "" {
		r.problem(atDestIdentMarket, "", "the account's country (required for INLINE)", codeCreditorAcc)
	}
	return c
}
