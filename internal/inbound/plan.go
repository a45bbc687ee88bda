package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/pain001"
	"github.com/atlarbridge/bridge/internal/parties"
	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/state"
)

// MaxBatch is the most payments one credit-transfer batch may hold in the
// published spec; larger runs are split and reported as one file.
const MaxBatch = 1000

// Plan is what a valid input file becomes at Atlar.
type Plan struct {
	Run      *payrun.Run
	Original *state.Original
	Payments []state.Payment
	// Batches are the credit-transfer batch requests (transfers mode), in
	// order; BatchFirst[i] indexes Payments at batch i's first payment.
	Batches    []atlar.CreateCreditTransferBatchRequest
	BatchFirst []int
	// Instruction is set in instruction mode.
	Instruction *InstructionPlan
	// Counterparties is set for a counterparties CSV (vendors.go): the
	// rows, one Payments entry each.
	Counterparties *parties.Set
	// Collections are a collections file's requests (collect_plan.go),
	// one per payment, in order.
	Collections []Collection
}

// InstructionPlan is a pain.001 forwarded untouched.
type InstructionPlan struct {
	ConnectionID string
	ContentType  string
}

// Resolver finds Atlar accounts and connections. Offline validation
// passes nil: account ids then stay unresolved and are shown as such.
type Resolver interface {
	AccountByIBAN(ctx context.Context, iban string) (*atlar.Account, error)
	AccountByID(ctx context.Context, id string) (*atlar.Account, error)
	ConnectionFor(ctx context.Context, thirdPartyID string) (*atlar.Connection, error)
}

// errUnknownAccount is returned by a Resolver for an IBAN or id Atlar does
// not know: a problem with the file, not a reason to retry.
var errUnknownAccount = errors.New("unknown account")

// PlanInput is one file to plan.
type PlanInput struct {
	FileID  string
	Attempt int
	Name    string
	Data    []byte
	// Today is the local date (YYYY-MM-DD) that fills in missing execution
	// dates; it is fixed in the plan so a resend builds the same request.
	Today string
}

// BuildPlan parses and checks a file for a route and turns it into Atlar
// requests. Problems are the file's fault; an error is ours or Atlar's
// (e.g. the accounts API is down) and means "try again later".
func BuildPlan(ctx context.Context, r *Route, in PlanInput, res Resolver) (*Plan, payrun.Problems, error) {
	plan, probs, _, err := buildPlan(ctx, r, in, res)
	return plan, probs, err
}

// Echo is what the status report of a rejected file can echo of it: the
// input message's own identification (a pain.001's MsgId, PmtInfIds) and
// which transaction each row is, so that the ERP can match a rejection to
// its file and transactions. Nil when the file could not be read that far.
type Echo struct {
	Original *state.Original
	Payments []state.Payment
}

