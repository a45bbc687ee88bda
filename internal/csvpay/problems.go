package csvpay

import (
	"fmt"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// maxProblems caps a report: past it, one last problem counts the rest, so
// a wrong profile on a 100,000-row file yields a readable error file.
const maxProblems = 1000

// maxValue is how much of an offending value a problem repeats.
const maxValue = 100

// ISO 20022 status reason codes (ExternalStatusReason1Code) that pain.002
// rejections carry.
const (
	codeFormat      = "FF01" // InvalidFileFormat
	codeContent     = "CH16" // ElementContentFormallyIncorrect
	codeDuplicate   = "AM05" // Duplication
	codeZeroAmount  = "AM01" // ZeroAmount
	codeAmount      = "AM12" // InvalidAmount
	codeCurrency    = "AM03" // NotAllowedCurrency
	codeDate        = "DT01" // InvalidDate
	codeDebtorAcct  = "AC02" // InvalidDebtorAccountNumber
	codeCreditorAcc = "AC03" // InvalidCreditorAccountNumber
	codeBankID      = "RC01" // BankIdentifierIncorrect
)

// problemList collects problems up to maxProblems and counts the rest.
type problemList struct {
	list payrun.Problems
	more int
}

func (l *problemList) add(p payrun.Problem) {
	if len(l.list) >= maxProblems {
		l.more++
		return
	}
	p.Value = truncate(p.Value)
	l.list = append(l.list, p)
}

func (l *problemList) empty() bool { return len(l.list) == 0 }

// result returns the problems as an error, with the overflow counted last.
func (l *problemList) result() payrun.Problems {
	if l.more == 0 {
		return l.list
	}
	return append(l.list, payrun.Problem{Field: fmt.Sprintf("and %d more problems", l.more)})
}

func fileProblem(line int, field, value, expected, code string) *payrun.Problem {
	return &payrun.Problem{Line: line, Field: field, Value: value, Expected: expected, Code: code}
}

func truncate(s string) string {
	if len(s) <= maxValue {
		return s
	}
	r := []rune(s)
	if len(r) <= maxValue {
		return s
	}
	return string(r[:maxValue]) + "…"
}
