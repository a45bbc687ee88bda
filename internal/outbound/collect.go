package outbound

import (
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/state"
)

// modeCollections is the journal's mode of a collections file (pain.008
// or a direct-debit CSV), as package inbound records it.
const modeCollections state.Mode = "collections"

// renderDirectDebitCSV is the result CSV of a direct-debit CSV: the input
// rows in their own layout plus status, atlar_direct_debit_id,
// atlar_mandate_id and reason (csvpay.DirectDebitResultHeader). The
// mandate id is the row's copy inbound made when it created the direct
// debit (state.Payment.MandateID).
func renderDirectDebitCSV(f *state.File, r *Route, original []byte) ([]byte, error) {
	results := map[int][]string{}
	if f.State == state.Rejected {
		for _, p := range f.Problems {
			if p.Row > 0 {
				results[p.Row] = []string{"REJECTED", "", "", join(rowReason(results[p.Row]), p.Message)}
			}
		}
	}
	for _, p := range f.Payments {
		_, code, reason := txStatus(p)
		results[p.Row] = []string{resultStatus(p), p.PaymentID, p.MandateID, reasonText(code, reason)}
	}
	return csvpay.WriteResultColumns(original, r.CSV, csvpay.DirectDebitResultHeader, results, !r.KeepFormulas)
}

func rowReason(vals []string) string {
	if len(vals) < 4 {
		return ""
	}
	return vals[3]
}
