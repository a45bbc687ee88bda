package state

import "time"

// State is where a file stands in its journey.
type State string

// A file's states (SPEC §2): received → validated → submitting → submitted →
// completed | failed; rejected for files that fail validation or duplicate
// checks.
const (
	Received   State = "received"
	Validated  State = "validated"
	Submitting State = "submitting"
	Submitted  State = "submitted"
	Completed  State = "completed"
	Failed     State = "failed"
	Rejected   State = "rejected"
)

// States lists every state in journey order.
var States = []State{Received, Validated, Submitting, Submitted, Completed, Failed, Rejected}

// CompletedWithFailures is not a lifecycle state but an outcome: a
// completed file some of whose payments ended REJECTED, FAILED or
// RETURNED. The state index lists such a file under it besides
// Completed, so that it is counted (status, /metrics) and listed
// (files --state completed-with-failures) like a state, without
// reading every completed file.
const CompletedWithFailures State = "completed-with-failures"

// PaymentsFailed counts the payments that ended REJECTED, FAILED or
// RETURNED (from Listed on a file listed without its payments).
func (f *File) PaymentsFailed() int {
	if f.Payments == nil && f.Listed != nil {
		return f.Listed.Failed
	}
	n := 0
	for _, p := range f.Payments {
		switch p.Status {
		case "REJECTED", "FAILED", "RETURNED":
			n++
		}
	}
	return n
}

// WithFailures reports whether f is completed with failed payments.
func (f *File) WithFailures() bool {
	return f.State == Completed && f.PaymentsFailed() > 0
}

// PaymentCount is how many payments f has (from Listed on a file listed
// without its payments).
func (f *File) PaymentCount() int {
	if f.Payments == nil && f.Listed != nil {
		return f.Listed.Payments
	}
	return len(f.Payments)
}

// Listing is what a file listed with Filter.HeadersOnly says of the
// payments it was listed without.
type Listing struct {
	Payments int // how many
	Failed   int // how many ended REJECTED, FAILED or RETURNED
}

// Final reports whether no further inbound step will happen.
func (s State) Final() bool { return s == Completed || s == Failed || s == Rejected }

// Format is what an input file is.
type Format string

// Formats of input files.
const (
	FormatCSV     Format = "csv"
	FormatPain001 Format = "pain001"
)

// Mode is how a file's payments went to Atlar: a pain.001 forwarded as a
// connectivity instruction, or credit transfers (every CSV).
type Mode string

// Modes of sending.
const (
	ModeInstruction Mode = "instruction"
	ModeTransfers   Mode = "transfers"
)

// File is the journal record of one input file.
type File struct {
	ID     string `json:"id"`
	Route  string `json:"route"`
	Format Format `json:"format"`
	Mode   Mode   `json:"mode,omitempty"` // how it went to Atlar
	// Name is the original file name as the ERP gave it.
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// TooLarge says the file was over its route's max_file_size when
	// claimed: it is never read, hashed or sent, only rejected (SHA256 is
	// then empty).
	TooLarge bool `json:"tooLarge,omitempty"`
	// ClaimedModTime is the modification time of the ERP's file when it
	// was claimed: with Size and SHA256 it tells whether the ERP wrote to
	// it after the claim (a writer that only paused).
	ClaimedModTime time.Time `json:"claimedModTime,omitempty"`
	// Source says how the file came in: "folder" or "sftp:<user>".
	Source string `json:"source"`

	State      State     `json:"state"`
	ReceivedAt time.Time `json:"receivedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`

	// Path is where the original bytes are now, relative to storage.root
	// (slash-separated): inbox/..., processing/..., archive/..., failed/...
	Path string `json:"path"`
	// InboxPath is where the file was found, relative to storage.root.
	InboxPath string `json:"inboxPath"`
	// Marker is the done-marker file consumed with the file, if any.
	Marker string `json:"marker,omitempty"`

	// MsgID is the pain.001 GrpHdr/MsgId.
	MsgID string `json:"msgId,omitempty"`
	// Force skips duplicate checks (bridge retry --force).
	Force bool `json:"force,omitempty"`
	// Attempt counts requeues by bridge retry; it makes idempotency keys and
	// batch external ids of a retried file differ from the first attempt's.
	Attempt int `json:"attempt,omitempty"`

	// Problems are why the file was rejected or failed.
	Problems []Problem `json:"problems,omitempty"`
	// DuplicateOf names the earlier file when rejected as a duplicate.
	DuplicateOf string `json:"duplicateOf,omitempty"`

	Batches     []Batch      `json:"batches,omitempty"`
	Instruction *Instruction `json:"instruction,omitempty"`
	Payments    []Payment    `json:"payments,omitempty"`

	// Original echoes the input message's group and payment-information
	// headers in pain.002 (OrgnlMsgId, OrgnlNbOfTxs, OrgnlCtrlSum...).
	Original *Original `json:"original,omitempty"`
	// Interim is set while payments wait in Atlar (e.g. for approval), so
	// outbound writes an interim PDNG status report.
	Interim bool `json:"interim,omitempty"`
	// SubmittedAt is when every batch or the instruction was accepted.
	SubmittedAt time.Time `json:"submittedAt,omitempty"`

	// NextPollAt is when tracking should next ask Atlar about this file.
	NextPollAt time.Time `json:"nextPollAt,omitempty"`
	// PollFailures counts consecutive tracking errors, for backoff.
	PollFailures int `json:"pollFailures,omitempty"`

	// Outputs records outbox files written for this file: kind → when.
	// Kinds: "ack", "pending", "result.xml", "result.csv".
	Outputs map[string]time.Time `json:"outputs,omitempty"`
	// ResultBase is the name every outbox result file of this file starts
	// with (<ResultBase>.ack.xml, …), chosen at its first output.
	ResultBase string `json:"resultBase,omitempty"`

	// Steps is the journey, one entry per journal write that changed state
	// or recorded a side effect.
	Steps []Step `json:"steps"`

	// Listed is set, instead of Payments and Batches, on a file listed
	// with Filter.HeadersOnly; it is not journaled as such (the header
	// keeps the counts, record.go).
	Listed *Listing `json:"-"`
}

