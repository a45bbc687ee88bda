package outbound

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/pain002"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/google/uuid"
)

func pain002Version(r *Route) string {
	if r.Pain002Version == "" {
		return pain002.V10
	}
	return r.Pain002Version
}

// header fills the report's group header and original-message echo.
func header(f *state.File, suffix string, now time.Time) pain002.Report {
	rep := pain002.Report{
		MsgID:           f.ID + "-" + suffix,
		CreatedAt:       now.UTC(),
		InitiatingParty: "Atlar Bridge",
		OrgnlMsgID:      f.ID,
		OrgnlMsgNmID:    "CSV",
	}
	if f.Format == "pain001" {
		rep.OrgnlMsgNmID = "pain.001"
	}
	if o := f.Original; o != nil {
		// A pain.001 too broken to read its MsgId (or namespace) keeps
		// the file id (or plain "pain.001") rather than an empty echo.
		rep.OrgnlMsgID = orDefault(o.MsgID, rep.OrgnlMsgID)
		rep.OrgnlMsgNmID = orDefault(o.MsgNameID, rep.OrgnlMsgNmID)
		rep.OrgnlNbOfTxs, rep.OrgnlCtrlSum = o.NbOfTxs, o.CtrlSum
	}
	if f.MsgID != "" {
		rep.OrgnlMsgID = f.MsgID
	}
	return rep
}

// renderAck is the pain.002 acknowledgement: ACTC once Atlar accepted the
// file, RJCT with every reason when the bridge or Atlar rejected it.
func renderAck(f *state.File, r *Route, now time.Time) ([]byte, error) {
	rep := header(f, "ACK", now)
	if anyAccepted(f) {
		rep.GroupStatus = pain002.ACTC
		for _, note := range movedNotes(f) {
			rep.GroupReasons = append(rep.GroupReasons, pain002.Reason{Code: pain002.Narrative, Info: note})
		}
	} else {
		rep.GroupStatus = pain002.RJCT
		for _, p := range f.Problems {
			code := p.Code
			if code == "" {
				code = "NARR"
			}
			rep.GroupReasons = append(rep.GroupReasons, pain002.Reason{Code: code, Info: p.Message})
		}
		if len(rep.GroupReasons) == 0 {
			rep.GroupReasons = []pain002.Reason{{Code: "NARR", Info: "rejected"}}
		}
		rep.PaymentInfos = rejectedTransactions(f)
	}
	return pain002.Render(pain002Version(r), rep)
}

// movedNotes says, per requested date, what became of payments whose
// requested execution date was already past when the file was processed:
// the bridge makes them today (transfers), as a bank does with a pain.001,
// or forwards the file unchanged (instruction) for the bank to decide.
func movedNotes(f *state.File) []string {
	type moved struct{ from, to string }
	counts := map[moved]int{}
	var order []moved
	for _, p := range f.Payments {
		if p.RequestedDate == "" {
			continue
		}
		m := moved{p.RequestedDate, p.ExecutionDate}
		if counts[m] == 0 {
			order = append(order, m)
		}
		counts[m]++
	}
	// Each note fits one AddtlInf (105 characters).
	notes := make([]string, 0, len(order))
	for _, m := range order {
		if m.to == "" {
			notes = append(notes, fmt.Sprintf("execution date %s was past: %d payment(s) forwarded unchanged, the bank decides", m.from, counts[m]))
			continue
		}
		notes = append(notes, fmt.Sprintf("execution date %s was past: %d payment(s) sent for %s instead", m.from, counts[m], m.to))
	}
	return notes
}

// movedText is the result CSV's note for one such payment.
func movedText(p state.Payment) string {
	switch {
	case p.RequestedDate == "":
		return ""
	case p.ExecutionDate == "":
		return "execution date " + p.RequestedDate + " was past: forwarded unchanged, the bank decides"
	}
	return "execution date " + p.RequestedDate + " was past: sent for " + p.ExecutionDate + " instead"
}

