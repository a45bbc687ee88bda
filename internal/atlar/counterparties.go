package atlar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

const (
	counterpartiesPath   = "/payments/v2/counterparties"
	externalAccountsPath = "/payments/v2/external-accounts"
)

// ErrPreconditionFailed is matched (errors.Is) by the error of a
// conditional update (PATCH, :cancel, :approve, :reject with If-Match) that
// Atlar refused because the resource changed since its etag was read. The
// error also unwraps to the *APIError (status 412).
//
// ASSUMPTION (Atlar): the status of an If-Match mismatch is not documented
// (NOTES.md §2.6); 412 Precondition Failed, the HTTP standard's answer, is
// assumed. The cure is the same whatever the status: re-read, re-diff, retry
// once with the new etag.
var ErrPreconditionFailed = errors.New("atlar: precondition failed (stale etag)")

// ErrConflict is matched (errors.Is) by the error of a create that Atlar
// refused with 409 Conflict because the externalId is already used by
// another resource. The error also unwraps to the *APIError. The caller
// should GET "external:<externalId>" and adopt the resource it finds (after
// checking that it is the same thing), never create under another id.
//
// ASSUMPTION (Atlar): "externalId must be unique across all resources" is
// documented, its status is not; 409 is assumed for the new resources
// (counterparties, external accounts, mandates, direct debits). The batch
// endpoint's record-level duplicate (400 "duplicate") is unchanged.
var ErrConflict = errors.New("atlar: externalId already used")

