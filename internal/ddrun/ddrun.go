package ddrun

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// Atlar's direct-debit schemes.
const (
	SchemeCore = "SDD_CORE"
	SchemeB2B  = "SDD_B2B"
)

// ISO 20022 sequence types (SeqTp).
const (
	SeqFirst     = "FRST"
	SeqRecurring = "RCUR"
	SeqOneOff    = "OOFF"
	SeqFinal     = "FNAL"
)

// Atlar's party types.
const (
	PartyCompany    = "COMPANY"
	PartyIndividual = "INDIVIDUAL"
)

// Run is one input file's collections, in file order.
type Run struct {
	// MsgID is the pain.008 GrpHdr/MsgId; empty for CSV.
	MsgID string
	// MsgName names the input message for pain.002's OrgnlMsgNmId, with
	// its variant, e.g. "pain.008.001.02" or "pain.008.003.02"; "CSV" for
	// CSV files.
	MsgName string
	// Collections in file order.
	Collections []Collection
}

// Collection is one direct debit the ERP asked for.
type Collection struct {
	// Row is the 1-based data row of a CSV file (header excluded), or the
	// 1-based position of the DrctDbtTxInf in a pain.008 file.
	Row int
	// Line is the physical 1-based line of the record (CSV) or of the
	// DrctDbtTxInf start tag (pain.008).
	Line int
	// ExternalID is the EndToEndId (pain.008) or external_id column; it
	// becomes the direct debit's externalId.
	ExternalID string
	// PmtInfID and InstrID are pain.008's PmtInfId and InstrId, if any.
	PmtInfID string `json:",omitempty"`
	InstrID  string `json:",omitempty"`

	// Amount in minor units of Currency (ISO 4217 exponent), always > 0.
	Amount   int64
	Currency string
	// Date is the requested collection date (ReqdColltnDt), YYYY-MM-DD.
	Date string
	// Scheme is SchemeCore or SchemeB2B.
	Scheme string
	// SequenceType is FRST, RCUR, OOFF or FNAL; "" when a CSV file does
	// not say (Atlar then decides from the mandate's history).
	SequenceType string `json:",omitempty"`

	// The creditor's (our) account that receives the money: either the
	// Atlar account id, or its IBAN for inbound to resolve.
	CreditorAccountID string `json:",omitempty"`
	CreditorIBAN      string `json:",omitempty"`
	CreditorBIC       string `json:",omitempty"`
	// CreditorID is the SEPA creditor identifier (CdtrSchmeId), e.g.
	// DE98ZZZ09999999999; Atlar's mandate creditorReference.
	CreditorID   string
	CreditorName string `json:",omitempty"`

	Debtor  Debtor
	Mandate Mandate
	// Reference is the remittance information the debtor sees (max 140).
	Reference string `json:",omitempty"`
}

// Debtor is the party that pays, and its account.
type Debtor struct {
	Name string
	IBAN string
	BIC  string `json:",omitempty"`
	// ExternalID is the counterparty's externalId: the debtor's own id
	// when the file names one, else DebtorExternalID(IBAN).
	ExternalID string
	// ExternalIDGiven is true when the file named ExternalID itself.
	ExternalIDGiven bool `json:",omitempty"`
	// PartyType is PartyCompany or PartyIndividual.
	PartyType string
	// Country is ISO 3166 alpha-2: from the address, else the IBAN.
	Country string `json:",omitempty"`
}

// Mandate is the debtor's authorisation the collection rests on.
type Mandate struct {
	// Reference is the mandate id (MndtId); Atlar's mandateReference.
	Reference string
	// SignatureDate is DtOfSgntr, YYYY-MM-DD.
	SignatureDate string
	// Amendment is set when the mandate was amended (AmdmntInd true).
	Amendment *Amendment `json:",omitempty"`
}

// Amendment is what changed about a mandate, as the original-* fields of
// AmdmntInfDtls name it; empty fields did not change.
type Amendment struct {
	// OriginalReference is OrgnlMndtId: the mandate to cancel once the
	// amended one exists.
	OriginalReference  string `json:",omitempty"`
	OriginalCreditorID string `json:",omitempty"` // OrgnlCdtrSchmeId/Id
	OriginalCreditor   string `json:",omitempty"` // OrgnlCdtrSchmeId/Nm
	OriginalDebtorIBAN string `json:",omitempty"` // OrgnlDbtrAcct/Id/IBAN
	// OriginalDebtorAgentChanged is OrgnlDbtrAgt/FinInstnId/Othr/Id "SMNDA":
	// same mandate, new debtor bank.
	OriginalDebtorAgentChanged bool `json:",omitempty"`
}

// Problem and Problems are payrun's: a row or element, a field, the value
// and what was expected.
type (
	Problem  = payrun.Problem
	Problems = payrun.Problems
)

// DebtorExternalID derives a debtor counterparty's externalId from its
// IBAN, deterministically, so that two files naming the same new debtor
// find one counterparty: "dd-" + the first 24 hex digits of SHA-256 of the
// normalised IBAN. The IBAN itself is not used, to keep account numbers out
// of ids that show in URLs and logs; 96 bits make a collision between an
// ERP's debtors negligible. It fits Atlar's externalId pattern.
func DebtorExternalID(iban string) string {
	n := strings.ToUpper(strings.Join(strings.Fields(iban), ""))
	sum := sha256.Sum256([]byte(n))
	return "dd-" + hex.EncodeToString(sum[:12])
}

// MandateExternalID is the externalId of the mandate created for a
// reference: the mandate reference itself when it fits Atlar's externalId
// pattern, else "mndt-" + a hash of it.
func MandateExternalID(reference string) string {
	if IsExternalID(reference) {
		return reference
	}
	sum := sha256.Sum256([]byte(reference))
	return "mndt-" + hex.EncodeToString(sum[:12])
}

// IsExternalID reports whether s matches Atlar's externalId pattern
// ^[a-zA-Z0-9._\-+=]{1,64}$ (SPEC §3.2).
func IsExternalID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-' || c == '+' || c == '='
		if !ok {
			return false
		}
	}
	return true
}

// SchemeFor maps ISO's local instrument code (LclInstrm/Cd) to Atlar's
// scheme: CORE (and COR1, its former D-1 variant) → SDD_CORE, B2B →
// SDD_B2B; "" when the code names neither.
func SchemeFor(localInstrument string) string {
	switch strings.ToUpper(strings.TrimSpace(localInstrument)) {
	case "CORE", "COR1", SchemeCore:
		return SchemeCore
	case "B2B", SchemeB2B:
		return SchemeB2B
	}
	return ""
}
