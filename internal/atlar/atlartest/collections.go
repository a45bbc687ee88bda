package atlartest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/camt053"
)

// Mandates and direct debits. Like payments, their statuses are derived
// from the clock: each resource has a timeline of (status, since) steps,
// its status is the last step reached, its version the number of steps
// reached, and its events are those steps.

const maxMandateReference = 35

// step is one status of a timeline.
type step struct {
	status string
	at     time.Time
}

// reached returns the steps of tl reached at now (at least the first).
func reached(tl []step, now time.Time) []step {
	n := 1
	for n < len(tl) && !tl[n].at.After(now) {
		n++
	}
	return tl[:n]
}

type mandate struct {
	id             string
	req            atlar.CreateMandateRequest
	ea             *seedExternalAccount
	created        time.Time
	cancelledAt    time.Time
	idempotencyKey string
}

// timeline: CREATED → SENT → ACTIVE one PaymentStep apart (ACTIVE at once
// with active=true; FAILED instead of ACTIVE with MagicReject in the
// mandate reference), then CANCELLED when cancelled. Callers hold s.mu.
func (s *Server) mandateTimeline(m *mandate) []step {
	st := s.opts.PaymentStep
	var tl []step
	switch {
	case m.req.Active:
		tl = []step{{atlar.MandateActive, m.created}}
	case strings.Contains(m.req.MandateReference, MagicReject):
		tl = []step{{atlar.MandateCreated, m.created}, {atlar.MandateSent, m.created.Add(st)}, {atlar.MandateFailed, m.created.Add(2 * st)}}
	default:
		tl = []step{{atlar.MandateCreated, m.created}, {atlar.MandateSent, m.created.Add(st)}, {atlar.MandateActive, m.created.Add(2 * st)}}
	}
	if !m.cancelledAt.IsZero() {
		// Steps after the cancellation never happen.
		tl = reached(tl, m.cancelledAt)
		tl = append(tl, step{atlar.MandateCancelled, m.cancelledAt})
	}
	return tl
}

type mandateJSON struct {
	atlar.Mandate
	OrganizationID string              `json:"organizationId"`
	Source         accountSnapshotJSON `json:"source"`
	SourceHolder   holderJSON          `json:"sourceHolder"`
}

func externalSnapshot(e *seedExternalAccount) accountSnapshotJSON {
	rts := e.routing
	if rts == nil {
		rts = []atlar.RoutingIdentifier{}
	}
	return accountSnapshotJSON{
		Type: "EXTERNAL_ACCOUNT", ID: e.id, OrganizationID: SeedOrganizationID, Market: e.market,
		Identifiers: e.identifiers, Routing: rts,
	}
}

func (s *Server) mandateView(m *mandate, now time.Time) mandateJSON {
	tl := reached(s.mandateTimeline(m), now)
	last := tl[len(tl)-1]
	return mandateJSON{
		Mandate: atlar.Mandate{
			ID: m.id, CounterpartyID: m.ea.counterpartyID, ExternalAccountID: m.ea.id,
			DestinationAccountID: m.req.DestinationAccountID, Scheme: m.req.Scheme,
			CreditorReference: m.req.CreditorReference, MandateReference: m.req.MandateReference,
			SignatureDate: m.req.SignatureDate, Status: last.status, ExternalID: m.req.ExternalID,
			Version: len(tl), ETag: fmt.Sprintf("version:%d", len(tl)),
			Created: timestamp(m.created), Updated: timestamp(last.at),
		},
		OrganizationID: SeedOrganizationID,
		Source:         externalSnapshot(m.ea),
		SourceHolder:   holderJSON{Type: "COUNTERPARTY", ID: m.ea.counterpartyID, LegalName: m.ea.holder},
	}
}

// mandateByRef finds a mandate by id or "external:<id>". Callers hold s.mu.
func (s *Server) mandateByRef(ref string) *mandate {
	ext, byExt := strings.CutPrefix(ref, "external:")
	for _, m := range s.mandates {
		if (byExt && m.req.ExternalID != "" && m.req.ExternalID == ext) || (!byExt && m.id == ref) {
			return m
		}
	}
	return nil
}