// Original describes the input message for status reports.
type Original struct {
	MsgID     string        `json:"msgId"`
	MsgNameID string        `json:"msgNameId"`
	NbOfTxs   int           `json:"nbOfTxs"`
	CtrlSum   string        `json:"ctrlSum,omitempty"`
	PmtInfs   []OriginalPmt `json:"pmtInfs,omitempty"`
}

// OriginalPmt is one input payment-information block.
type OriginalPmt struct {
	ID      string `json:"id"`
	NbOfTxs int    `json:"nbOfTxs"`
	CtrlSum string `json:"ctrlSum,omitempty"`
}

// Step is one line of a file's journey.
type Step struct {
	At    time.Time `json:"at"`
	State State     `json:"state"`
	// Note says what happened, in plain words.
	Note string `json:"note,omitempty"`
	// RequestID is Atlar's request-id when the step involved a call.
	RequestID string `json:"requestId,omitempty"`
}

// Problem is one reason a file was rejected or failed.
type Problem struct {
	Row      int    `json:"row,omitempty"`
	Line     int    `json:"line,omitempty"`
	Field    string `json:"field,omitempty"`
	Value    string `json:"value,omitempty"`
	Expected string `json:"expected,omitempty"`
	Code     string `json:"code,omitempty"` // ISO 20022 status reason
	Message  string `json:"message"`        // the whole problem in plain words
	// PmtInfID and EndToEndID name the pain.001 transaction (Row) a
	// problem is about, for the rejection's OrgnlPmtInfId/OrgnlEndToEndId.
	PmtInfID   string `json:"pmtInfId,omitempty"`
	EndToEndID string `json:"endToEndId,omitempty"`
}

// Batch is one credit-transfer batch of a file (a run of more than 1000
// payments is split). ExternalID and IdempotencyKey are journaled before
// the first create attempt.
type Batch struct {
	Index          int       `json:"index"`
	ExternalID     string    `json:"externalId"`
	IdempotencyKey string    `json:"idempotencyKey"`
	FirstTry       time.Time `json:"firstTry,omitempty"`
	// Payments are indexes into File.Payments, in batch order.
	First int `json:"first"`
	Count int `json:"count"`
	// ID is Atlar's batch id once known.
	ID        string `json:"id,omitempty"`
	Status    string `json:"status,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	// ResultsRead is set once the batch is COMPLETED and its per-record
	// results have been read into File.Payments.
	ResultsRead bool `json:"resultsRead,omitempty"`
}

// Instruction is a pain.001 forwarded untouched to a connection.
type Instruction struct {
	ConnectionID   string    `json:"connectionId"`
	ContentType    string    `json:"contentType"`
	IdempotencyKey string    `json:"idempotencyKey"`
	FirstTry       time.Time `json:"firstTry,omitempty"`
	ID             string    `json:"id,omitempty"`
	Status         string    `json:"status,omitempty"`
	RequestID      string    `json:"requestId,omitempty"`
}

// Payment is one payment of a file and what became of it.
type Payment struct {
	Row        int    `json:"row"`
	ExternalID string `json:"externalId"`
	PmtInfID   string `json:"pmtInfId,omitempty"`
	InstrID    string `json:"instrId,omitempty"`
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
	// Debtor is the debtor account (IBAN or Atlar account id) of a
	// payment forwarded in instruction mode; with ExternalID (EndToEndId),
	// Amount and Currency it is the transaction's fingerprint for the
	// duplicate index.
	Debtor string `json:"debtor,omitempty"`
	// PaymentID is Atlar's credit-transfer id.
	PaymentID string `json:"paymentId,omitempty"`
	// Status is Atlar's payment status, or REJECTED when the batch record
	// failed.
	Status string `json:"status,omitempty"`
	Reason string `json:"reason,omitempty"`
	// RequestedDate is the execution date the file asked for when it was in
	// the past: the payment was made (transfers) or forwarded (instruction)
	// today instead, and the ack and result say so.
	RequestedDate string `json:"requestedDate,omitempty"`
	// ExecutionDate is the date such a payment was sent for instead
	// ("" when the file was forwarded unchanged).
	ExecutionDate string `json:"executionDate,omitempty"`
	// ReasonCode is the reject/return reason code Atlar passed on from the
	// bank, if any (ISO codes such as AC04 reach the pain.002 as such).
	ReasonCode string `json:"reasonCode,omitempty"`
	// MandateID is Atlar's id of a direct debit's mandate (collections
	// only), copied from the mandate's Op when the direct debit is made so
	// the result CSV can show it per row.
	MandateID string `json:"mandateId,omitempty"`
}

// Delivery is an outbox file being written or written. Outbound records the
// intent (temp file written and synced) before renaming it into place and
// marks it done after, so a crash neither loses nor repeats a delivery.
type Delivery struct {
	// Key identifies what is delivered: "file/<id>/<kind>" or "report/<id>".
	Key string `json:"key"`
	// Path is the final outbox path relative to storage.root.
	Path string `json:"path"`
	// Temp is the temp file path relative to storage.root.
	Temp  string    `json:"temp"`
	Done  bool      `json:"done"`
	At    time.Time `json:"at"`
	Bytes int64     `json:"bytes,omitempty"`
}
