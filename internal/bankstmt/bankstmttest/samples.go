// Package bankstmttest holds statements the report renderers' tests share:
// the same cases rendered in every format, so golden files of different
// formats describe the same money.
package bankstmttest

import (
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// EUR is a day of an EUR account with what real statements carry: a
// received transfer with umlauts and an ampersand, the bridge's own
// payment with a short externalId (fits :61:) and one with a long one,
// a direct debit with a mandate, a returned payment, a fee, and a
// remittance text too long for 6×65 characters.
func EUR() bankstmt.Statement {
	avail := int64(1374775 + 9000)
	st := bankstmt.Statement{
		ID: "5c1f2a9e-0d4b-4b7e-9a51-3f1e2d6c7b80", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX",
		Currency: "EUR", Date: day("2024-03-15"), OpeningDate: day("2024-03-14"),
		CreatedAt: time.Date(2024, 3, 16, 5, 0, 0, 0, time.UTC),
		Opening:   1250000, Available: &avail,
		Entries: []bankstmt.Entry{
			{Amount: 150000, Credit: true, BookingDate: day("2024-03-15"), ValueDate: day("2024-03-15"),
				EndToEndID: "INV-2024-0042", BankRef: "ATL-7f3a9c", Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT",
				CounterpartName: "Müller & Söhne Straßenbau GmbH", CounterpartIBAN: "DE44500105175407324931", CounterpartBIC: "COBADEFFXXX",
				Remittance: "Rechnung INV-2024-0042 vom 01.03.2024, Café Zürich"},
			{Amount: 25075, BookingDate: day("2024-03-15"), ValueDate: day("2024-03-15"),
				EndToEndID: "DD-88812", MandateID: "M-2023-0007", BankRef: "ATL-0b41e2", Domain: "PMNT", Family: "IDDT", SubFamily: "ESDD",
				CounterpartName: "Stadtwerke Beispiel AG", CounterpartIBAN: "DE02120300000000202051", CounterpartBIC: "DEUTDEFFXXX",
				Remittance: "Strom März 2024"},
			{Amount: 98000, BookingDate: day("2024-03-15"), ValueDate: day("2024-03-18"),
				EndToEndID: "erp-payrun-2024-03-15-row-0007", BankRef: "0b9d6e4c8f1a4e2b9c3d7a5e1f0c2b4d",
				Domain: "PMNT", Family: "ICDT", SubFamily: "ESCT",
				CounterpartName: "Lieferant Ørsted A/S", CounterpartIBAN: "DK5000400440116243",
				Remittance: "Rechnungen 4711, 4712, 4713, 4714, 4715, 4716, 4717, 4718, 4719, 4720, 4721, 4722, 4723, 4724 — Sammelzahlung Q1 (siehe Avis per E-Mail an buchhaltung@example.com)"},
			{Amount: 98000, Credit: true, Reversal: true, BookingDate: day("2024-03-15"), ValueDate: day("2024-03-15"),
				EndToEndID: "PAY//17", BankRef: "ATL-ret-17", Domain: "PMNT", Family: "ICDT", SubFamily: "RRTN",
				CounterpartName: "Lieferant Ørsted A/S", Remittance: "Rücküberweisung AC04 Konto erloschen?"},
			{Amount: 150, BookingDate: day("2024-03-15"), ValueDate: day("2024-03-15"),
				BankRef: "FEE-0301", Domain: "ACMT", Family: "MDOP", SubFamily: "CHRG", Remittance: "Kontoführung 03/2024"},
		},
	}
	st.Closing = st.Opening
	for _, e := range st.Entries {
		st.Closing += e.Signed()
	}
	return st
}

// JPY is a currency without decimals, a debit closing balance and no
// IBAN.
func JPY() bankstmt.Statement {
	return bankstmt.Statement{
		ID: "jpy-1", OtherID: "0012345678", Currency: "JPY", Date: day("2024-03-15"), OpeningDate: day("2024-03-14"),
		CreatedAt: time.Date(2024, 3, 16, 5, 0, 0, 0, time.UTC),
		Opening:   1000, Closing: -500,
		Entries: []bankstmt.Entry{
			{Amount: 1500, BookingDate: day("2024-03-15"), ValueDate: day("2024-03-15"), BankRef: "JP1",
				Domain: "PMNT", Family: "ICDT", SubFamily: "DMCT", EndToEndID: "JP-1", CounterpartName: "山田商事"},
		},
	}
}

// Empty is a day without entries.
func Empty() bankstmt.Statement {
	return bankstmt.Statement{
		ID: "empty-1", IBAN: "GB33BUKB20201555555555", Currency: "GBP", Date: day("2024-03-15"), OpeningDate: day("2024-03-14"),
		CreatedAt: time.Date(2024, 3, 16, 5, 0, 0, 0, time.UTC), Opening: 500000, Closing: 500000,
	}
}

// Many is a statement of n entries alternating credit and debit.
func Many(n int) bankstmt.Statement {
	st := bankstmt.Statement{
		ID: "many", IBAN: "DE89370400440532013000", Currency: "EUR", Date: day("2024-03-15"), OpeningDate: day("2024-03-14"),
		CreatedAt: time.Date(2024, 3, 16, 5, 0, 0, 0, time.UTC), Opening: 100000000,
		Entries: make([]bankstmt.Entry, n),
	}
	st.Closing = st.Opening
	for i := range st.Entries {
		e := &st.Entries[i]
		*e = bankstmt.Entry{
			Amount: int64(100 + i%9973), Credit: i%2 == 0, BookingDate: st.Date, ValueDate: st.Date,
			EndToEndID: fmt.Sprintf("ERP-%08d", i), BankRef: fmt.Sprintf("TX%014d", i),
			Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT",
			CounterpartName: "Counterparty GmbH", CounterpartIBAN: "DE44500105175407324931", CounterpartBIC: "COBADEFFXXX",
			Remittance: fmt.Sprintf("Invoice %d of March 2024", i),
		}
		if !e.Credit {
			e.Family = "ICDT"
		}
		st.Closing += e.Signed()
	}
	return st
}