// rejectedTransactions lists, per original PmtInf block, the transactions
// a rejected pain.001 was rejected for, each with its own reasons, so an
// ERP can match the rejection by OrgnlPmtInfId and OrgnlEndToEndId. The
// group reasons still list every problem for the person reading it.
func rejectedTransactions(f *state.File) []pain002.PaymentInfo {
	var (
		infos []pain002.PaymentInfo
		index = map[string]int{}    // PmtInfId → infos index
		txs   = map[[2]string]int{} // PmtInfId, EndToEndId → tx index
	)
	for _, p := range f.Problems {
		if p.Row <= 0 || (p.PmtInfID == "" && p.EndToEndID == "") {
			continue
		}
		// CSV input has no PmtInf: its one block is the file, as in
		// the status report.
		p.PmtInfID = orDefault(p.PmtInfID, f.ID)
		i, ok := index[p.PmtInfID]
		if !ok {
			i = len(infos)
			index[p.PmtInfID] = i
			infos = append(infos, pain002.PaymentInfo{OrgnlPmtInfID: p.PmtInfID, Status: pain002.RJCT})
		}
		code := orDefault(p.Code, pain002.Narrative)
		key := [2]string{p.PmtInfID, strconv.Itoa(p.Row)}
		if k, ok := txs[key]; ok {
			t := &infos[i].Transactions[k]
			t.Reasons = append(t.Reasons, pain002.Reason{Code: code, Info: p.Message})
			continue
		}
		txs[key] = len(infos[i].Transactions)
		infos[i].Transactions = append(infos[i].Transactions, pain002.Transaction{
			OrgnlEndToEndID: p.EndToEndID, Status: pain002.RJCT,
			Reasons: []pain002.Reason{{Code: code, Info: p.Message}},
		})
	}
	return infos
}

// renderStatus is the per-transaction pain.002: interim (pending) or final.
func renderStatus(f *state.File, r *Route, kind string, now time.Time) ([]byte, error) {
	sfx := "RES"
	if kind == KindPending {
		sfx = "PND"
	}
	rep := header(f, sfx, now)
	counts := map[string]int{}
	blocks := map[string]*pain002.PaymentInfo{}
	var order []string
	for _, p := range f.Payments {
		id := p.PmtInfID
		if id == "" {
			id = f.ID
		}
		b, ok := blocks[id]
		if !ok {
			b = &pain002.PaymentInfo{OrgnlPmtInfID: id}
			if f.Original != nil {
				for _, op := range f.Original.PmtInfs {
					if op.ID == id {
						b.OrgnlNbOfTxs, b.OrgnlCtrlSum = op.NbOfTxs, op.CtrlSum
					}
				}
			}
			blocks[id] = b
			order = append(order, id)
		}
		code, rcode, reason := txStatus(p)
		counts[code]++
		tx := pain002.Transaction{OrgnlInstrID: p.InstrID, OrgnlEndToEndID: p.ExternalID, Status: code,
			Amount: p.Amount, Currency: p.Currency}
		if p.PaymentID != "" {
			tx.StsID = stsID(p.PaymentID)
		}
		if reason != "" || rcode != "" {
			tx.Reasons = []pain002.Reason{pain002.ReasonFor(rcode, reason)}
		}
		b.Transactions = append(b.Transactions, tx)
	}
	for _, id := range order {
		rep.PaymentInfos = append(rep.PaymentInfos, *blocks[id])
	}
	switch {
	case counts[pain002.PDNG] > 0:
		rep.GroupStatus = pain002.PDNG
	case counts[pain002.RJCT] == len(f.Payments):
		rep.GroupStatus = pain002.RJCT
	case counts[pain002.RJCT] > 0:
		rep.GroupStatus = pain002.PART
	case counts[pain002.ACSP] > 0:
		rep.GroupStatus = pain002.ACSP
	default:
		rep.GroupStatus = pain002.ACSC
	}
	for _, p := range f.Problems {
		rep.GroupReasons = append(rep.GroupReasons, pain002.Reason{Code: "NARR", Info: p.Message})
	}
	for _, note := range movedNotes(f) {
		rep.GroupReasons = append(rep.GroupReasons, pain002.Reason{Code: pain002.Narrative, Info: note})
	}
	return pain002.Render(pain002Version(r), rep)
}

// txStatus maps Atlar's payment status to a pain.002 transaction status,
// with the reason code Atlar passed on (if any) and the reason in words.
// Statuses Atlar may add later are reported as pending. Atlar's ACCEPTED
// (the bank took the payment, settlement to follow) is ISO's ACSP, not
// ACCP, which only says the customer profile checks passed.
func txStatus(p state.Payment) (status, code, reason string) {
	switch p.Status {
	case atlar.PaymentExecuted:
		return pain002.ACSC, "", ""
	case atlar.PaymentRejected, atlar.PaymentFailed:
		return pain002.RJCT, p.ReasonCode, orDefault(p.Reason, "rejected by Atlar or the bank ("+p.Status+")")
	case atlar.PaymentReturned:
		return pain002.RJCT, p.ReasonCode, orDefault(p.Reason, "returned by the receiving bank")
	case "ACCEPTED":
		return pain002.ACSP, "", p.Reason
	}
	reason = p.Reason
	if reason == "" && p.Status != "" {
		reason = "status in Atlar: " + p.Status
	}
	return pain002.PDNG, "", reason
}

// reasonText is the reason column of result CSVs: the bank's code, if
// any, before the words.
func reasonText(code, reason string) string {
	if code == "" || reason == "" {
		return code + reason
	}
	return code + ": " + reason
}

