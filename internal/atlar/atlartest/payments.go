package atlartest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// payment is a credit transfer created by batch processing. Its status is
// derived from the clock (see status).
type payment struct {
	id      string
	batch   *batch
	index   int // record index in the batch
	req     atlar.CreateCreditTransferRequest
	source  *seedAccount
	dest    destination
	created time.Time

	needsApproval bool
	stepID        string
	approvedAt    time.Time
	rejectedAt    time.Time
	outcome       string // final status once SENT is over
	reportID      string // the statement that booked it
}

// destination is a resolved payment destination.
type destination struct {
	snapshot accountSnapshotJSON
	holder   holderJSON
	iban     string
	bic      string
}

type accountSnapshotJSON struct {
	Type           string                    `json:"type"`
	ID             string                    `json:"id"`
	OrganizationID string                    `json:"organizationId"`
	Market         string                    `json:"market"`
	Currency       string                    `json:"currency,omitempty"`
	Identifiers    []atlar.AccountIdentifier `json:"identifiers"`
	Routing        []atlar.RoutingIdentifier `json:"routing"`
}

type holderJSON struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	LegalName string `json:"legalName"`
}

// paymentJSON is the CreditTransfer resource as served.
type paymentJSON struct {
	atlar.CreditTransfer
	OrganizationID       string               `json:"organizationId"`
	Source               accountSnapshotJSON  `json:"source"`
	SourceHolder         holderJSON           `json:"sourceHolder"`
	Destination          accountSnapshotJSON  `json:"destination"`
	DestinationHolder    holderJSON           `json:"destinationHolder"`
	ApprovalSteps        []atlar.ApprovalStep `json:"approvalSteps"`
	AttachedTransactions []struct{}           `json:"attachedTransactions"`
	Version              int                  `json:"version"`
	ETag                 string               `json:"etag"`
}

// approvalChainID is the one approval chain of the fake organisation.
const approvalChainID = "f0dd4d9d-e803-4912-a739-9dbab62a96bc"

func accountSnapshot(a *seedAccount) accountSnapshotJSON {
	return accountSnapshotJSON{
		Type: "ACCOUNT", ID: a.ID, OrganizationID: SeedOrganizationID, Market: a.Market,
		Currency: a.Currency, Identifiers: a.Identifiers, Routing: a.Routing,
	}
}

// resolveDestination finds the account a payment pays to. An INLINE
// destination becomes an ad-hoc external account, as Atlar shows it.
// Callers hold s.mu.
func (s *Server) resolveDestination(ref atlar.AccountRef) (destination, bool) {
	switch ref.Type {
	case "ACCOUNT":
		a := s.account(ref.ID)
		if a == nil {
			return destination{}, false
		}
		return destination{
			snapshot: accountSnapshot(a),
			holder:   holderJSON{Type: "ENTITY", ID: SeedEntityID, LegalName: SeedEntityName},
			iban:     a.IBAN(), bic: a.BIC(),
		}, true
	case "EXTERNAL_ACCOUNT":
		e := s.externalAccount(ref.ID)
		if e == nil {
			return destination{}, false
		}
		d := destination{
			snapshot: accountSnapshotJSON{
				Type: "EXTERNAL_ACCOUNT", ID: e.id, OrganizationID: SeedOrganizationID, Market: e.market,
				Identifiers: e.identifiers, Routing: e.routing,
			},
			holder: holderJSON{Type: "COUNTERPARTY", ID: e.counterpartyID, LegalName: e.holder},
		}
		d.iban, d.bic = ibanAndBIC(e.identifiers, e.routing)
		return d, true
	case "INLINE":
		d := destination{
			snapshot: accountSnapshotJSON{
				Type: "EXTERNAL_ACCOUNT", ID: newID(), OrganizationID: SeedOrganizationID, Market: ref.Market,
				Identifiers: ref.Identifiers, Routing: ref.Routing,
			},
			holder: holderJSON{Type: "COUNTERPARTY", ID: newID(), LegalName: ref.Holder.LegalName},
		}
		d.iban, d.bic = ibanAndBIC(ref.Identifiers, ref.Routing)
		return d, true
	}
	return destination{}, false
}

