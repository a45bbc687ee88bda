package csvpay

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/parties"
)

// Counterparties CSV columns (SPEC §3.5), indexes into cpLayout.names.
const (
	cpExternalID = iota
	cpName
	cpPartyType
	cpIBAN
	cpAccountNumber
	cpRoutingNumber
	cpSortCode
	cpBIC
	cpCurrency
	cpCountry
	cpEmail
	cpStreet
	cpCity
	cpPostalCode
)

var cpLayout = layout{
	names: []string{
		"external_id", "name", "party_type", "iban", "account_number", "routing_number",
		"sort_code", "bic", "currency", "country", "email", "street", "city", "postal_code",
	},
	required: []int{cpExternalID, cpName, cpPartyType},
}

// CounterpartyColumnNames lists the counterparties columns a profile may map.
func CounterpartyColumnNames() []string { return append([]string(nil), cpLayout.names...) }

// CounterpartyResultHeader names the columns the counterparties result CSV
// appends (WriteResultColumns).
var CounterpartyResultHeader = []string{"status", "counterparty_id", "external_account_id", "reason"}

// ParseCounterparties reads one counterparties CSV file (kind =
// "counterparties") in profile p: every row checked, all-or-nothing, an
// external_id on two rows rejected (which one would win is a guess).
func ParseCounterparties(data []byte, p Profile, today string) (*parties.Set, error) {
	if p.Atlar {
		return nil, fmt.Errorf("csv profile %q: Atlar's batch layout is for payments only", p.Name)
	}
	v, err := newValidator(p, Options{Today: today})
	if err != nil {
		return nil, err
	}
	text, err := decodeFor(data, p, "counterparty")
	if err != nil {
		return nil, err
	}
	set := &parties.Set{}
	v.seen = map[string]int{}
	v.idWhat = "counterparty"
	missing := func(cols []column) []string {
		var m []string
		for _, c := range cpLayout.required {
			if !cols[c].present() {
				m = append(m, cpLayout.names[c])
			}
		}
		if !cols[cpIBAN].present() && !cols[cpAccountNumber].present() {
			m = append(m, "iban or account_number")
		}
		return m
	}
	rows := v.eachRow(text, &cpLayout, missing, func(r *rowCtx) {
		c := r.cpRow()
		if !r.bad && v.probs.empty() {
			set.Counterparties = append(set.Counterparties, c)
		}
	})
	if !v.probs.empty() {
		return nil, v.probs.result()
	}
	if rows == 0 {
		return nil, parties.Problems{*fileProblem(0, "", "", "counterparty rows after the header (found none)", codeFormat)}
	}
	return set, nil
}

func (r *rowCtx) cpRow() parties.Counterparty {
	c := parties.Counterparty{Row: r.seg.row, Line: r.seg.line}
	c.ExternalID = r.externalID(cpExternalID)
	c.Name = r.requiredText(cpName, "the counterparty's legal name")
	switch pt := strings.ToUpper(r.get(cpPartyType)); pt {
	case "COMPANY", "INDIVIDUAL":
		c.PartyType = pt
	case "":
		r.problem(cpPartyType, "", "COMPANY or INDIVIDUAL (required)", codeContent)
	default:
		r.problem(cpPartyType, r.get(cpPartyType), "COMPANY or INDIVIDUAL", codeContent)
	}
	if e := r.text(cpEmail); e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			r.problem(cpEmail, e, "an e-mail address like ap@example.com", codeContent)
		}
		c.Email = e
	}
	c.Address = parties.Address{Street: r.text(cpStreet), City: r.text(cpCity), PostalCode: r.text(cpPostalCode), Country: r.country(cpCountry)}
	a := &c.Account
	a.IBAN = r.iban(cpIBAN, codeCreditorAcc)
	a.Number = r.text(cpAccountNumber)
	a.BIC = r.bic(cpBIC)
	switch {
	case a.IBAN != "" && a.Number != "":
		r.problem(cpAccountNumber, a.Number, "either iban or account_number, not both", codeCreditorAcc)
	case a.IBAN == "" && a.Number == "":
		r.problem(cpIBAN, "", "the account: iban, or account_number with routing_number or sort_code", codeCreditorAcc)
	case a.IBAN != "":
		a.Market = ibanCountry(a.IBAN)
	default:
		a.Market = c.Address.Country
		routing, sortCode := r.get(cpRoutingNumber), strings.ReplaceAll(r.get(cpSortCode), "-", "")
		switch {
		case routing != "" && sortCode != "":
			r.problem(cpSortCode, r.get(cpSortCode), "either routing_number or sort_code, not both", codeCreditorAcc)
		case routing != "":
			if !validABA(routing) {
				r.problem(cpRoutingNumber, routing, "a 9-digit ABA routing number with a valid checksum", codeBankID)
			}
			a.Routing = routing
			if a.Market == "" {
				a.Market = "US"
			}
		case sortCode != "":
			if len(sortCode) != 6 || !isDigits(sortCode) {
				r.problem(cpSortCode, r.get(cpSortCode), "a 6-digit sort code like 20-00-00", codeBankID)
			}
			a.Routing = sortCode
			if a.Market == "" {
				a.Market = "GB"
			}
		}
		if a.Market == "" {
			r.problem(cpCountry, "", "the account's country (required with account_number)", codeContent)
		}
	}
	if s := strings.ToUpper(r.get(cpCurrency)); s != "" {
		if _, ok := money.Exponent(s); !ok {
			r.problem(cpCurrency, r.get(cpCurrency), "an ISO 4217 currency code like EUR", codeCurrency)
		}
		a.Currency = s
	}
	return c
}
