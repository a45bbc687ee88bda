package atlar

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The JSON shapes below follow Atlar's public OpenAPI spec (2024-11,
// ../shared/atlar/openapi/). Clients must tolerate unknown fields, so only
// what the bridge reads or writes is declared. Shapes of the connectivity
// API (connections, reports, instructions) are not in the public spec; they
// are our assumptions, kept together at the end of this file.

// ListResponse is Atlar's paging envelope. NextToken is "" on the last page.
type ListResponse[T any] struct {
	Items     []T    `json:"items"`
	NextToken string `json:"nextToken"`
	Token     string `json:"token"`
	Limit     int    `json:"limit"`
}

// Amount is an amount in integer minor units of Currency.
type Amount struct {
	Currency    string `json:"currency"`
	Value       int64  `json:"value"`
	StringValue string `json:"stringValue,omitempty"`
}

// AccountRef references an internal (ACCOUNT) or external (EXTERNAL_ACCOUNT)
// account by id, or holds an INLINE destination.
type AccountRef struct {
	Type        string               `json:"type"` // ACCOUNT | EXTERNAL_ACCOUNT | INLINE
	ID          string               `json:"id,omitempty"`
	Market      string               `json:"market,omitempty"`
	Identifiers []AccountIdentifier  `json:"identifiers,omitempty"`
	Routing     []RoutingIdentifier  `json:"routing,omitempty"`
	Holder      *InlineAccountHolder `json:"holder,omitempty"`
}

// AccountIdentifier is an IBAN or a domestic account number.
type AccountIdentifier struct {
	Type   string `json:"type"` // IBAN | NUMBER | ...
	Market string `json:"market"`
	Number string `json:"number"`
}

// RoutingIdentifier is a BIC, US ABA, GB sort code, ...
type RoutingIdentifier struct {
	Type   string `json:"type"` // BIC | US_ABA | GB_DSC | ...
	Number string `json:"number"`
}

// InlineAccountHolder names the holder of an inline destination.
type InlineAccountHolder struct {
	LegalName string `json:"legalName"`
}

// CreateCreditTransferRequest is one payment of a batch
// (schema CreateCreditTransferRequest).
type CreateCreditTransferRequest struct {
	Amount      Amount     `json:"amount"`
	Scheme      string     `json:"scheme"`
	Date        string     `json:"date"`
	Source      AccountRef `json:"source"`
	Destination AccountRef `json:"destination"`
	Reference   string     `json:"reference"`
	ExternalID  string     `json:"externalId,omitempty"`
}

// CreateCreditTransferBatchRequest is the JSON body of
// POST /payments/v2beta/credit-transfer-batches.
type CreateCreditTransferBatchRequest struct {
	Treatment  string                        `json:"treatment"` // INDIVIDUAL_PAYMENTS | BATCH
	Payments   []CreateCreditTransferRequest `json:"payments"`
	ExternalID string                        `json:"externalId,omitempty"`
}

// Batch statuses. COMPLETED is the only end state; failures show as Errors.
const (
	BatchCreated           = "CREATED"
	BatchProcessingStarted = "PROCESSING_STARTED"
	BatchCompleted         = "COMPLETED"
)

// CreditTransferBatch is Atlar's batch resource.
type CreditTransferBatch struct {
	ID            string              `json:"id"`
	Treatment     string              `json:"treatment,omitempty"`
	Status        string              `json:"status"`
	ExternalID    string              `json:"externalId,omitempty"`
	Errors        []ErrorDetail       `json:"errors,omitempty"`
	ResultSummary *BatchResultSummary `json:"resultSummary,omitempty"`
	ApprovalSteps []ApprovalStep      `json:"approvalSteps,omitempty"`
	Created       string              `json:"created,omitempty"`
	Updated       string              `json:"updated,omitempty"`
	Version       int                 `json:"version,omitempty"`
	ETag          string              `json:"etag,omitempty"`
	RequestID     string              `json:"-"`
}

