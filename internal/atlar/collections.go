package atlar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

const (
	mandatesPath     = "/payments/v2/mandates"
	directDebitsPath = "/payments/v2/direct-debits"
)

// Direct-debit schemes (DirectDebitSchemeType).
const (
	SchemeSDDCore  = "SDD_CORE"
	SchemeSDDB2B   = "SDD_B2B"
	SchemeAutogiro = "AUTOGIRO"
)

// Mandate statuses (MandateStatus). A mandate in MandateCancelled or
// MandateFailed cannot collect; the PENDING_CANCELLATION* and
// CANCELLATION_SENT statuses are on their way to CANCELLED.
const (
	MandateCreated             = "CREATED"
	MandatePendingSubmission   = "PENDING_SUBMISSION"
	MandateSent                = "SENT"
	MandateAccepted            = "ACCEPTED"
	MandateActive              = "ACTIVE"
	MandatePendingCancellation = "PENDING_CANCELLATION"
	MandateCancellationSent    = "CANCELLATION_SENT"
	MandateCancelled           = "CANCELLED"
	MandateFailed              = "FAILED"
)

// MandateUsable reports whether a mandate in status can still be used for a
// new direct debit: not cancelled (or being cancelled) and not failed.
func MandateUsable(status string) bool {
	switch status {
	case MandateCancelled, MandateFailed, MandatePendingCancellation, "PENDING_CANCELLATION_SUBMISSION", MandateCancellationSent:
		return false
	}
	return true
}

// CreateMandateRequest is the body of POST /payments/v2/mandates. Scheme,
// ExternalAccountID (the debtor's account), CreditorReference (the creditor
// identifier, e.g. DE98ZZZ09999999999) and MandateReference (≤ 35) are
// required by the spec; SignatureDate is YYYY-MM-DD. Active=true says the
// bank already knows the mandate (a migration), so it is not sent first.
type CreateMandateRequest struct {
	Scheme               string `json:"scheme"`
	ExternalAccountID    string `json:"externalAccountId"`
	DestinationAccountID string `json:"destinationAccountId,omitempty"` // AUTOGIRO only
	CreditorReference    string `json:"creditorReference"`
	MandateReference     string `json:"mandateReference"`
	SignatureDate        string `json:"signatureDate,omitempty"`
	Active               bool   `json:"active,omitempty"`
	ExternalID           string `json:"externalId,omitempty"`
}

// Mandate is Atlar's mandate resource.
type Mandate struct {
	ID                   string `json:"id"`
	CounterpartyID       string `json:"counterpartyId"`
	ExternalAccountID    string `json:"externalAccountId"`
	DestinationAccountID string `json:"destinationAccountId,omitempty"`
	Scheme               string `json:"scheme"`
	CreditorReference    string `json:"creditorReference"`
	MandateReference     string `json:"mandateReference"`
	SignatureDate        string `json:"signatureDate,omitempty"`
	Status               string `json:"status"`
	ExternalID           string `json:"externalId,omitempty"`
	Version              int    `json:"version"`
	ETag                 string `json:"etag"`
	Created              string `json:"created,omitempty"`
	Updated              string `json:"updated,omitempty"`
	RequestID            string `json:"-"`
}

// MandateFilter narrows ListMandates; empty fields do not filter.
type MandateFilter struct {
	ExternalAccountID string
	CounterpartyID    string
	Status            string
	Scheme            string
}

// Event is one entry of a resource's history (GET .../{id}/events). Name is
// the resource's status or action at that point (e.g. "SENT", "APPROVED").
type Event struct {
	ID         int64             `json:"id"`
	EntityID   string            `json:"entityId"`
	Type       string            `json:"type"` // CREATED | UPDATED | DELETED
	Name       string            `json:"name"`
	Timestamp  string            `json:"timestamp"`
	Details    map[string]string `json:"details,omitempty"`
	Message    string            `json:"message,omitempty"`
	Originator string            `json:"originator"`
}

