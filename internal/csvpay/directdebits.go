package csvpay

import (
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/ddrun"
)

// Direct-debit CSV columns (SPEC §3.4), indexes into ddLayout.names.
const (
	ddExternalID = iota
	ddDestinationAccountID
	ddCreditorIBAN
	ddAmount
	ddCurrency
	ddCollectionDate
	ddDebtorName
	ddDebtorIBAN
	ddDebtorBIC
	ddMandateReference
	ddMandateSignatureDate
	ddScheme
	ddReference
	ddDebtorExternalID
	ddCreditorID
	ddSequenceType
	ddDebtorPartyType
)

var ddLayout = layout{
	names: []string{
		"external_id", "destination_account_id", "creditor_iban", "amount", "currency",
		"collection_date", "debtor_name", "debtor_iban", "debtor_bic", "mandate_reference",
		"mandate_signature_date", "scheme", "reference", "debtor_external_id", "creditor_id",
		"sequence_type", "debtor_party_type",
	},
	required: []int{ddExternalID, ddAmount, ddCurrency, ddCollectionDate, ddDebtorName, ddDebtorIBAN, ddMandateReference, ddMandateSignatureDate},
}

// DirectDebitColumnNames lists the direct-debit columns a profile may map.
func DirectDebitColumnNames() []string { return append([]string(nil), ddLayout.names...) }

// DirectDebitOptions are what the route and the clock add to a
// direct-debit file.
type DirectDebitOptions struct {
	Today string // YYYY-MM-DD: collection dates before it are problems
	// CreditorAccountID is the route's Atlar account that collects, used
	// when the file has neither destination_account_id nor creditor_iban.
	CreditorAccountID string
	// CreditorID is the route's SEPA creditor identifier (creditor_id in
	// the route), used when the file has no creditor_id column: most ERPs
	// collect under one identifier, which the file then need not repeat.
	CreditorID string
	// Scheme is the route's default scheme (SDD_CORE if "").
	Scheme string
}

// ParseDirectDebits reads one direct-debit CSV file (kind =
// "direct_debits") in profile p: every row checked, all-or-nothing like
// Parse. The Run's MsgName is "CSV".
func ParseDirectDebits(data []byte, p Profile, o DirectDebitOptions) (*ddrun.Run, error) {
	if p.Atlar {
		return nil, fmt.Errorf("csv profile %q: Atlar's batch layout is for payments only", p.Name)
	}
	if o.CreditorID != "" {
		if err := ddrun.CheckCreditorID(o.CreditorID); err != nil {
			return nil, fmt.Errorf("options: route creditor_id: %w", err)
		}
	}
	if o.CreditorAccountID != "" && !isResourceID(o.CreditorAccountID) {
		return nil, fmt.Errorf("options: route creditor account id %q is not an Atlar id", o.CreditorAccountID)
	}
	if o.Scheme != "" && ddrun.SchemeFor(o.Scheme) == "" {
		return nil, fmt.Errorf("options: route scheme %q: want SDD_CORE or SDD_B2B", o.Scheme)
	}
	v, err := newValidator(p, Options{Today: o.Today, MaxDaysAhead: 365})
	if err != nil {
		return nil, err
	}
	text, err := decodeFor(data, p, "collection")
	if err != nil {
		return nil, err
	}
	run := &ddrun.Run{MsgName: "CSV"}
	v.seen = map[string]int{}
	v.idWhat = "collection"
	missing := func(cols []column) []string {
		var m []string
		for _, c := range ddLayout.required {
			if !cols[c].present() {
				m = append(m, ddLayout.names[c])
			}
		}
		if !cols[ddDestinationAccountID].present() && !cols[ddCreditorIBAN].present() && o.CreditorAccountID == "" {
			m = append(m, "destination_account_id or creditor_iban")
		}
		if !cols[ddCreditorID].present() && o.CreditorID == "" {
			m = append(m, "creditor_id (or the route's creditor_id)")
		}
		return m
	}
	rows := v.eachRow(text, &ddLayout, missing, func(r *rowCtx) {
		c := r.ddRow(o)
		if !r.bad && v.probs.empty() {
			run.Collections = append(run.Collections, c)
		}
	})
	if !v.probs.empty() {
		return nil, v.probs.result()
	}
	if rows == 0 {
		return nil, ddrun.Problems{*fileProblem(0, "", "", "collection rows after the header (found none)", codeFormat)}
	}
	return run, nil
}

