package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/ddrun"
	"github.com/atlarbridge/bridge/internal/pain008"
	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/state"
)

// collectChunk is how many collections one journaled blob holds: a 10,000
// collection file is 10 journal writes, not 10,000.
const collectChunk = 1000

// Collection is one planned collection: the requests that make it at
// Atlar, in the order collect_submit.go sends them. The account ids that
// only Atlar can give (the debtor's external account) are filled in at
// submission; everything else is fixed here and journaled, so a resend
// after a crash sends the same content under the same key.
type Collection struct {
	// Row is the payment's Row (CSV data row, or DrctDbtTxInf position).
	Row int `json:"row"`
	// Debtor is the counterparty to find or create, with its account.
	Debtor ddrun.Debtor `json:"debtor"`
	// Counterparty is the create request used when the debtor is new; it
	// embeds the debtor's account.
	Counterparty atlar.CreateCounterpartyRequest `json:"counterparty"`
	// Mandate is the create request used when no mandate with the
	// reference exists (ExternalAccountID filled at submission).
	Mandate atlar.CreateMandateRequest `json:"mandate"`
	// CancelReference is the mandate an amendment replaces: cancelled
	// once the amended mandate exists.
	CancelReference string `json:"cancelReference,omitempty"`
	// DirectDebit is the create request (Source.ID, the debtor's external
	// account, filled at submission).
	DirectDebit atlar.CreateDirectDebitRequest `json:"directDebit"`
}

// collectBlob is the journal key of chunk n of a file's collections.
func collectBlob(id string, attempt, n int) string {
	return fmt.Sprintf("collect/%s/%d/%d", id, attempt, n)
}

func collectBlobPrefix(id string) string { return "collect/" + id + "/" }

// collectPlan reads a pain.008 or a direct-debit CSV and plans its
// collections. As for payments, any problem of any row rejects the file
// before anything is sent.
func collectPlan(ctx context.Context, r *Route, in PlanInput, rs Resolver) (*Plan, payrun.Problems, *Echo, error) {
	var (
		run  *ddrun.Run
		orig *state.Original
		echo *Echo
	)
	if r.Format == FormatPain008 {
		res, err := pain008.Read(bytes.NewReader(in.Data), pain008.Options{Level: pain008.Level(r.Validate), Today: in.Today, MaxSize: r.MaxFileSize})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read pain.008: %w", err)
		}
		run = res.Run
		orig = collectOriginal(run, res.Header.MsgID, res.Header.CtrlSum)
		echo = &Echo{Original: orig, Payments: collectPayments(run)}
		if len(res.Problems) > 0 {
			return nil, res.Problems, echo, nil
		}
	} else {
		var err error
		run, err = csvpay.ParseDirectDebits(in.Data, r.CSV, csvpay.DirectDebitOptions{
			Today: in.Today, CreditorAccountID: r.CreditorAccountID, CreditorID: r.CreditorID, Scheme: r.Scheme,
		})
		if err != nil {
			var ps payrun.Problems
			if errors.As(err, &ps) {
				return nil, ps, nil, nil
			}
			return nil, nil, nil, fmt.Errorf("read direct-debit csv: %w", err)
		}
		orig = collectOriginal(run, in.FileID, "")
	}
	plan := &Plan{Original: orig, Payments: collectPayments(run), Run: &payrun.Run{MsgID: run.MsgID}}
	var probs payrun.Problems
	for _, c := range run.Collections {
		dest, p, err := creditorAccount(ctx, r, c, rs)
		if err != nil {
			return nil, nil, echo, err
		}
		if p != nil {
			probs = append(probs, *p)
			continue
		}
		plan.Collections = append(plan.Collections, collection(c, dest))
	}
	if len(probs) > 0 {
		return nil, probs, echo, nil
	}
	return plan, nil, echo, nil
}

// creditorAccount resolves the account a collection pays into, through the
// accounts cache as payments resolve their source. An account Atlar does
// not know is a problem of the row; Atlar unreachable is an error (the file
// waits). Offline (rs nil) the IBAN is shown, never sent.
func creditorAccount(ctx context.Context, r *Route, c ddrun.Collection, rs Resolver) (string, *payrun.Problem, error) {
	field := func(csv, xml string) string {
		if r.Format == FormatPain008 {
			return xml
		}
		return csv
	}
	prob := func(f, v, want string) *payrun.Problem {
		return &payrun.Problem{Row: c.Row, Line: c.Line, Field: f, Value: v, Expected: want}
	}
	switch {
	case c.CreditorAccountID != "" && rs == nil:
		return c.CreditorAccountID, nil, nil
	case c.CreditorAccountID != "":
		acc, err := rs.AccountByID(ctx, c.CreditorAccountID)
		if errors.Is(err, errUnknownAccount) {
			return "", prob(field("destination_account_id", "CdtrAcct/Id"), c.CreditorAccountID, "the id of an account in Atlar"), nil
		} else if err != nil {
			return "", nil, fmt.Errorf("creditor account: %w", err)
		}
		if acc.Currency != "" && acc.Currency != c.Currency {
			return "", prob("currency", c.Currency, fmt.Sprintf("%s, the currency of account %s", acc.Currency, c.CreditorAccountID)), nil
		}
		return acc.ID, nil, nil
	case c.CreditorIBAN != "" && rs == nil:
		return "iban:" + c.CreditorIBAN, nil, nil
	case c.CreditorIBAN != "":
		acc, err := rs.AccountByIBAN(ctx, c.CreditorIBAN)
		if errors.Is(err, errUnknownAccount) {
			return "", prob(field("creditor_iban", "PmtInf/CdtrAcct/Id/IBAN"), c.CreditorIBAN, "the IBAN of an account in Atlar (the account that collects)"), nil
		} else if err != nil {
			return "", nil, fmt.Errorf("creditor account: %w", err)
		}
		if acc.Currency != "" && acc.Currency != c.Currency {
			return "", prob("currency", c.Currency, fmt.Sprintf("%s, the currency of account %s", acc.Currency, c.CreditorIBAN)), nil
		}
		return acc.ID, nil, nil
	}
	return "", prob(field("creditor_iban", "PmtInf/CdtrAcct/Id/IBAN"), "", "the account that collects: creditor_iban, destination_account_id or the route's creditor_account_id"), nil
}