// buildPlan is BuildPlan, also returning the Echo of a rejected pain.001.
func buildPlan(ctx context.Context, r *Route, in PlanInput, res Resolver) (*Plan, payrun.Problems, *Echo, error) {
	if len(bytes.TrimSpace(in.Data)) == 0 {
		return nil, payrun.Problems{{Field: "file", Expected: "a non-empty payment file", Value: fmt.Sprintf("%d bytes", len(in.Data))}}, nil, nil
	}
	if r.collects() {
		return collectPlan(ctx, r, in, res)
	}
	switch r.Format {
	case FormatCSV:
		if r.Kind == KindCounterparties {
			plan, probs, err := vendorsPlan(r, in)
			return plan, probs, nil, err
		}
		run, err := csvpay.Parse(in.Data, r.CSV, csvpay.Options{
			Today: in.Today, SourceAccountID: r.SourceAccountID, Scheme: r.Scheme,
		})
		if err != nil {
			var ps payrun.Problems
			if errors.As(err, &ps) {
				return nil, ps, nil, nil
			}
			return nil, nil, nil, fmt.Errorf("read csv: %w", err)
		}
		for i := range run.Payments {
			if p := &run.Payments[i]; p.Date != "" && p.Date < in.Today {
				p.RequestedDate = p.Date
			}
		}
		orig := &state.Original{MsgID: in.FileID, MsgNameID: run.MsgNameID, NbOfTxs: len(run.Payments), CtrlSum: ctrlSum(run.Payments)}
		plan, probs, err := transfersPlan(ctx, r, in, run, orig, res)
		movedTo(plan, in.Today)
		return plan, probs, nil, err
	case FormatPain001:
		res1, err := pain001.Read(bytes.NewReader(in.Data), pain001.Options{Level: pain001.Level(r.Validate), Today: in.Today, MaxSize: r.MaxFileSize, MaxText: r.MaxXMLText})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("read pain.001: %w", err)
		}
		movePastDates(res1, in.Today)
		orig := painOriginal(res1)
		echo := &Echo{Original: orig, Payments: statePayments(res1.Run.Payments)}
		if len(res1.Problems) > 0 {
			return nil, res1.Problems, echo, nil
		}
		var (
			plan  *Plan
			probs payrun.Problems
		)
		if r.Mode == ModeInstruction {
			plan, probs, err = instructionPlan(ctx, r, res1, orig, res)
		} else {
			plan, probs, err = transfersPlan(ctx, r, in, res1.Run, orig, res)
			movedTo(plan, in.Today)
		}
		return plan, probs, echo, err
	}
	return nil, nil, nil, fmt.Errorf("route %s: unknown format %q", r.Name, r.Format)
}

// movePastDates marks the payments of a PmtInf whose ReqdExctnDt is before
// today: the pain.001 reader already made them "execute today" (Date ""),
// as banks do; the acknowledgement and the result say so.
func movePastDates(res *pain001.Result, today string) {
	past := map[string]string{} // PmtInfId → ReqdExctnDt
	for _, pi := range res.Header.PmtInfs {
		if pi.ReqdExctnDt != "" && today != "" && pi.ReqdExctnDt < today {
			past[pi.ID] = pi.ReqdExctnDt
		}
	}
	if len(past) == 0 {
		return
	}
	for i := range res.Run.Payments {
		p := &res.Run.Payments[i]
		if d, ok := past[p.PmtInfID]; ok && (p.Date == "" || p.Date < today) {
			p.RequestedDate = d
		}
	}
}

// movedTo records the date the payments whose requested date was in the
// past are made on (transfers; a forwarded pain.001 keeps its date and the
// bank decides).
func movedTo(plan *Plan, today string) {
	if plan == nil {
		return
	}
	for i := range plan.Payments {
		if plan.Payments[i].RequestedDate != "" {
			plan.Payments[i].ExecutionDate = today
		}
	}
}

func painOriginal(res *pain001.Result) *state.Original {
	h := res.Header
	o := &state.Original{MsgID: h.MsgID, MsgNameID: h.MessageName(), CtrlSum: h.CtrlSum, NbOfTxs: len(res.Run.Payments)}
	for _, pi := range h.PmtInfs {
		o.PmtInfs = append(o.PmtInfs, state.OriginalPmt{ID: pi.ID, NbOfTxs: pi.TxCount, CtrlSum: pi.CtrlSum})
	}
	return o
}

