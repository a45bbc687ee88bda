package outbound

import (
	"strings"

	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/parties"
	"github.com/atlarbridge/bridge/internal/state"
)

// modeCounterparties is the journal's mode of a counterparties (vendor
// master) file; package inbound names it ModeCounterparties.
const modeCounterparties state.Mode = "counterparties"

// A counterparties file is not a payment message: the ERP gets no ack or
// pain.002 for it, only <name>.result.csv (every input row byte for byte
// plus status, counterparty_id, external_account_id, reason), whatever the
// route's results say, once the file is final. A rejected file also has
// its failed/ error report, as every rejected file.
func counterpartiesDue(f *state.File) []string {
	if !f.State.Final() {
		return nil
	}
	return []string{KindResultCSV}
}

// renderCounterpartiesCSV is the counterparties result CSV. Inbound keeps
// each row's outcome in the file's Payments: Status (CREATED, UPDATED,
// UNCHANGED, REJECTED), PaymentID the counterparty id, InstrID the
// external account id.
func renderCounterpartiesCSV(f *state.File, r *Route, original []byte) ([]byte, error) {
	results := map[int][]string{}
	if f.State == state.Rejected || len(f.Payments) == 0 {
		general := "file rejected"
		for _, p := range f.Problems {
			if p.Row > 0 {
				v := results[p.Row]
				if v == nil {
					v = []string{parties.StatusRejected, "", "", ""}
				}
				v[3] = join(v[3], p.Message)
				results[p.Row] = v
			} else if general == "file rejected" {
				general = "file rejected: " + p.Message
			}
		}
		for row := 1; row <= maxRow(original, r); row++ {
			if _, ok := results[row]; !ok {
				results[row] = []string{parties.StatusRejected, "", "", general}
			}
		}
	}
	for _, p := range f.Payments {
		status := strings.ToLower(p.Status)
		if status == "" {
			status = "not_sent"
		}
		results[p.Row] = []string{status, p.PaymentID, p.InstrID, p.Reason}
	}
	return csvpay.WriteResultColumns(original, r.CSV, csvpay.CounterpartyResultHeader, results, !r.KeepFormulas)
}