func ibanAndBIC(ids []atlar.AccountIdentifier, rts []atlar.RoutingIdentifier) (iban, bic string) {
	for _, id := range ids {
		if id.Type == "IBAN" {
			iban = strings.ToUpper(strings.ReplaceAll(id.Number, " ", ""))
		}
	}
	for _, rt := range rts {
		if rt.Type == "BIC" {
			bic = rt.Number
		}
	}
	return iban, bic
}

// newPayment creates the payment of a processed record. Callers hold s.mu.
func (s *Server) newPayment(b *batch, index int, req atlar.CreateCreditTransferRequest, src *seedAccount, dest destination, created time.Time) *payment {
	p := &payment{
		id: newID(), batch: b, index: index, req: req, source: src, dest: dest, created: created,
		needsApproval: strings.Contains(req.Reference, MagicApproval),
		stepID:        newID(),
		outcome:       atlar.PaymentExecuted,
	}
	switch {
	case strings.Contains(req.Reference, MagicReject):
		p.outcome = atlar.PaymentRejected
	case req.Amount.Value == MagicFailedAmount:
		p.outcome = atlar.PaymentFailed
	}
	s.payments = append(s.payments, p)
	b.payments = append(b.payments, p)
	if req.ExternalID != "" {
		s.externalIDs[req.ExternalID] = p.id
	}
	return p
}

// paymentProgress lists the statuses a payment passes through after
// approval, one per PaymentStep; the last one is its outcome.
var paymentProgress = []string{"APPROVED", "PENDING_SUBMISSION", "SENT"}

// status returns the payment's status at now, when it took that status,
// and its version (1 + number of status changes).
func (s *Server) paymentStatus(p *payment, now time.Time) (string, time.Time, int) {
	start := p.created
	version := 1
	if p.needsApproval {
		switch {
		case !p.rejectedAt.IsZero():
			return atlar.PaymentRejected, p.rejectedAt, 2
		case p.approvedAt.IsZero():
			return "CREATED", p.created, 1
		}
		start = p.approvedAt
		version = 2
	}
	k := min(max(int(now.Sub(start)/s.opts.PaymentStep), 0), len(paymentProgress))
	since := start.Add(time.Duration(k) * s.opts.PaymentStep)
	if k == len(paymentProgress) {
		return p.outcome, since, version + k
	}
	return paymentProgress[k], since, version + k
}

// executedAt reports when the payment became EXECUTED, if it has by now.
func (s *Server) executedAt(p *payment, now time.Time) (time.Time, bool) {
	st, since, _ := s.paymentStatus(p, now)
	return since, st == atlar.PaymentExecuted
}

func (s *Server) paymentView(p *payment, now time.Time) paymentJSON {
	status, since, version := s.paymentStatus(p, now)
	step := atlar.ApprovalStep{ID: p.stepID, ApprovalChainID: approvalChainID, Status: "APPROVED", AutoApproved: true}
	if p.needsApproval {
		step.AutoApproved = false
		switch {
		case !p.rejectedAt.IsZero():
			step.Status = "REJECTED"
		case p.approvedAt.IsZero():
			step.Status = "PENDING"
		}
	}
	return paymentJSON{
		CreditTransfer: atlar.CreditTransfer{
			ID: p.id, Amount: p.req.Amount, Date: p.req.Date, Scheme: p.req.Scheme, Status: status,
			Reference: p.req.Reference, ExternalID: p.req.ExternalID,
			Batch:        &atlar.BatchDetails{ID: p.batch.id, Treatment: p.batch.treatment},
			ReturnReason: bankReason(p, status),
			Created:      timestamp(p.created), Updated: timestamp(since),
		},
		OrganizationID:       SeedOrganizationID,
		Source:               accountSnapshot(p.source),
		SourceHolder:         holderJSON{Type: "ENTITY", ID: SeedEntityID, LegalName: SeedEntityName},
		Destination:          p.dest.snapshot,
		DestinationHolder:    p.dest.holder,
		ApprovalSteps:        []atlar.ApprovalStep{step},
		AttachedTransactions: []struct{}{},
		Version:              version,
		ETag:                 fmt.Sprintf("version:%d", version),
	}
}