// CreateMandate creates a mandate (POST /payments/v2/mandates, 201).
// idempotencyKey is required, journaled before the first call. Atlar has no
// mandate update: an amendment creates the new mandate and then cancels the
// old one with CancelMandate.
//
// Errors: ErrConflict (409) when req.ExternalID is used — GET
// "external:<id>" instead; an *APIError (400 naming the field, e.g. an
// unknown externalAccountId); Temporary errors (retry with the same key).
func (c *Client) CreateMandate(ctx context.Context, req *CreateMandateRequest, idempotencyKey string) (*Mandate, error) {
	var out Mandate
	if err := c.create(ctx, "mandate", mandatesPath, req, idempotencyKey, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetMandate reads a mandate by Atlar id or "external:<id>"; a missing one
// yields an error matching ErrNotFound.
func (c *Client) GetMandate(ctx context.Context, idOrExternal string) (*Mandate, error) {
	var out Mandate
	if err := c.getOne(ctx, "mandate", mandatesPath, idOrExternal, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMandates returns the mandates matching f, all pages.
func (c *Client) ListMandates(ctx context.Context, f MandateFilter) ([]Mandate, error) {
	q := url.Values{}
	for k, v := range map[string]string{
		"externalAccountId": f.ExternalAccountID, "counterpartyId": f.CounterpartyID,
		"status": f.Status, "scheme": f.Scheme,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return listAll[Mandate](ctx, c, mandatesPath, mandatesPath, q, pageLimit)
}

// FindMandatesByReference returns the mandates (matching f) whose
// mandateReference is ref, in listing order, nil when there is none. The
// spec has no mandateReference filter, so this pages through the mandates
// f selects (narrow it with ExternalAccountID when known) and compares
// exactly. Use MandateUsable to pick the active one.
func (c *Client) FindMandatesByReference(ctx context.Context, ref string, f MandateFilter) ([]Mandate, error) {
	if ref == "" {
		return nil, errors.New("atlar find mandate: empty mandate reference")
	}
	all, err := c.ListMandates(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []Mandate
	for _, m := range all {
		if m.MandateReference == ref {
			out = append(out, m)
		}
	}
	return out, nil
}

// ListMandateEvents returns a mandate's events, all pages, oldest first.
// id must be an Atlar id (the endpoint takes no external id).
func (c *Client) ListMandateEvents(ctx context.Context, id string) ([]Event, error) {
	return c.events(ctx, mandatesPath, id)
}

// CancelMandate cancels a mandate (POST /payments/v2/mandates/{id}:cancel,
// no body, 202 with the mandate). etag, when not "", is sent as If-Match
// ("version:N" as Atlar returned it). Cancelling a mandate already
// cancelled is not an error in the fake (the answer shows CANCELLED), so a
// replay after a lost answer is safe. A cancelled mandate cannot be used
// for new direct debits.
//
// Errors: ErrNotFound; ErrPreconditionFailed (412, stale etag: re-read and
// decide again); an *APIError; Temporary errors.
func (c *Client) CancelMandate(ctx context.Context, idOrExternal, etag string) (*Mandate, error) {
	var out Mandate
	if err := c.action(ctx, "cancel mandate", mandatesPath, idOrExternal, "cancel", etag, nil, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateDirectDebitRequest is the body of POST /payments/v2/direct-debits.
// Amount is sent in integer minor units (Value, StringValue left empty: the
// spec's AmountInput is oneOf value | stringValue). Source is the debtor's
// external account ({type: EXTERNAL_ACCOUNT, id}), Destination our account
// ({type: ACCOUNT, id}). Date is the collection date, YYYY-MM-DD.
//
// The request names no mandate: Atlar collects under the mandate of the
// source external account for the scheme. ASSUMPTION (Atlar): with several,
// the newest usable one is used (the fake does so); the debit shows it in
// DirectDebit.Mandate.
type CreateDirectDebitRequest struct {
	Amount          Amount     `json:"amount"`
	Scheme          string     `json:"scheme"`
	Date            string     `json:"date"`
	Source          AccountRef `json:"source"`
	Destination     AccountRef `json:"destination"`
	Reference       string     `json:"reference"`
	CategoryPurpose string     `json:"categoryPurpose,omitempty"`
	ChargeBearer    string     `json:"chargeBearer,omitempty"`
	ExternalID      string     `json:"externalId,omitempty"`
}

// MandateSnapshot is the mandate a direct debit was created under.
type MandateSnapshot struct {
	ID                string `json:"id"`
	CreditorReference string `json:"creditorReference"`
	MandateReference  string `json:"mandateReference"`
	FinalCollection   bool   `json:"finalCollection"`
	SignatureDate     string `json:"signatureDate,omitempty"`
	Version           int    `json:"version"`
}

// DirectDebit is Atlar's direct-debit resource. Status is a PaymentStatus
// (CREATED, APPROVED, PENDING_SUBMISSION, SENT, PENDING_AT_BANK, ACCEPTED,
// EXECUTED, REJECTED, FAILED, RETURNED, UNKNOWN); see DirectDebitTerminal.
type DirectDebit struct {
	ID            string           `json:"id"`
	Amount        Amount           `json:"amount"`
	Scheme        string           `json:"scheme"`
	Date          string           `json:"date"`
	Status        string           `json:"status"`
	Reference     string           `json:"reference"`
	ExternalID    string           `json:"externalId,omitempty"`
	Source        *AccountRef      `json:"source,omitempty"`
	Destination   *AccountRef      `json:"destination,omitempty"`
	Mandate       *MandateSnapshot `json:"mandate,omitempty"`
	ApprovalSteps []ApprovalStep   `json:"approvalSteps,omitempty"`
	// ReturnReason is read the same way as on CreditTransfer (assumed shape).
	ReturnReason *ReturnReason `json:"returnReason,omitempty"`
	Version      int           `json:"version"`
	ETag         string        `json:"etag"`
	Created      string        `json:"created,omitempty"`
	Updated      string        `json:"updated,omitempty"`
	RequestID    string        `json:"-"`
}

// PendingApprovalStep returns the id of the first PENDING approval step,
// or "" when nothing waits for approval.
func (d DirectDebit) PendingApprovalStep() string {
	for _, s := range d.ApprovalSteps {
		if s.Status == "PENDING" {
			return s.ID
		}
	}
	return ""
}

// DirectDebitTerminal reports whether a direct-debit status is final, as
// PaymentTerminal does for credit transfers (same status enum): EXECUTED,
// REJECTED, FAILED, RETURNED. Anything else, including statuses added
// later, is still in progress.
func DirectDebitTerminal(status string) bool { return PaymentTerminal(status) }

// DirectDebitFilter narrows ListDirectDebits; empty fields do not filter.
type DirectDebitFilter struct {
	AccountID string // our (destination) account
	Status    string
	Date      string
	Scheme    string
}

// CreateDirectDebit creates a direct debit (POST
// /payments/v2/direct-debits, 201). idempotencyKey is required, journaled
// before the first call; set req.ExternalID (the EndToEndId) so that
// GetDirectDebit("external:<id>") finds it after a crash or past the key's
// 24 hours.
//
// Errors: ErrConflict (409) for a used externalId; an *APIError (400 naming
// the field: an unknown source, no usable mandate on it (source.id), a bad
// scheme or amount); Temporary errors (retry with the same key).
func (c *Client) CreateDirectDebit(ctx context.Context, req *CreateDirectDebitRequest, idempotencyKey string) (*DirectDebit, error) {
	var out DirectDebit
	if err := c.create(ctx, "direct debit", directDebitsPath, req, idempotencyKey, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetDirectDebit reads a direct debit by Atlar id or "external:<id>"; a
// missing one yields an error matching ErrNotFound.
func (c *Client) GetDirectDebit(ctx context.Context, idOrExternal string) (*DirectDebit, error) {
	var out DirectDebit
	if err := c.getOne(ctx, "direct debit", directDebitsPath, idOrExternal, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListDirectDebits returns the direct debits matching f, all pages.
func (c *Client) ListDirectDebits(ctx context.Context, f DirectDebitFilter) ([]DirectDebit, error) {
	q := url.Values{}
	for k, v := range map[string]string{"accountId": f.AccountID, "status": f.Status, "date": f.Date, "scheme": f.Scheme} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return listAll[DirectDebit](ctx, c, directDebitsPath, directDebitsPath, q, pageLimit)
}

// ListDirectDebitEvents returns a direct debit's events (one per status
// change), all pages, oldest first. id must be an Atlar id.
func (c *Client) ListDirectDebitEvents(ctx context.Context, id string) ([]Event, error) {
	return c.events(ctx, directDebitsPath, id)
}

// ApproveDirectDebit approves the approval step stepID of a direct debit
// waiting for approval (POST .../{id}:approve, 202). etag, when not "", is
// sent as If-Match. Errors: ErrNotFound; ErrPreconditionFailed (412);
// an *APIError 400 when nothing waits for approval; Temporary errors.
func (c *Client) ApproveDirectDebit(ctx context.Context, idOrExternal, etag, stepID string) (*DirectDebit, error) {
	if stepID == "" {
		return nil, errors.New("atlar approve direct debit: approval step id is required")
	}
	var out DirectDebit
	body := map[string]string{"approvalStepId": stepID}
	if err := c.action(ctx, "approve direct debit", directDebitsPath, idOrExternal, "approve", etag, body, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// RejectDirectDebit rejects a direct debit waiting for approval (POST
// .../{id}:reject, 202; reason ≤ 255 characters, may be ""). Errors as
// ApproveDirectDebit.
func (c *Client) RejectDirectDebit(ctx context.Context, idOrExternal, etag, reason string) (*DirectDebit, error) {
	var out DirectDebit
	body := map[string]string{}
	if reason != "" {
		body["reason"] = reason
	}
	if err := c.action(ctx, "reject direct debit", directDebitsPath, idOrExternal, "reject", etag, body, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// action POSTs base/{id}:verb with an optional JSON body and If-Match.
func (c *Client) action(ctx context.Context, what, base, idOrExternal, verb, etag string, body any, out any, reqID *string) error {
	seg, err := pathSegment(idOrExternal)
	if err != nil {
		return fmt.Errorf("atlar %s: %w", what, err)
	}
	cl := &call{
		method: http.MethodPost, path: base + "/" + seg + ":" + verb, endpoint: base + "/{id}:" + verb,
		ifMatch: etag, limit: jsonBodyLimit,
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("atlar %s: encode: %w", what, err)
		}
		cl.body, cl.contentType = b, "application/json"
	}
	return classify(c.getJSON(ctx, cl, out, reqID))
}

func (c *Client) events(ctx context.Context, base, id string) ([]Event, error) {
	seg, err := pathSegment(id)
	if err != nil {
		return nil, fmt.Errorf("atlar events: %w", err)
	}
	return listAll[Event](ctx, c, base+"/"+seg+"/events", base+"/{id}/events", nil, pageLimit)
}
