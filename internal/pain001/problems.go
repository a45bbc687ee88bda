package pain001

import (
	"fmt"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// maxProblems caps the problems kept for one file: past a thousand, more
// lines help nobody fix it, and a hostile file must not grow memory.
const maxProblems = 1000

// ISO 20022 ExternalStatusReason1Code values the reader uses, so that
// pain.002 rejections carry codes ERPs understand.
const (
	codeNbOfTxs    = "AM18" // InvalidNumberOfTransactions
	codeCtrlSum    = "AM10" // InvalidControlSum
	codeAccount    = "AC01" // IncorrectAccountNumber
	codeBIC        = "RC01" // BankIdentifierIncorrect
	codeCurrency   = "AM03" // NotAllowedCurrency
	codeAmount     = "AM12" // InvalidAmount
	codeFileFormat = "FF01" // InvalidFileFormat
	codeDupPmtInf  = "DU02" // DuplicatePaymentInformationID
	// DU04, not DU05: ISO's list has DU04 DuplicateEndToEndID and DU05
	// DuplicateInstructionID (InstrId).
	codeDupE2E       = "DU04" // DuplicateEndToEndID
	codeTooFarAhead  = "CH03" // RequestedExecutionDateOrRequestedCollectionDateTooFarInFuture
	codeBadDate      = "DT01" // InvalidDate
	codeMissing      = "CH21" // RequiredCompulsoryElementMissing
	codeContent      = "CH16" // ElementContentFormallyIncorrect
	codeNarrative    = "NARR" // Narrative: the Expected text says why
	codeUnsupported  = codeNarrative
	codeTooManyProbs = codeNarrative
)

// gate says from which validation level on a check applies.
type gate int

const (
	// gateAlways: well-formedness and resource limits, checked at every level.
	gateAlways gate = iota
	// gateWellformed: supported namespace and the fields a Run is made of.
	gateWellformed
	// gateStrict: the schema rules banks reject on, checksums, totals,
	// duplicates and dates.
	gateStrict
)

// problemList collects at most maxProblems problems, the last of which
// says how many more there were.
type problemList struct {
	list    payrun.Problems
	dropped int
}

func (ps *problemList) add(p payrun.Problem) {
	if len(ps.list) < maxProblems-1 {
		p.Value = clip(p.Value)
		ps.list = append(ps.list, p)
		return
	}
	ps.dropped++
}

// result returns the problems, with a last line counting those left out.
func (ps *problemList) result() payrun.Problems {
	if ps.dropped == 0 {
		return ps.list
	}
	return append(ps.list, payrun.Problem{
		Expected: fmt.Sprintf("fewer problems: %d more were found and not listed", ps.dropped),
		Code:     codeTooManyProbs,
	})
}
