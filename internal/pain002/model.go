// Package pain002 renders customer payment status reports (ISO 20022
// pain.002.001.10, and pain.002.001.03 for ERPs that only import that) from
// a version-neutral model. It does no I/O.
package pain002

import "time"

// Supported versions (route option pain002_version).
const (
	V03 = "pain.002.001.03"
	V10 = "pain.002.001.10"
)

// Status codes (ExternalPaymentTransactionStatus1Code / group status).
const (
	ACTC = "ACTC" // accepted technical validation
	ACCP = "ACCP" // accepted customer profile
	ACSP = "ACSP" // accepted, settlement in process
	ACSC = "ACSC" // accepted settlement completed
	PDNG = "PDNG" // pending
	PART = "PART" // partially accepted (group level)
	RJCT = "RJCT" // rejected
)

// Report is one status report about one original message (input file).
type Report struct {
	MsgID     string // GrpHdr/MsgId, max 35
	CreatedAt time.Time
	// InitiatingParty is the name put in GrpHdr/InitgPty/Nm (optional).
	InitiatingParty string

	// The original message. For CSV input: OrgnlMsgId is derived from the
	// file id, OrgnlMsgNmId is "CSV".
	OrgnlMsgID   string // max 35
	OrgnlMsgNmID string // max 35
	OrgnlNbOfTxs int    // 0 = omit
	// OrgnlCtrlSum is the original control sum as a decimal string, as it
	// appeared in the input ("" = omit).
	OrgnlCtrlSum string

	// GroupStatus is the status of the whole file ("" = omit, e.g. when
	// only transaction statuses are reported).
	GroupStatus string
	// GroupReasons explain GroupStatus (each becomes one StsRsnInf).
	GroupReasons []Reason

	PaymentInfos []PaymentInfo
}

// Reason is one StsRsnInf: an ISO reason code (ExternalStatusReason1Code,
// e.g. AM18, AC01, NARR) and plain-words additional information. Long
// texts are split over several AddtlInf elements of at most 105 characters.
type Reason struct {
	Code string
	Info string
}

// PaymentInfo groups transactions by their original payment information
// block (for CSV input, one block per batch or one for the whole file).
type PaymentInfo struct {
	OrgnlPmtInfID string // max 35
	OrgnlNbOfTxs  int    // 0 = omit
	OrgnlCtrlSum  string // "" = omit
	Status        string // "" = omit
	Reasons       []Reason
	Transactions  []Transaction
}

// Transaction is one transaction's status.
type Transaction struct {
	StsID           string // optional, max 35
	OrgnlInstrID    string // optional
	OrgnlEndToEndID string // required by the schema; "NOTPROVIDED" when empty
	Status          string
	Reasons         []Reason
	// Amount/Currency of the original transaction (optional, 0 = omit),
	// in minor units.
	Amount   int64
	Currency string
	// ReqdExctnDt of the original, YYYY-MM-DD (optional).
	ReqdExctnDt string
}