func instructionPlan(ctx context.Context, r *Route, res *pain001.Result, orig *state.Original, rs Resolver) (*Plan, payrun.Problems, error) {
	plan := &Plan{Run: res.Run, Original: orig, Payments: statePayments(res.Run.Payments)}
	// The debtor account makes each transaction's fingerprint in the
	// duplicate index: a re-export under a fresh MsgId is still caught.
	for i, p := range res.Run.Payments {
		plan.Payments[i].Debtor = p.SourceAccountID
		if p.SourceIBAN != "" {
			plan.Payments[i].Debtor = bankid.NormalizeIBAN(p.SourceIBAN)
		}
	}
	ip := &InstructionPlan{ConnectionID: r.ConnectionID, ContentType: pain001.ContentType(res.Header.Version)}
	plan.Instruction = ip
	if r.ConnectionID != "auto" {
		return plan, nil, nil
	}
	if rs == nil {
		ip.ConnectionID = "(resolved from the debtor account at submission)"
		return plan, nil, nil
	}
	var probs payrun.Problems
	byConn := map[string]string{} // connection id → first debtor IBAN
	for i, pi := range res.Header.PmtInfs {
		field := fmt.Sprintf("PmtInf[%d]/DbtrAcct/Id/IBAN", i+1)
		var acc *atlar.Account
		if pi.DebtorIBAN == "" && pi.DebtorAcctOther != "" {
			// A debtor given by account number (US and UK files).
			var expected string
			var err error
			acc, expected, err = sourceByNumber(ctx, rs, pi.DebtorAcctOther, pi.DebtorRouting)
			if err != nil {
				return nil, nil, err
			}
			if acc == nil {
				probs = append(probs, payrun.Problem{Field: fmt.Sprintf("PmtInf[%d]/DbtrAcct/Id/Othr/Id", i+1),
					Value: pi.DebtorAcctOther, Expected: expected, Code: "AC01"})
				continue
			}
		} else {
			var err error
			acc, err = rs.AccountByIBAN(ctx, pi.DebtorIBAN)
			if errors.Is(err, errUnknownAccount) {
				probs = append(probs, payrun.Problem{Field: field, Value: pi.DebtorIBAN, Expected: "an IBAN of an account connected in Atlar", Code: "AC01"})
				continue
			}
			if err != nil {
				return nil, nil, err
			}
		}
		debtor := pi.DebtorIBAN
		if debtor == "" {
			debtor = pi.DebtorAcctOther
		}
		conn, err := rs.ConnectionFor(ctx, acc.ThirdPartyID)
		if errors.Is(err, errUnknownAccount) {
			probs = append(probs, payrun.Problem{Field: field, Value: debtor, Expected: "an account whose bank has a connection in Atlar", Code: "AC01"})
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		byConn[conn.ID] = debtor
		ip.ConnectionID = conn.ID
	}
	if len(byConn) > 1 {
		var parts []string
		for c, iban := range byConn {
			parts = append(parts, fmt.Sprintf("%s via %s", iban, c))
		}
		probs = append(probs, payrun.Problem{Field: "PmtInf/DbtrAcct",
			Value:    strings.Join(parts, ", "),
			Expected: "debtor accounts of one bank connection: a pain.001 forwarded untouched cannot be split", Code: "NARR"})
	}
	if len(probs) > 0 {
		return nil, probs, nil
	}
	return plan, nil, nil
}

func transfersPlan(ctx context.Context, r *Route, in PlanInput, run *payrun.Run, orig *state.Original, rs Resolver) (*Plan, payrun.Problems, error) {
	plan := &Plan{Run: run, Original: orig, Payments: statePayments(run.Payments)}
	var probs payrun.Problems
	transfers := make([]atlar.CreateCreditTransferRequest, len(run.Payments))
	for i, pay := range run.Payments {
		t, ps, err := transfer(ctx, r, pay, in.Today, rs)
		if err != nil {
			return nil, nil, err
		}
		probs = append(probs, ps...)
		transfers[i] = t
	}
	if len(probs) > 0 {
		return nil, probs, nil
	}
	for first := 0; first < len(transfers); first += MaxBatch {
		end := min(first+MaxBatch, len(transfers))
		n := len(plan.Batches)
		plan.Batches = append(plan.Batches, atlar.CreateCreditTransferBatchRequest{
			Treatment:  r.Treatment,
			Payments:   transfers[first:end],
			ExternalID: BatchExternalID(in.FileID, in.Attempt, n),
		})
		plan.BatchFirst = append(plan.BatchFirst, first)
	}
	return plan, nil, nil
}

// painField names, for pain.001 input, the element a CSV column stands for
// in problems.
var painField = map[string]string{
	"source_account_id":   "DbtrAcct/Id",
	"source_iban":         "DbtrAcct/Id/IBAN",
	"source_number":       "DbtrAcct/Id/Othr/Id",
	"currency":            "Amt/InstdAmt/@Ccy",
	"external_account_id": "CdtrAcct/Id",
	"creditor_country":    "Cdtr/PstlAdr/Ctry",
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// externalIDPattern is Atlar's ExternalID pattern.
var externalIDPattern = regexp.MustCompile(`^[a-zA-Z0-9._\-+=]{1,64}$`)

// BatchExternalID is batch n's externalId: derived from the file id, so the
// batch can be found again with GET …/external:<id> after a crash.
func BatchExternalID(fileID string, attempt, n int) string {
	id := fmt.Sprintf("bridge-%s-%d", fileID, n+1)
	if attempt > 0 {
		id += fmt.Sprintf("-r%d", attempt)
	}
	return id
}

func transfer(ctx context.Context, r *Route, p payrun.Payment, today string, rs Resolver) (atlar.CreateCreditTransferRequest, payrun.Problems, error) {
	t := atlar.CreateCreditTransferRequest{
		Amount:     atlar.Amount{Currency: p.Currency, Value: p.Amount},
		Scheme:     p.Scheme,
		Date:       p.Date,
		Reference:  p.Reference,
		ExternalID: p.ExternalID,
	}
	var probs payrun.Problems
	prob := func(field, value, expected string) {
		if r.Format == FormatPain001 {
			field = orDefault(painField[field], field)
		}
		probs = append(probs, payrun.Problem{Row: p.Row, Line: p.Line, Field: field, Value: value, Expected: expected})
	}
	if r.Format == FormatPain001 && !externalIDPattern.MatchString(p.ExternalID) {
		prob("PmtId/EndToEndId", p.ExternalID, `an EndToEndId Atlar accepts as the payment's externalId: 1 to 64 of A-Z a-z 0-9 . _ - + = (transfers mode)`)
	}
	if t.Date == "" || t.Date < today {
		// Files often carry yesterday's date by the time they arrive;
		// banks execute a pain.001 so dated today, and so do we, for CSV
		// alike (Payment.RequestedDate; the ack and result say so).
		t.Date = today
	}
	if t.Reference == "" {
		t.Reference = p.ExternalID
	}
	if t.Scheme == "" {
		t.Scheme = r.Scheme
	}
	if t.Scheme == "" {
		t.Scheme = payrun.DefaultScheme(p.Currency, p.Creditor)
	}

	// Source account.
	src := p.SourceAccountID
	switch {
	case src != "" && rs != nil:
		acc, err := rs.AccountByID(ctx, src)
		if errors.Is(err, errUnknownAccount) {
			prob("source_account_id", src, "the id of an account in Atlar")
		} else if err != nil {
			return t, nil, err
		} else if acc.Currency != "" && acc.Currency != p.Currency {
			prob("currency", p.Currency, fmt.Sprintf("%s, the currency of source account %s", acc.Currency, src))
		}
	case src == "" && p.SourceIBAN != "" && rs != nil:
		acc, err := rs.AccountByIBAN(ctx, p.SourceIBAN)
		if errors.Is(err, errUnknownAccount) {
			prob("source_iban", p.SourceIBAN, "the IBAN of an account in Atlar")
		} else if err != nil {
			return t, nil, err
		} else {
			src = acc.ID
			if acc.Currency != "" && acc.Currency != p.Currency {
				prob("currency", p.Currency, fmt.Sprintf("%s, the currency of account %s", acc.Currency, p.SourceIBAN))
			}
		}
	case src == "" && p.SourceIBAN != "":
		src = "iban:" + p.SourceIBAN // offline: shown, never sent
	case src == "" && p.SourceNumber != nil && rs != nil:
		n := p.SourceNumber
		acc, expected, err := sourceByNumber(ctx, rs, n.Number, n.Routing)
		switch {
		case err != nil:
			return t, nil, err
		case acc == nil:
			value := n.Number
			if n.Routing != "" {
				value += " (routing " + n.Routing + ")"
			}
			prob("source_number", value, expected)
		default:
			src = acc.ID
			if acc.Currency != "" && acc.Currency != p.Currency {
				prob("currency", p.Currency, fmt.Sprintf("%s, the currency of account %s", acc.Currency, n.Number))
			}
		}
	case src == "" && p.SourceNumber != nil:
		src = "number:" + p.SourceNumber.Number // offline: shown, never sent
	case src == "":
		prob("source_account_id", "", "a source account id or IBAN (or a route source_account_id)")
	}
	t.Source = atlar.AccountRef{Type: "ACCOUNT", ID: src}

	// Destination.
	switch {
	case p.ExternalAccountID != "":
		if id, ok := strings.CutPrefix(p.ExternalAccountID, "account:"); ok {
			t.Destination = atlar.AccountRef{Type: "ACCOUNT", ID: id}
		} else {
			t.Destination = atlar.AccountRef{Type: "EXTERNAL_ACCOUNT", ID: p.ExternalAccountID}
		}
	case p.Creditor != nil:
		d, ps := inlineDestination(r, p)
		probs = append(probs, ps...)
		t.Destination = d
	default:
		prob("external_account_id", "", "an external account id or an inline creditor (name and IBAN or account number)")
	}
	if _, ok := money.Exponent(p.Currency); !ok {
		prob("currency", p.Currency, "an ISO 4217 currency code")
	}
	return t, probs, nil
}

func inlineDestination(r *Route, p payrun.Payment) (atlar.AccountRef, payrun.Problems) {
	c := p.Creditor
	var probs payrun.Problems
	market := strings.ToUpper(c.Country)
	d := atlar.AccountRef{Type: "INLINE", Holder: &atlar.InlineAccountHolder{LegalName: c.Name}}
	switch {
	case c.IBAN != "":
		iban := bankid.NormalizeIBAN(c.IBAN)
		if market == "" {
			market = bankid.IBANCountry(iban)
		}
		d.Identifiers = []atlar.AccountIdentifier{{Type: "IBAN", Market: market, Number: iban}}
	case c.AccountNumber != "":
		if market == "" {
			switch {
			case c.RoutingNumber != "":
				market = "US"
			case c.SortCode != "":
				market = "GB"
			}
		}
		d.Identifiers = []atlar.AccountIdentifier{{Type: "NUMBER", Market: market, Number: c.AccountNumber}}
	}
	if market == "" {
		field := "creditor_country"
		if r.Format == FormatPain001 {
			field = painField[field]
		}
		probs = append(probs, payrun.Problem{Row: p.Row, Line: p.Line, Field: field, Expected: "the creditor's country (ISO 3166 alpha-2) for a domestic account number"})
	}
	d.Market = market
	if c.RoutingNumber != "" {
		d.Routing = append(d.Routing, atlar.RoutingIdentifier{Type: "US_ABA", Number: c.RoutingNumber})
	}
	if c.SortCode != "" {
		d.Routing = append(d.Routing, atlar.RoutingIdentifier{Type: "GB_DSC", Number: strings.ReplaceAll(c.SortCode, "-", "")})
	}
	if c.BIC != "" && len(d.Routing) < 2 {
		d.Routing = append(d.Routing, atlar.RoutingIdentifier{Type: "BIC", Number: strings.ToUpper(c.BIC)})
	}
	return d, probs
}

func statePayments(ps []payrun.Payment) []state.Payment {
	out := make([]state.Payment, len(ps))
	for i, p := range ps {
		out[i] = state.Payment{Row: p.Row, ExternalID: p.ExternalID, PmtInfID: p.PmtInfID, InstrID: p.InstrID,
			Amount: p.Amount, Currency: p.Currency, RequestedDate: p.RequestedDate}
	}
	return out
}

// ctrlSum is the plain decimal sum of the payments' amounts across
// currencies, as pain.001's CtrlSum counts it.
func ctrlSum(ps []payrun.Payment) string {
	// Sum per exponent in the smallest unit (10^-3 covers every active
	// currency), then print with three decimals trimmed.
	var milli int64
	for _, p := range ps {
		e, _ := money.Exponent(p.Currency)
		v := p.Amount
		for i := e; i < 3; i++ {
			v *= 10
		}
		milli += v
	}
	s := fmt.Sprintf("%d.%03d", milli/1000, milli%1000)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "00"
	} else if i := strings.IndexByte(s, '.'); len(s)-i-1 == 1 {
		s += "0"
	}
	return s
}