// BatchResultSummary counts a completed batch's records.
type BatchResultSummary struct {
	Total     int `json:"total"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

// ApprovalStep is a step of a payment's or batch's approval chain.
type ApprovalStep struct {
	ID              string `json:"id"`
	ApprovalChainID string `json:"approvalChainId,omitempty"`
	Status          string `json:"status"` // PENDING | APPROVED | REJECTED
	AutoApproved    bool   `json:"autoApproved,omitempty"`
}

// BatchResult is one input record's outcome (GET .../{id}/results).
// RecordIndex is 0-based: the array index for JSON input.
type BatchResult struct {
	PaymentID   string        `json:"paymentId,omitempty"`
	Errors      []ErrorDetail `json:"errors,omitempty"`
	Skipped     bool          `json:"skipped"`
	RecordIndex *int          `json:"recordIndex,omitempty"`
}

// Payment statuses the bridge treats as final. Any other status (including
// ones added later) is treated as still in progress.
const (
	PaymentExecuted = "EXECUTED"
	PaymentRejected = "REJECTED"
	PaymentFailed   = "FAILED"
	PaymentReturned = "RETURNED"
)

// PaymentTerminal reports whether a payment status is final.
func PaymentTerminal(status string) bool {
	switch status {
	case PaymentExecuted, PaymentRejected, PaymentFailed, PaymentReturned:
		return true
	}
	return false
}

// CreditTransfer is Atlar's payment resource (only the fields we read).
type CreditTransfer struct {
	ID            string         `json:"id"`
	Amount        Amount         `json:"amount"`
	Date          string         `json:"date"`
	Scheme        string         `json:"scheme"`
	Status        string         `json:"status"`
	Reference     string         `json:"reference"`
	ExternalID    string         `json:"externalId,omitempty"`
	Source        *AccountRef    `json:"source,omitempty"`
	Destination   *AccountRef    `json:"destination,omitempty"`
	ApprovalSteps []ApprovalStep `json:"approvalSteps,omitempty"`
	Batch         *BatchDetails  `json:"batch,omitempty"`
	// ReturnReason is why the bank rejected or returned the payment.
	// Atlar's published spec has it on transactions (returnReason {code,
	// description}); a payment that carries it the same way is read, and
	// one that does not simply has no code.
	ReturnReason *ReturnReason `json:"returnReason,omitempty"`
	Created      string        `json:"created,omitempty"`
	Updated      string        `json:"updated,omitempty"`
}

// ReturnReason is a bank's reason code and text for a rejected or returned
// payment.
type ReturnReason struct {
	Code        string `json:"code,omitempty"`
	Description string `json:"description,omitempty"`
}

// BatchDetails links a payment to its batch.
type BatchDetails struct {
	ID        string `json:"id"`
	Treatment string `json:"treatment,omitempty"`
}

// Account is an internal account (GET /financial-data/v2/accounts).
type Account struct {
	ID           string              `json:"id"`
	ThirdPartyID string              `json:"thirdPartyId"`
	Market       string              `json:"market"`
	Currency     string              `json:"currency"`
	Name         string              `json:"name"`
	Alias        string              `json:"alias,omitempty"`
	Identifiers  []AccountIdentifier `json:"identifiers"`
	Routing      []RoutingIdentifier `json:"routing"`
}

// IBAN returns the account's IBAN identifier, or "".
func (a Account) IBAN() string {
	for _, id := range a.Identifiers {
		if id.Type == "IBAN" {
			return strings.ToUpper(strings.ReplaceAll(id.Number, " ", ""))
		}
	}
	return ""
}

// BIC returns the account's BIC routing number, or "".
func (a Account) BIC() string {
	for _, r := range a.Routing {
		if r.Type == "BIC" {
			return r.Number
		}
	}
	return ""
}

// ErrorDetail is one entry of ErrorResponse.details and batch errors.
// Field is a dotted path such as "payments.3.amount".
type ErrorDetail struct {
	Code  string `json:"code,omitempty"`
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// ErrorResponse is Atlar's error body.
type ErrorResponse struct {
	Status  int           `json:"status"`
	Message string        `json:"message"`
	Details []ErrorDetail `json:"details,omitempty"`
}

// TokenResponse is the body of a successful POST /iam/v2beta/oauth2/token.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// --- Connectivity API (v2beta). Not in the public spec: ASSUMED shapes. ---

// Connection is a connection to a third party (a bank). ThirdPartyID matches
// Account.ThirdPartyID, which is how an account's connection is found.
type Connection struct {
	ID           string `json:"id"`
	ThirdPartyID string `json:"thirdPartyId"`
	Name         string `json:"name,omitempty"`
	Status       string `json:"status,omitempty"`
	Created      string `json:"created,omitempty"`
}

// Report is a report fetched over a connection (a bank statement file).
type Report struct {
	ID            string   `json:"id"`
	ConnectionID  string   `json:"connectionId"`
	Type          string   `json:"type"` // e.g. STATEMENT
	StatementType string   `json:"statementType,omitempty"`
	AccountIDs    []string `json:"accountIds,omitempty"`
	// StatementDate is the date the statement covers, YYYY-MM-DD.
	StatementDate string `json:"statementDate,omitempty"`
	Created       string `json:"created"`
}

// Instruction is a file pushed to the bank over a connection.
type Instruction struct {
	ID           string `json:"id"`
	ConnectionID string `json:"connectionId,omitempty"`
	Status       string `json:"status"`
	FileName     string `json:"fileName,omitempty"`
	ContentType  string `json:"contentType,omitempty"`
	Message      string `json:"message,omitempty"`
	Created      string `json:"created,omitempty"`
	Updated      string `json:"updated,omitempty"`
	RequestID    string `json:"-"`
}

// APIError is a non-retryable (or finally failed) answer from Atlar.
type APIError struct {
	Method    string
	Path      string
	Status    int
	Message   string
	Details   []ErrorDetail
	RequestID string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "atlar %s %s: %d", e.Method, e.Path, e.Status)
	if e.Message != "" {
		fmt.Fprintf(&b, " %s", e.Message)
	}
	for _, d := range e.Details {
		b.WriteString("; ")
		if d.Field != "" {
			fmt.Fprintf(&b, "%s: ", d.Field)
		}
		b.WriteString(d.Error)
		if d.Code != "" {
			fmt.Fprintf(&b, " (%s)", d.Code)
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request-id %s)", e.RequestID)
	}
	return b.String()
}

// errorBody decodes an Atlar error body leniently.
func errorBody(b []byte) ErrorResponse {
	var er ErrorResponse
	_ = json.Unmarshal(b, &er)
	return er
}