// classify wraps the typed statuses of writes: 412 → ErrPreconditionFailed,
// 409 → ErrConflict, keeping the *APIError reachable with errors.As.
func classify(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Status {
	case http.StatusPreconditionFailed:
		return fmt.Errorf("%w: %w", ErrPreconditionFailed, err)
	case http.StatusConflict:
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

// Address is a postal address (schema Address). Every field is optional.
type Address struct {
	Country      string `json:"country,omitempty"`
	City         string `json:"city,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	StreetName   string `json:"streetName,omitempty"`
	StreetNumber string `json:"streetNumber,omitempty"`
}

// IsZero reports whether no field is set.
func (a *Address) IsZero() bool { return a == nil || *a == Address{} }

// NationalIdentifier is a civic or company registration number.
type NationalIdentifier struct {
	Type   string `json:"type"` // CIVIC | COMPANY
	Market string `json:"market"`
	Number string `json:"number"`
}

// Party types of a counterparty.
const (
	PartyIndividual = "INDIVIDUAL"
	PartyCompany    = "COMPANY"
)

// CreateEmbeddedExternalAccountRequest is an external account created
// together with its counterparty (exactly one identifier, as the spec says).
type CreateEmbeddedExternalAccountRequest struct {
	Market      string              `json:"market"`
	Identifiers []AccountIdentifier `json:"identifiers"`
	Routing     []RoutingIdentifier `json:"routing,omitempty"`
	ExternalID  string              `json:"externalId,omitempty"`
}

// CreateCounterpartyRequest is the body of POST /payments/v2/counterparties.
// LegalName is required (≤ 96 characters); Accounts, when given, are created
// in the same call and come back in Counterparty.Accounts.
type CreateCounterpartyRequest struct {
	LegalName          string                                 `json:"legalName"`
	Alias              string                                 `json:"alias,omitempty"`
	PartyType          string                                 `json:"partyType,omitempty"`
	Address            *Address                               `json:"address,omitempty"`
	Email              string                                 `json:"email,omitempty"`
	Phone              string                                 `json:"phone,omitempty"`
	NationalIdentifier *NationalIdentifier                    `json:"nationalIdentifier,omitempty"`
	Accounts           []CreateEmbeddedExternalAccountRequest `json:"accounts,omitempty"`
	ExternalID         string                                 `json:"externalId,omitempty"`
}

// Counterparty is Atlar's counterparty (a debtor or a vendor). ETag is
// "version:N", unquoted, exactly what If-Match must carry.
type Counterparty struct {
	ID                 string              `json:"id"`
	LegalName          string              `json:"legalName"`
	Alias              string              `json:"alias,omitempty"`
	PartyType          string              `json:"partyType,omitempty"`
	Address            *Address            `json:"address,omitempty"`
	Email              string              `json:"email,omitempty"`
	Phone              string              `json:"phone,omitempty"`
	NationalIdentifier *NationalIdentifier `json:"nationalIdentifier,omitempty"`
	Accounts           []ExternalAccount   `json:"accounts,omitempty"`
	ExternalID         string              `json:"externalId,omitempty"`
	Version            int                 `json:"version"`
	ETag               string              `json:"etag"`
	Created            string              `json:"created,omitempty"`
	Updated            string              `json:"updated,omitempty"`
	RequestID          string              `json:"-"`
}

// CreateExternalAccountRequest is the body of POST
// /payments/v2/external-accounts: one account of an existing counterparty.
type CreateExternalAccountRequest struct {
	CounterpartyID string              `json:"counterpartyId"`
	Market         string              `json:"market"`
	Identifiers    []AccountIdentifier `json:"identifiers"`
	Routing        []RoutingIdentifier `json:"routing,omitempty"`
	Alias          string              `json:"alias,omitempty"`
	ExternalID     string              `json:"externalId,omitempty"`
}

// ExternalAccount is an account of a counterparty (the debtor's account of
// a direct debit, the creditor's of a payment).
type ExternalAccount struct {
	ID             string              `json:"id"`
	CounterpartyID string              `json:"counterpartyId"`
	Market         string              `json:"market"`
	Name           string              `json:"name,omitempty"`
	Alias          string              `json:"alias,omitempty"`
	Identifiers    []AccountIdentifier `json:"identifiers"`
	Routing        []RoutingIdentifier `json:"routing,omitempty"`
	ExternalID     string              `json:"externalId,omitempty"`
	Version        int                 `json:"version"`
	ETag           string              `json:"etag"`
	Created        string              `json:"created,omitempty"`
	Updated        string              `json:"updated,omitempty"`
	RequestID      string              `json:"-"`
}

// IBAN returns the account's IBAN identifier (upper case, no spaces), or "".
func (e ExternalAccount) IBAN() string {
	for _, id := range e.Identifiers {
		if id.Type == "IBAN" {
			return normIBAN(id.Number)
		}
	}
	return ""
}

func normIBAN(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }

// PatchOp is one JSON Patch (RFC 6902) operation. Value is omitted for
// "remove".
type PatchOp struct {
	Op    string `json:"op"` // replace | remove | add
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// CreateCounterparty creates a counterparty, with its embedded external
// accounts if req.Accounts is set (POST /payments/v2/counterparties, 201).
// idempotencyKey is required and must be journaled before the first call;
// every retry, here and after a crash, sends the same key. Set
// req.ExternalID (and each account's) so that the resource can be found
// with GetCounterparty("external:<id>") when the key has expired.
//
// Errors: an *APIError for a final answer (400 with Details naming the
// field); ErrConflict (409) when req.ExternalID is already used — look it
// up instead; a Temporary error when the outcome is unknown — retry with the
// same key.
func (c *Client) CreateCounterparty(ctx context.Context, req *CreateCounterpartyRequest, idempotencyKey string) (*Counterparty, error) {
	var out Counterparty
	if err := c.create(ctx, "counterparty", counterpartiesPath, req, idempotencyKey, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCounterparty reads a counterparty by Atlar id or "external:<id>"
// (GET /payments/v2/counterparties/{id}); its accounts are embedded.
// A counterparty that does not exist yields an error matching ErrNotFound.
func (c *Client) GetCounterparty(ctx context.Context, idOrExternal string) (*Counterparty, error) {
	var out Counterparty
	if err := c.getOne(ctx, "counterparty", counterpartiesPath, idOrExternal, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListCounterparties returns every counterparty, all pages. query, when not
// empty, is Atlar's free-text search parameter (its matching rules are not
// documented: filter the result yourself).
func (c *Client) ListCounterparties(ctx context.Context, query string) ([]Counterparty, error) {
	q := url.Values{}
	if query != "" {
		q.Set("query", query)
	}
	return listAll[Counterparty](ctx, c, counterpartiesPath, counterpartiesPath, q, pageLimit)
}

// PatchCounterparty applies ops to a counterparty (PATCH
// /payments/v2/counterparties/{id}, Content-Type application/json-patch+json)
// if its etag is still etag (If-Match, sent exactly as Atlar returned it:
// "version:N", unquoted). Compute ops with CounterpartyPatch; with no ops
// nothing is sent and the call is an error (the caller should not patch).
//
// A PATCH is not idempotent by key, but it is by content: replaying the
// same ops after a lost answer either succeeds again or fails with
// ErrPreconditionFailed (the first attempt took effect and bumped the
// version). Errors: ErrPreconditionFailed (412: re-read with
// GetCounterparty, recompute, retry once); ErrNotFound; an *APIError (400
// for an op the spec does not allow); Temporary errors.
func (c *Client) PatchCounterparty(ctx context.Context, idOrExternal, etag string, ops []PatchOp) (*Counterparty, error) {
	if len(ops) == 0 {
		return nil, errors.New("atlar patch counterparty: no operations")
	}
	if etag == "" {
		return nil, errors.New("atlar patch counterparty: etag is required (If-Match)")
	}
	seg, err := pathSegment(idOrExternal)
	if err != nil {
		return nil, fmt.Errorf("atlar patch counterparty: %w", err)
	}
	body, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("atlar patch counterparty: encode: %w", err)
	}
	cl := &call{
		method: http.MethodPatch, path: counterpartiesPath + "/" + seg, endpoint: counterpartiesPath + "/{id}",
		body: body, contentType: "application/json-patch+json", ifMatch: etag, limit: jsonBodyLimit,
	}
	var out Counterparty
	if err := c.getJSON(ctx, cl, &out, &out.RequestID); err != nil {
		return nil, classify(err)
	}
	return &out, nil
}

// CounterpartyPatch returns the JSON Patch operations that turn cur into
// want, as Atlar's CounterpartyJSONPatchRequest allows them: replace for a
// changed value, remove for a value want no longer has (alias, email,
// phone, partyType, nationalIdentifier). Unchanged fields give no op, so an
// unchanged counterparty gives nil: send nothing.
//
// The legal name and the address have no remove op in the spec: an empty
// want.LegalName or want.Address leaves the current value alone. Values are
// compared exactly (after trimming spaces), so normalise them before.
// ExternalID and Accounts are not patched (accounts are their own resource).
func CounterpartyPatch(cur Counterparty, want CreateCounterpartyRequest) []PatchOp {
	var ops []PatchOp
	str := func(path, have, wantV string, removable bool) {
		have, wantV = strings.TrimSpace(have), strings.TrimSpace(wantV)
		switch {
		case have == wantV:
		case wantV == "" && removable:
			ops = append(ops, PatchOp{Op: "remove", Path: path})
		case wantV != "":
			ops = append(ops, PatchOp{Op: "replace", Path: path, Value: wantV})
		}
	}
	str("/legalName", cur.LegalName, want.LegalName, false)
	str("/alias", cur.Alias, want.Alias, true)
	str("/partyType", cur.PartyType, want.PartyType, true)
	str("/email", cur.Email, want.Email, true)
	str("/phone", cur.Phone, want.Phone, true)
	if !want.Address.IsZero() && (cur.Address.IsZero() || *cur.Address != *want.Address) {
		ops = append(ops, PatchOp{Op: "replace", Path: "/address", Value: *want.Address})
	}
	switch cn, wn := cur.NationalIdentifier, want.NationalIdentifier; {
	case wn == nil && cn != nil:
		ops = append(ops, PatchOp{Op: "remove", Path: "/nationalIdentifier"})
	case wn != nil && (cn == nil || *cn != *wn):
		ops = append(ops, PatchOp{Op: "replace", Path: "/nationalIdentifier", Value: *wn})
	}
	return ops
}

// CreateExternalAccount creates an account under an existing counterparty
// (POST /payments/v2/external-accounts, 201). idempotencyKey is required,
// journaled before the first call. Errors as CreateCounterparty: ErrConflict
// (409) for a used externalId, *APIError, Temporary.
func (c *Client) CreateExternalAccount(ctx context.Context, req *CreateExternalAccountRequest, idempotencyKey string) (*ExternalAccount, error) {
	var out ExternalAccount
	if err := c.create(ctx, "external account", externalAccountsPath, req, idempotencyKey, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetExternalAccount reads an external account by Atlar id or
// "external:<id>"; a missing one yields an error matching ErrNotFound.
func (c *Client) GetExternalAccount(ctx context.Context, idOrExternal string) (*ExternalAccount, error) {
	var out ExternalAccount
	if err := c.getOne(ctx, "external account", externalAccountsPath, idOrExternal, &out, &out.RequestID); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListExternalAccounts returns the external accounts of one counterparty
// (counterpartyId filter), or every one when counterpartyID is "", all pages.
func (c *Client) ListExternalAccounts(ctx context.Context, counterpartyID string) ([]ExternalAccount, error) {
	q := url.Values{}
	if counterpartyID != "" {
		q.Set("counterpartyId", counterpartyID)
	}
	return listAll[ExternalAccount](ctx, c, externalAccountsPath, externalAccountsPath, q, pageLimit)
}

// FindExternalAccountsByIBAN returns the external accounts whose IBAN is
// iban (compared without spaces, case-insensitively), oldest first as
// listed. The spec has no IBAN filter: this pages through every external
// account, so callers should cache what they find; nil when there is none.
// ASSUMPTION (Atlar): the free-text "query" parameter may match IBANs, but
// its rules are undocumented, so it is not relied on.
func (c *Client) FindExternalAccountsByIBAN(ctx context.Context, iban string) ([]ExternalAccount, error) {
	want := normIBAN(iban)
	if want == "" {
		return nil, errors.New("atlar find external account: empty IBAN")
	}
	all, err := c.ListExternalAccounts(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []ExternalAccount
	for _, e := range all {
		if e.IBAN() == want {
			out = append(out, e)
		}
	}
	return out, nil
}

// create POSTs req as JSON with the idempotency key and decodes the answer.
func (c *Client) create(ctx context.Context, what, path string, req any, idempotencyKey string, out any, reqID *string) error {
	if req == nil {
		return fmt.Errorf("atlar create %s: nil request", what)
	}
	if idempotencyKey == "" {
		return fmt.Errorf("atlar create %s: idempotency key is required", what)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("atlar create %s: encode: %w", what, err)
	}
	cl := &call{
		method: http.MethodPost, path: path, endpoint: path, body: body,
		contentType: "application/json", idempotencyKey: idempotencyKey, limit: jsonBodyLimit,
	}
	return classify(c.getJSON(ctx, cl, out, reqID))
}

// getOne GETs base/{id} for an Atlar id or "external:<id>".
func (c *Client) getOne(ctx context.Context, what, base, idOrExternal string, out any, reqID *string) error {
	seg, err := pathSegment(idOrExternal)
	if err != nil {
		return fmt.Errorf("atlar get %s: %w", what, err)
	}
	cl := &call{method: http.MethodGet, path: base + "/" + seg, endpoint: base + "/{id}", limit: jsonBodyLimit}
	return c.getJSON(ctx, cl, out, reqID)
}