// resultStatus is the status column of result CSVs.
func resultStatus(p state.Payment) string {
	switch {
	case p.Status == "":
		return "PENDING"
	case atlar.PaymentTerminal(p.Status) || p.Status == "ACCEPTED":
		return p.Status
	}
	return "PENDING"
}

// renderCSV is the result CSV: for CSV input the input rows in their own
// layout plus status, atlar_payment_id and reason; for pain.001 input one
// row per transaction.
func renderCSV(f *state.File, r *Route, original []byte) ([]byte, error) {
	if f.Format == "csv" && f.Mode == modeCollections && original != nil {
		if out, err := renderDirectDebitCSV(f, r, original); err == nil || f.State != state.Rejected {
			return out, err
		}
	}
	if f.Mode == modeCounterparties && original != nil {
		out, err := renderCounterpartiesCSV(f, r, original)
		if err == nil || f.State != state.Rejected {
			return out, err
		}
	}
	if f.Format == "csv" && original != nil {
		results := map[int]csvpay.RowResult{}
		if f.State == state.Rejected {
			general := "file rejected"
			for _, p := range f.Problems {
				if p.Row > 0 {
					rr := results[p.Row]
					rr.Status = "REJECTED"
					rr.Reason = join(rr.Reason, p.Message)
					results[p.Row] = rr
				} else if general == "file rejected" {
					general = "file rejected: " + p.Message
				}
			}
			for row := 1; row <= maxRow(original, r); row++ {
				if _, ok := results[row]; !ok {
					results[row] = csvpay.RowResult{Status: "NOT_SENT", Reason: general}
				}
			}
		}
		for _, p := range f.Payments {
			_, code, reason := txStatus(p)
			results[p.Row] = csvpay.RowResult{Status: resultStatus(p), PaymentID: p.PaymentID, Reason: join(reasonText(code, reason), movedText(p))}
		}
		if !r.KeepFormulas {
			for row, rr := range results {
				rr.Reason = escapeFormula(rr.Reason)
				results[row] = rr
			}
		}
		out, err := csvpay.WriteResult(original, r.CSV, results)
		if err == nil || f.State != state.Rejected {
			return out, err
		}
	}
	if f.Format == "csv" && f.State == state.Rejected {
		// A file too broken to echo (not text, wrong encoding) or too
		// large to read still gets its reasons, one per line.
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"row", "field", "value", "status", "reason"})
		for _, p := range f.Problems {
			// Value echoes the ERP's bad input, Message contains it: both
			// are the bridge's words here, not a row the ERP re-imports.
			value, msg := p.Value, p.Message
			if !r.KeepFormulas {
				value, msg = escapeFormula(value), escapeFormula(msg)
			}
			_ = w.Write([]string{strconv.Itoa(p.Row), p.Field, value, "REJECTED", msg})
		}
		w.Flush()
		return b.Bytes(), w.Error()
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"external_id", "pmt_inf_id", "amount", "currency", "status", "atlar_payment_id", "reason"})
	for _, p := range f.Payments {
		_, code, reason := txStatus(p)
		reason = join(reasonText(code, reason), movedText(p))
		if !r.KeepFormulas {
			reason = escapeFormula(reason)
		}
		_ = w.Write([]string{p.ExternalID, p.PmtInfID, money.Format(p.Amount, p.Currency), p.Currency, resultStatus(p), p.PaymentID, reason})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// maxRow counts data rows so every row of a rejected file gets a status;
// a file too broken to read gets none.
func maxRow(original []byte, r *Route) int {
	n, err := csvpay.CountRows(original, r.CSV)
	if err != nil {
		return 0
	}
	return n
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// escapeFormula defuses a text cell that a spreadsheet would run as a
// formula, as OWASP's CSV-injection guidance says: a cell starting with
// = + - @, a tab or a carriage return gets a leading single quote, which
// Excel and LibreOffice show as text and do not evaluate. It is applied to
// the text the bridge adds (reasons, which quote Atlar's and the bank's
// words and the ERP's bad values), never to the ERP's own cells, which are
// echoed byte for byte so that the ERP can import its result again (a
// negative amount starts with - legitimately).
func escapeFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// stsID is the pain.002 StsId (at most 35 characters) for an Atlar payment
// id. Atlar's ids are UUIDs (36 characters): without their hyphens they
// fit in 32 and the id can be rebuilt (8-4-4-4-12) to look the payment up
// in Atlar. Another id that fits is kept as it is; one that does not is
// cut, which the ERP can still match on the transaction's EndToEndId.
func stsID(id string) string {
	if u, err := uuid.Parse(id); err == nil {
		return strings.ReplaceAll(u.String(), "-", "")
	}
	if len(id) <= 35 {
		return id
	}
	return id[:35]
}