// bankReason is the bank's reason for a payment that ended as its magic
// outcome: an ISO code for a rejected one (MagicReject), a bank's own code
// for a failed one (MagicFailedAmount). Assumed shape: Atlar's transactions
// carry returnReason {code, description}; the published payment schema
// does not list it (nor forbids it).
func bankReason(p *payment, status string) *atlar.ReturnReason {
	if status != p.outcome || !p.rejectedAt.IsZero() {
		return nil
	}
	switch status {
	case atlar.PaymentRejected:
		return &atlar.ReturnReason{Code: "AC04", Description: "Closed account number"}
	case atlar.PaymentFailed:
		return &atlar.ReturnReason{Code: "BANK-TIMEOUT", Description: "No answer from the receiving bank"}
	}
	return nil
}

// paymentByRef finds a payment by id or "external:<externalId>". Callers
// hold s.mu.
func (s *Server) paymentByRef(ref string) *payment {
	ext, byExt := strings.CutPrefix(ref, "external:")
	for _, p := range s.payments {
		if (byExt && p.req.ExternalID != "" && p.req.ExternalID == ext) || (!byExt && p.id == ref) {
			return p
		}
	}
	return nil
}

func (s *Server) handleGetPayment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	p := s.paymentByRef(r.PathValue("id"))
	if p == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.paymentView(p, now))
}

// handleListPayments lists payments in creation order (Atlar documents
// "sorted by date, descending"; creation order keeps offset page tokens
// stable while payments are added). Filters: batchId, accountId, status,
// date, date[eq], date[gte], date[lte].
func (s *Server) handleListPayments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	now := s.clock.Now()
	s.advance(now)
	src := s.payments
	if id := q.Get("batchId"); id != "" {
		// Only that batch's payments can match: don't render every other
		// one (a benchmark backlog holds tens of thousands).
		src = nil
		if b := s.batchByRef(id); b != nil {
			src = b.payments
		}
	}
	// Match on the payments themselves and render only the page served:
	// a poll pages through a batch of thousands, and rendering all of
	// them for every page made the fake, not the bridge, the bottleneck
	// of big-file benchmarks (issue 13.1).
	var match []*payment
	for _, p := range src {
		if s.paymentMatches(p, now, q.Get) {
			match = append(match, p)
		}
	}
	lo, hi, next, limit, ok := s.pageBounds(w, r, len(match))
	if !ok {
		s.mu.Unlock()
		return
	}
	items := make([]paymentJSON, 0, hi-lo)
	for _, p := range match[lo:hi] {
		items = append(items, s.paymentView(p, now))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, atlar.ListResponse[paymentJSON]{
		Items: items, NextToken: next, Token: q.Get("token"), Limit: limit,
	})
}

// paymentMatches applies handleListPayments' filters. Callers hold s.mu.
func (s *Server) paymentMatches(p *payment, now time.Time, get func(string) string) bool {
	if id := get("batchId"); id != "" && p.batch.id != id {
		return false
	}
	if id := get("accountId"); id != "" && p.source.ID != id {
		return false
	}
	if st := get("status"); st != "" {
		if status, _, _ := s.paymentStatus(p, now); status != st {
			return false
		}
	}
	d := p.req.Date
	eq := get("date")
	if eq == "" {
		eq = get("date[eq]")
	}
	if eq != "" && d != eq {
		return false
	}
	if gte := get("date[gte]"); gte != "" && d < gte {
		return false
	}
	if lte := get("date[lte]"); lte != "" && d > lte {
		return false
	}
	return true
}