func (r *rowCtx) ddRow(o DirectDebitOptions) ddrun.Collection {
	c := ddrun.Collection{Row: r.seg.row, Line: r.seg.line}
	c.ExternalID = r.externalID(ddExternalID)
	c.CreditorAccountID = r.accountID(ddDestinationAccountID, "an Atlar account id", codeCreditorAcc)
	c.CreditorIBAN = r.iban(ddCreditorIBAN, codeCreditorAcc)
	if c.CreditorAccountID == "" && c.CreditorIBAN == "" {
		c.CreditorAccountID = o.CreditorAccountID
		if c.CreditorAccountID == "" {
			r.problem(ddDestinationAccountID, "", "the collecting account: destination_account_id or creditor_iban", codeCreditorAcc)
		}
	}
	cur, curOK := r.currency(ddCurrency)
	if curOK && cur != "EUR" {
		r.problem(ddCurrency, r.get(ddCurrency), "EUR (SEPA direct debits are in euro)", codeCurrency)
		curOK = false
	}
	c.Currency = cur
	c.Amount = r.amount(ddAmount, cur, curOK)
	if d := r.date(ddCollectionDate, true); d != "" {
		if d < r.v.today.Format(time.DateOnly) {
			r.problem(ddCollectionDate, r.get(ddCollectionDate), "a collection date not before today ("+r.v.today.Format(time.DateOnly)+")", codeDate)
		}
		c.Date = d
	}
	c.Debtor.Name = r.requiredText(ddDebtorName, "the debtor's name")
	c.Debtor.IBAN = r.iban(ddDebtorIBAN, codeDebtorAcct)
	c.Debtor.BIC = r.bic(ddDebtorBIC)
	c.Debtor.Country = ibanCountry(c.Debtor.IBAN)
	c.Mandate.Reference = r.requiredText(ddMandateReference, "the mandate reference")
	if d := r.date(ddMandateSignatureDate, true); d != "" {
		if d > r.v.today.Format(time.DateOnly) {
			r.problem(ddMandateSignatureDate, r.get(ddMandateSignatureDate), "a signature date not after today", codeDate)
		}
		c.Mandate.SignatureDate = d
	}
	c.Scheme = ddrun.SchemeCore
	if o.Scheme != "" {
		c.Scheme = ddrun.SchemeFor(o.Scheme)
	}
	if s := r.get(ddScheme); s != "" {
		if c.Scheme = ddrun.SchemeFor(s); c.Scheme == "" {
			r.problem(ddScheme, s, "SDD_CORE or SDD_B2B (or CORE, B2B)", codeContent)
		}
	}
	switch s := r.get(ddSequenceType); s {
	case "", ddrun.SeqFirst, ddrun.SeqRecurring, ddrun.SeqOneOff, ddrun.SeqFinal:
		c.SequenceType = s
	default:
		r.problem(ddSequenceType, s, "FRST, RCUR, OOFF or FNAL", codeContent)
	}
	c.Reference = r.reference(ddReference, "")
	c.CreditorID = r.get(ddCreditorID)
	if c.CreditorID == "" {
		c.CreditorID = o.CreditorID
	} else if err := ddrun.CheckCreditorID(c.CreditorID); err != nil {
		r.problem(ddCreditorID, c.CreditorID, "a SEPA creditor identifier with valid check digits ("+err.Error()+")", codeContent)
	}
	if id := r.get(ddDebtorExternalID); id != "" {
		if !ddrun.IsExternalID(id) {
			r.problem(ddDebtorExternalID, id, "1-64 characters of A-Z a-z 0-9 . _ - + =", codeContent)
		}
		c.Debtor.ExternalID, c.Debtor.ExternalIDGiven = id, true
	} else if c.Debtor.IBAN != "" {
		c.Debtor.ExternalID = ddrun.DebtorExternalID(c.Debtor.IBAN)
	}
	switch pt := r.get(ddDebtorPartyType); pt {
	case ddrun.PartyCompany, ddrun.PartyIndividual:
		c.Debtor.PartyType = pt
	case "":
		c.Debtor.PartyType = ddrun.PartyIndividual
		if c.Scheme == ddrun.SchemeB2B {
			c.Debtor.PartyType = ddrun.PartyCompany
		}
	default:
		r.problem(ddDebtorPartyType, pt, "COMPANY or INDIVIDUAL", codeContent)
	}
	return c
}

// DirectDebitResultHeader names the columns the direct-debit result CSV
// appends (WriteResultColumns): the direct debit's and mandate's Atlar ids.
var DirectDebitResultHeader = []string{"status", "atlar_direct_debit_id", "atlar_mandate_id", "reason"}

func ibanCountry(iban string) string {
	if len(iban) >= 2 {
		return iban[:2]
	}
	return ""
}
