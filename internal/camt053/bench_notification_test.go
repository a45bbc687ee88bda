package camt053

import (
	"fmt"
	"io"
	"testing"
	"time"
)

func BenchmarkWriteNotification(b *testing.B) {
	st := Statement{MsgID: "M", ID: "S", CreatedAt: time.Date(2024, 3, 16, 5, 0, 0, 0, time.UTC),
		Account: Account{IBAN: "DE89370400440532013000", Currency: "EUR"}, OpeningDate: "2024-03-14", ClosingDate: "2024-03-15"}
	for i := range 10_000 {
		st.Entries = append(st.Entries, Entry{Amount: int64(100 + i), Currency: "EUR", Credit: i%2 == 0,
			BookingDate: "2024-03-15", ValueDate: "2024-03-15", AcctSvcrRef: fmt.Sprintf("TX%014d", i),
			Domain: "PMNT", Family: "RCDT", SubFamily: "ESCT", EndToEndID: fmt.Sprintf("ERP-%08d", i),
			Reference: fmt.Sprintf("Invoice %d of March 2024", i), CounterpartName: "Counterparty GmbH",
			CounterpartIBAN: "DE44500105175407324931", CounterpartBIC: "COBADEFFXXX"})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteNotification(io.Discard, Notification02, st); err != nil {
			b.Fatal(err)
		}
	}
}