func (s *Server) handleCreateMandate(w http.ResponseWriter, r *http.Request) {
	var req atlar.CreateMandateRequest
	if p := decodeBody(r, &req, false); len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	var p problems
	if !ddSchemes[req.Scheme] {
		p.add("scheme", "invalid_value", "must be one of [SDD_CORE SDD_B2B AUTOGIRO]")
	}
	if req.ExternalAccountID == "" {
		p.required("externalAccountId")
	}
	for f, v := range map[string]string{"creditorReference": req.CreditorReference, "mandateReference": req.MandateReference} {
		if n := len([]rune(v)); n < 1 || n > maxMandateReference {
			p.add(f, "invalid_value", "must be 1 to %d characters", maxMandateReference)
		}
	}
	if req.SignatureDate != "" && !validDate(req.SignatureDate) {
		p.add("signatureDate", "invalid_value", "must be a date YYYY-MM-DD")
	}
	if req.Scheme == atlar.SchemeAutogiro && req.DestinationAccountID == "" {
		p.add("destinationAccountId", "required", "is required for AUTOGIRO mandates")
	}
	checkExternalID(&p, "externalId", req.ExternalID)
	if len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.MandateCreateAttempts++
	ea := s.externalAccount(req.ExternalAccountID)
	if ea == nil || strings.HasPrefix(req.ExternalAccountID, "external:") {
		writeBadField(w, "externalAccountId", "not_found", fmt.Sprintf("external account %q not found", req.ExternalAccountID))
		return
	}
	if req.DestinationAccountID != "" && s.account(req.DestinationAccountID) == nil {
		writeBadField(w, "destinationAccountId", "not_found", fmt.Sprintf("account %q not found", req.DestinationAccountID))
		return
	}
	if _, used := s.externalIDs[req.ExternalID]; used && req.ExternalID != "" {
		writeConflict(w, "externalId", req.ExternalID)
		return
	}
	now := s.clock.Now()
	m := &mandate{id: newID(), req: req, ea: ea, created: now, idempotencyKey: r.Header.Get("Idempotency-Key")}
	s.mandates = append(s.mandates, m)
	if req.ExternalID != "" {
		s.externalIDs[req.ExternalID] = m.id
	}
	s.stats.MandatesCreated++
	writeJSON(w, http.StatusCreated, s.mandateView(m, now))
}

func (s *Server) handleGetMandate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mandateByRef(r.PathValue("id"))
	if m == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.mandateView(m, s.clock.Now()))
}

// handleListMandates lists mandates in creation order; filters
// externalAccountId, counterpartyId, status, scheme (the spec's).
func (s *Server) handleListMandates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	now := s.clock.Now()
	items := []mandateJSON{}
	for _, m := range s.mandates {
		v := s.mandateView(m, now)
		if !matchAll(q.Get, map[string]string{
			"externalAccountId": v.ExternalAccountID, "counterpartyId": v.CounterpartyID,
			"status": v.Status, "scheme": v.Scheme,
		}) {
			continue
		}
		items = append(items, v)
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

// matchAll reports whether every filter given in the query equals the
// resource's value.
func matchAll(get func(string) string, have map[string]string) bool {
	for k, v := range have {
		if f := get(k); f != "" && f != v {
			return false
		}
	}
	return true
}

func (s *Server) handleMandateEvents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m := s.mandateByRef(r.PathValue("id"))
	if m == nil || strings.HasPrefix(r.PathValue("id"), "external:") {
		s.mu.Unlock()
		writeNotFound(w)
		return
	}
	items := events(m.id, reached(s.mandateTimeline(m), s.clock.Now()))
	s.mu.Unlock()
	writePage(s, w, r, items)
}