// collection builds the requests of one collection.
func collection(c ddrun.Collection, dest string) Collection {
	iban := bankid.NormalizeIBAN(c.Debtor.IBAN)
	market := ""
	if len(iban) >= 2 {
		market = iban[:2]
	}
	acct := atlar.CreateEmbeddedExternalAccountRequest{
		Market:      market,
		Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: market, Number: iban}},
		ExternalID:  externalAccountID(c.Debtor.ExternalID, iban),
	}
	if c.Debtor.BIC != "" {
		acct.Routing = []atlar.RoutingIdentifier{{Type: "BIC", Number: c.Debtor.BIC}}
	}
	ref := c.Reference
	if ref == "" {
		ref = c.ExternalID
	}
	out := Collection{
		Row:    c.Row,
		Debtor: c.Debtor,
		Counterparty: atlar.CreateCounterpartyRequest{
			LegalName: c.Debtor.Name, PartyType: c.Debtor.PartyType,
			ExternalID: c.Debtor.ExternalID, Accounts: []atlar.CreateEmbeddedExternalAccountRequest{acct},
		},
		Mandate: atlar.CreateMandateRequest{
			Scheme: c.Scheme, CreditorReference: c.CreditorID, MandateReference: c.Mandate.Reference,
			SignatureDate: c.Mandate.SignatureDate, ExternalID: ddrun.MandateExternalID(c.Mandate.Reference),
		},
		DirectDebit: atlar.CreateDirectDebitRequest{
			Amount: atlar.Amount{Currency: c.Currency, Value: c.Amount}, Scheme: c.Scheme, Date: c.Date,
			Source:      atlar.AccountRef{Type: "EXTERNAL_ACCOUNT"},
			Destination: atlar.AccountRef{Type: "ACCOUNT", ID: dest},
			Reference:   ref, ExternalID: c.ExternalID,
		},
	}
	if a := c.Mandate.Amendment; a != nil && a.OriginalReference != "" && a.OriginalReference != c.Mandate.Reference {
		out.CancelReference = a.OriginalReference
	}
	return out
}

// externalAccountID is the externalId of a debtor's account: derived from
// the counterparty's externalId and the IBAN, so that two files naming one
// debtor find one account. It fits Atlar's externalId pattern (64 max).
func externalAccountID(counterpartyExt, iban string) string {
	return "ea-" + ddrun.DebtorExternalID(counterpartyExt + "/" + iban)[3:]
}

// collectPayments are the journal's payments of a run: one per collection,
// so acks, results, status and metrics work as for credit transfers. The
// debtor's IBAN makes each collection's fingerprint in the duplicate index:
// the same collection re-exported under a new MsgId is caught (DU01).
func collectPayments(run *ddrun.Run) []state.Payment {
	out := make([]state.Payment, len(run.Collections))
	for i, c := range run.Collections {
		out[i] = state.Payment{Row: c.Row, ExternalID: c.ExternalID, PmtInfID: c.PmtInfID, InstrID: c.InstrID,
			Amount: c.Amount, Currency: c.Currency, Debtor: bankid.NormalizeIBAN(c.Debtor.IBAN)}
	}
	return out
}

// collectOriginal describes the input for the status reports: its
// MsgId and message name (pain.002's OrgnlMsgNmId, e.g. pain.008.003.02, or
// CSV), and each PmtInf with its count and sum.
func collectOriginal(run *ddrun.Run, msgID, ctrl string) *state.Original {
	pays := make([]payrun.Payment, len(run.Collections))
	o := &state.Original{MsgID: msgID, MsgNameID: run.MsgName, NbOfTxs: len(run.Collections), CtrlSum: ctrl}
	idx := map[string]int{}
	var per [][]payrun.Payment
	for i, c := range run.Collections {
		pays[i] = payrun.Payment{Amount: c.Amount, Currency: c.Currency}
		if c.PmtInfID == "" {
			continue
		}
		k, ok := idx[c.PmtInfID]
		if !ok {
			k = len(o.PmtInfs)
			idx[c.PmtInfID] = k
			o.PmtInfs = append(o.PmtInfs, state.OriginalPmt{ID: c.PmtInfID})
			per = append(per, nil)
		}
		o.PmtInfs[k].NbOfTxs++
		per[k] = append(per[k], pays[i])
	}
	for k := range o.PmtInfs {
		o.PmtInfs[k].CtrlSum = ctrlSum(per[k])
	}
	if o.CtrlSum == "" {
		o.CtrlSum = ctrlSum(pays)
	}
	if o.MsgNameID == "" {
		o.MsgNameID = "CSV"
	}
	return o
}
