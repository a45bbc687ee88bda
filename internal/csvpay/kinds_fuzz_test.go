package csvpay

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// FuzzParseKinds feeds arbitrary bytes to the direct-debit and the
// counterparties parsers: no panic, no misuse error for input, problems
// capped, and an accepted file is made of usable rows.
func FuzzParseKinds(f *testing.F) {
	f.Add([]byte(ddCSV), uint8(0))
	f.Add([]byte(cpCSV), uint8(1))
	f.Add([]byte(cpCSV), uint8(3))
	semicolon := DefaultProfile()
	semicolon.Delimiter, semicolon.Decimal, semicolon.Encoding = ';', ',', "windows-1252"
	profiles := []Profile{DefaultProfile(), semicolon}
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		p := profiles[int(pick/2)%len(profiles)]
		var err error
		if pick%2 == 0 {
			r, e := ParseDirectDebits(data, p, DirectDebitOptions{Today: "2026-12-04", CreditorID: "DE98ZZZ09999999999", CreditorAccountID: "acc"})
			err = e
			if e == nil {
				for i, c := range r.Collections {
					if c.Row != i+1 || c.Amount <= 0 || c.Currency != "EUR" || c.Debtor.IBAN == "" || c.Debtor.ExternalID == "" || c.Mandate.Reference == "" || c.CreditorID == "" {
						t.Fatalf("accepted row %d: %+v", i+1, c)
					}
				}
			}
		} else {
			s, e := ParseCounterparties(data, p, "2026-12-04")
			err = e
			if e == nil {
				seen := map[string]bool{}
				for _, c := range s.Counterparties {
					if c.ExternalID == "" || c.Name == "" || seen[c.ExternalID] || c.Account.IBAN == "" && c.Account.Number == "" {
						t.Fatalf("accepted row %d: %+v", c.Row, c)
					}
					seen[c.ExternalID] = true
				}
			}
		}
		var problems payrun.Problems
		switch {
		case err == nil:
		case errors.As(err, &problems):
			require.NotEmpty(t, problems)
			require.LessOrEqual(t, len(problems), maxProblems+1)
		default:
			t.Fatalf("misuse error for data input: %v", err)
		}
	})
}