// handleMandateAction serves POST /payments/v2/mandates/{id}:cancel (202
// with the mandate). Cancelling a cancelled mandate answers it unchanged,
// so a replay is harmless; a stale If-Match gets 412.
func (s *Server) handleMandateAction(w http.ResponseWriter, r *http.Request) {
	id, verb, ok := cutAction(r.PathValue("action"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var m *mandate
	if ok && verb == "cancel" {
		m = s.mandateByRef(id)
	}
	if m == nil {
		writeNotFound(w)
		return
	}
	now := s.clock.Now()
	v := s.mandateView(m, now)
	if !checkIfMatch(w, r, v.ETag) {
		return
	}
	if m.cancelledAt.IsZero() {
		m.cancelledAt = now
		s.stats.MandatesCancelled++
	}
	writeJSON(w, http.StatusAccepted, s.mandateView(m, now))
}

// cutAction splits "{id}:{verb}" at the last colon, so that
// "external:<id>:cancel" keeps its "external:" prefix.
func cutAction(s string) (id, verb string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// events renders a timeline as Atlar events: CREATED for the first step,
// UPDATED (named after the new status) for each later one.
func events(entityID string, tl []step) []eventJSON {
	out := make([]eventJSON, 0, len(tl))
	for i, st := range tl {
		typ := "UPDATED"
		if i == 0 {
			typ = "CREATED"
		}
		out = append(out, eventJSON{Event: atlar.Event{
			ID: int64(i + 1), EntityID: entityID, Type: typ, Name: st.status,
			Timestamp: timestamp(st.at), Originator: "ATLAR",
		}, OrganizationID: SeedOrganizationID})
	}
	return out
}

type eventJSON struct {
	atlar.Event
	OrganizationID string `json:"organizationId"`
}

var ddSchemes = setOf(atlar.SchemeSDDCore, atlar.SchemeSDDB2B, atlar.SchemeAutogiro)

func validDate(d string) bool {
	_, err := time.Parse(time.DateOnly, d)
	return err == nil && dateRE.MatchString(d)
}

// directDebit is a collection. Its outcome is chosen at creation from the
// magic values, as for payments.
type directDebit struct {
	id             string
	req            atlar.CreateDirectDebitRequest
	source         *seedExternalAccount
	dest           *seedAccount
	mandate        *mandate
	mandateVersion int
	created        time.Time
	idempotencyKey string

	needsApproval bool
	stepID        string
	approvedAt    time.Time
	rejectedAt    time.Time
	outcome       string
	reportID      string // the statement that booked it
}

// ddTimeline: CREATED, then APPROVED (one PaymentStep later, or when
// approved), PENDING_SUBMISSION, SENT and the outcome one step apart; a
// debit waiting for approval stays CREATED, a rejected one ends REJECTED.
func (s *Server) ddTimeline(d *directDebit) []step {
	st := s.opts.PaymentStep
	tl := []step{{"CREATED", d.created}}
	start := d.created.Add(st)
	if d.needsApproval {
		switch {
		case !d.rejectedAt.IsZero():
			return append(tl, step{atlar.PaymentRejected, d.rejectedAt})
		case d.approvedAt.IsZero():
			return tl
		}
		start = d.approvedAt
	}
	for i, status := range []string{"APPROVED", "PENDING_SUBMISSION", "SENT", d.outcome} {
		tl = append(tl, step{status, start.Add(time.Duration(i) * st)})
	}
	return tl
}

// approvalStepJSON always sends autoApproved, which the spec requires
// (atlar.ApprovalStep omits it when false).
type approvalStepJSON struct {
	ID              string `json:"id"`
	ApprovalChainID string `json:"approvalChainId"`
	Status          string `json:"status"`
	AutoApproved    bool   `json:"autoApproved"`
}

type directDebitJSON struct {
	ID                   string                `json:"id"`
	OrganizationID       string                `json:"organizationId"`
	Amount               atlar.Amount          `json:"amount"`
	Scheme               string                `json:"scheme"`
	Date                 string                `json:"date"`
	Status               string                `json:"status"`
	Destination          accountSnapshotJSON   `json:"destination"`
	DestinationHolder    holderJSON            `json:"destinationHolder"`
	Source               accountSnapshotJSON   `json:"source"`
	SourceHolder         holderJSON            `json:"sourceHolder"`
	Mandate              atlar.MandateSnapshot `json:"mandate"`
	ApprovalSteps        []approvalStepJSON    `json:"approvalSteps"`
	AttachedTransactions []struct{}            `json:"attachedTransactions"`
	Reference            string                `json:"reference"`
	CategoryPurpose      string                `json:"categoryPurpose,omitempty"`
	ChargeBearer         string                `json:"chargeBearer,omitempty"`
	ExternalID           string                `json:"externalId,omitempty"`
	ReturnReason         *atlar.ReturnReason   `json:"returnReason,omitempty"`
	Version              int                   `json:"version"`
	ETag                 string                `json:"etag"`
	Created              string                `json:"created"`
	Updated              string                `json:"updated"`
}

func (s *Server) ddView(d *directDebit, now time.Time) directDebitJSON {
	tl := reached(s.ddTimeline(d), now)
	last := tl[len(tl)-1]
	stepStatus := "APPROVED"
	switch {
	case d.needsApproval && !d.rejectedAt.IsZero():
		stepStatus = "REJECTED"
	case d.needsApproval && d.approvedAt.IsZero():
		stepStatus = "PENDING"
	}
	amt := d.req.Amount
	amt.StringValue = formatMinor(amt.Value, amt.Currency)
	v := directDebitJSON{
		ID: d.id, OrganizationID: SeedOrganizationID, Amount: amt, Scheme: d.req.Scheme, Date: d.req.Date,
		Status:            last.status,
		Destination:       accountSnapshot(d.dest),
		DestinationHolder: holderJSON{Type: "ENTITY", ID: SeedEntityID, LegalName: SeedEntityName},
		Source:            externalSnapshot(d.source),
		SourceHolder:      holderJSON{Type: "COUNTERPARTY", ID: d.source.counterpartyID, LegalName: d.source.holder},
		Mandate: atlar.MandateSnapshot{
			ID: d.mandate.id, CreditorReference: d.mandate.req.CreditorReference,
			MandateReference: d.mandate.req.MandateReference, SignatureDate: d.mandate.req.SignatureDate,
			Version: d.mandateVersion,
		},
		ApprovalSteps: []approvalStepJSON{{ID: d.stepID, ApprovalChainID: approvalChainID, Status: stepStatus,
			AutoApproved: !d.needsApproval}},
		AttachedTransactions: []struct{}{},
		Reference:            d.req.Reference, CategoryPurpose: d.req.CategoryPurpose, ChargeBearer: d.req.ChargeBearer,
		ExternalID: d.req.ExternalID,
		Version:    len(tl), ETag: fmt.Sprintf("version:%d", len(tl)),
		Created: timestamp(d.created), Updated: timestamp(last.at),
	}
	if d.rejectedAt.IsZero() && last.status == d.outcome {
		switch d.outcome {
		case atlar.PaymentRejected:
			v.ReturnReason = &atlar.ReturnReason{Code: "MD01", Description: "No valid mandate"}
		case atlar.PaymentFailed:
			v.ReturnReason = &atlar.ReturnReason{Code: "AM04", Description: "Insufficient funds"}
		}
	}
	return v
}

// ddByRef finds a direct debit by id or "external:<id>". Callers hold s.mu.
func (s *Server) ddByRef(ref string) *directDebit {
	ext, byExt := strings.CutPrefix(ref, "external:")
	for _, d := range s.directDebits {
		if (byExt && d.req.ExternalID != "" && d.req.ExternalID == ext) || (!byExt && d.id == ref) {
			return d
		}
	}
	return nil
}

type directDebitInput struct {
	Amount          *amountInput `json:"amount"`
	Scheme          string       `json:"scheme"`
	Date            string       `json:"date"`
	Source          refInput     `json:"source"`
	Destination     refInput     `json:"destination"`
	Reference       *string      `json:"reference"`
	CategoryPurpose string       `json:"categoryPurpose"`
	ChargeBearer    string       `json:"chargeBearer"`
	ExternalID      string       `json:"externalId"`
}

// handleCreateDirectDebit serves POST /payments/v2/direct-debits: 400 with
// every structural problem, then 400 on the first unknown account or
// missing mandate, 409 for a used externalId, else 201 in status CREATED.
func (s *Server) handleCreateDirectDebit(w http.ResponseWriter, r *http.Request) {
	var in directDebitInput
	if p := decodeBody(r, &in, false); len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	now := s.clock.Now()
	var p problems
	amt := validateAmount(&p, "amount", in.Amount)
	if !ddSchemes[in.Scheme] {
		p.add("scheme", "invalid_value", "must be one of [SDD_CORE SDD_B2B AUTOGIRO]")
	}
	switch {
	case !validDate(in.Date):
		p.add("date", "invalid_value", "must be a date YYYY-MM-DD")
	case in.Date < today(now):
		p.add("date", "invalid_value", "must not be in the past")
	}
	if in.Source.Type != "EXTERNAL_ACCOUNT" || in.Source.ID == "" {
		p.add("source", "invalid_value", "must be {type: EXTERNAL_ACCOUNT, id}")
	}
	if in.Destination.Type != "ACCOUNT" || in.Destination.ID == "" {
		p.add("destination", "invalid_value", "must be {type: ACCOUNT, id}")
	}
	switch {
	case in.Reference == nil:
		p.required("reference")
	case len([]rune(*in.Reference)) > maxReference:
		p.add("reference", "invalid_value", "must be at most %d characters", maxReference)
	}
	if in.ChargeBearer != "" && in.ChargeBearer != "SHARED" && in.ChargeBearer != "DEBTOR" && in.ChargeBearer != "CREDITOR" {
		p.add("chargeBearer", "invalid_value", "must be one of [SHARED DEBTOR CREDITOR]")
	}
	checkExternalID(&p, "externalId", in.ExternalID)
	if len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.DirectDebitCreateAttempts++
	src := s.externalAccount(in.Source.ID)
	dest := s.account(in.Destination.ID)
	switch {
	case src == nil:
		writeBadField(w, "source.id", "not_found", fmt.Sprintf("external account %q not found", in.Source.ID))
		return
	case dest == nil:
		writeBadField(w, "destination.id", "not_found", fmt.Sprintf("account %q not found", in.Destination.ID))
		return
	case dest.Currency != amt.Currency:
		writeBadField(w, "amount.currency", "invalid_value", fmt.Sprintf("must equal the destination account's currency %s", dest.Currency))
		return
	case in.Scheme != atlar.SchemeAutogiro && amt.Currency != "EUR":
		writeBadField(w, "amount.currency", "invalid_value", "SEPA direct debits are in EUR")
		return
	}
	// The newest usable mandate of the source account for the scheme.
	var m *mandate
	var mv mandateJSON
	for i := len(s.mandates) - 1; i >= 0 && m == nil; i-- {
		c := s.mandates[i]
		if c.ea != src || c.req.Scheme != in.Scheme {
			continue
		}
		if v := s.mandateView(c, now); atlar.MandateUsable(v.Status) {
			m, mv = c, v
		}
	}
	if m == nil {
		writeBadField(w, "source.id", "no_mandate",
			fmt.Sprintf("external account %q has no usable %s mandate (none, cancelled or failed)", src.id, in.Scheme))
		return
	}
	if _, used := s.externalIDs[in.ExternalID]; used && in.ExternalID != "" {
		writeConflict(w, "externalId", in.ExternalID)
		return
	}
	req := atlar.CreateDirectDebitRequest{
		Amount: amt, Scheme: in.Scheme, Date: in.Date,
		Source:      atlar.AccountRef{Type: "EXTERNAL_ACCOUNT", ID: src.id},
		Destination: atlar.AccountRef{Type: "ACCOUNT", ID: dest.ID},
		Reference:   *in.Reference, CategoryPurpose: in.CategoryPurpose, ChargeBearer: in.ChargeBearer,
		ExternalID: in.ExternalID,
	}
	d := &directDebit{
		id: newID(), req: req, source: src, dest: dest, mandate: m, mandateVersion: mv.Version, created: now,
		idempotencyKey: r.Header.Get("Idempotency-Key"),
		needsApproval:  strings.Contains(req.Reference, MagicApproval), stepID: newID(), outcome: atlar.PaymentExecuted,
	}
	switch {
	case strings.Contains(req.Reference, MagicReject):
		d.outcome = atlar.PaymentRejected
	case amt.Value == MagicFailedAmount:
		d.outcome = atlar.PaymentFailed
	}
	s.directDebits = append(s.directDebits, d)
	if in.ExternalID != "" {
		s.externalIDs[in.ExternalID] = d.id
	}
	s.stats.DirectDebitsCreated++
	writeJSON(w, http.StatusCreated, s.ddView(d, now))
}

func (s *Server) handleGetDirectDebit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.ddByRef(r.PathValue("id"))
	if d == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.ddView(d, s.clock.Now()))
}

// handleListDirectDebits lists in creation order; filters accountId (the
// destination), status, date, scheme.
func (s *Server) handleListDirectDebits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	now := s.clock.Now()
	items := []directDebitJSON{}
	for _, d := range s.directDebits {
		v := s.ddView(d, now)
		if !matchAll(q.Get, map[string]string{"accountId": d.dest.ID, "status": v.Status, "date": v.Date, "scheme": v.Scheme}) {
			continue
		}
		items = append(items, v)
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

func (s *Server) handleDirectDebitEvents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := s.ddByRef(r.PathValue("id"))
	if d == nil || strings.HasPrefix(r.PathValue("id"), "external:") {
		s.mu.Unlock()
		writeNotFound(w)
		return
	}
	items := events(d.id, reached(s.ddTimeline(d), s.clock.Now()))
	s.mu.Unlock()
	writePage(s, w, r, items)
}

// handleDirectDebitAction serves POST /payments/v2/direct-debits/{id}:approve
// ({approvalStepId}, which must be the pending step) and :reject
// ({reason}); 202 with the direct debit, 412 on a stale If-Match, 400 when
// nothing waits for approval.
func (s *Server) handleDirectDebitAction(w http.ResponseWriter, r *http.Request) {
	id, verb, ok := cutAction(r.PathValue("action"))
	var body struct {
		ApprovalStepID string `json:"approvalStepId"`
		Reason         string `json:"reason"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var d *directDebit
	if ok && (verb == "approve" || verb == "reject") {
		d = s.ddByRef(id)
	}
	if d == nil {
		writeNotFound(w)
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, msgBadInput, jsonProblem(err)...)
		return
	}
	now := s.clock.Now()
	if !checkIfMatch(w, r, s.ddView(d, now).ETag) {
		return
	}
	if !d.needsApproval || !d.approvedAt.IsZero() || !d.rejectedAt.IsZero() {
		writeError(w, http.StatusBadRequest, msgBadInput, errorDetail("invalid_state", "nothing is waiting for approval", ""))
		return
	}
	if verb == "approve" {
		if body.ApprovalStepID != d.stepID {
			writeBadField(w, "approvalStepId", "invalid_value", "must be the id of the pending approval step")
			return
		}
		d.approvedAt = now
	} else {
		if len([]rune(body.Reason)) > 255 {
			writeBadField(w, "reason", "invalid_value", "must be at most 255 characters")
			return
		}
		d.rejectedAt = now
	}
	writeJSON(w, http.StatusAccepted, s.ddView(d, now))
}

// ddBookings adds executed, unbooked direct debits to pending as credits
// on their destination account (PMNT/RDDT/ESDD, BBDD for B2B), with the
// mandate reference and the debit's externalId as EndToEndId. Called by
// closeReports; callers hold s.mu.
func (s *Server) ddBookings(now time.Time, pending map[string][]booking) {
	for _, d := range s.directDebits {
		if d.reportID != "" {
			continue
		}
		tl := reached(s.ddTimeline(d), now)
		last := tl[len(tl)-1]
		if last.status != atlar.PaymentExecuted {
			continue
		}
		sub := "ESDD"
		if d.req.Scheme == atlar.SchemeSDDB2B {
			sub = "BBDD"
		}
		date := last.at.UTC().Format(time.DateOnly)
		iban, bic := ibanAndBIC(d.source.identifiers, d.source.routing)
		e := bookedEntry{Entry: camt053.Entry{
			Amount: d.req.Amount.Value, Currency: d.req.Amount.Currency, Credit: true,
			BookingDate: date, ValueDate: date, AcctSvcrRef: compactID(d.id),
			Domain: "PMNT", Family: "RDDT", SubFamily: sub,
			EndToEndID: d.req.ExternalID, MandateID: d.mandate.req.MandateReference,
			Reference:       d.req.Reference,
			CounterpartName: d.source.holder, CounterpartIBAN: iban, CounterpartBIC: bic,
			AddtlInfo: "Atlar direct debit " + d.id,
		}, externalID: d.req.ExternalID}
		pending[d.dest.ID] = append(pending[d.dest.ID], booking{at: last.at, entry: e, mark: func(id string) { d.reportID = id }})
	}
}
