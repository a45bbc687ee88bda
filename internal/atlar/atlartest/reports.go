package atlartest

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/camt053"
)

// Report type values (ASSUMED: the connectivity API is not public).
const (
	reportType          = "STATEMENT"
	reportStatementType = "END_OF_DAY"
)

// report is one closed account statement. Reports never change once made.
type report struct {
	id       string
	account  *seedAccount
	date     string // statement date, YYYY-MM-DD
	created  time.Time
	from, to time.Time
	seq      int64
	opening  int64
	closing  int64
	entries  []bookedEntry
}

// bookedEntry is a statement line. For a line booked from an Atlar payment,
// externalID is that payment's externalId: it becomes the EndToEndId when
// the content is requested with externalIdAsEndToEndId=true.
type bookedEntry struct {
	camt053.Entry
	externalID string
}

var contentFormatRE = regexp.MustCompile(`^application/vnd\.iso20022\.(camt\.053\.001\.[0-9]{2})\+xml$`)

func (r *report) resource() atlar.Report {
	return atlar.Report{
		ID: r.id, ConnectionID: SeedConnectionID, Type: reportType, StatementType: reportStatementType,
		AccountIDs: []string{r.account.ID}, StatementDate: r.date, Created: timestamp(r.created),
	}
}

// statement renders the report's model; externalIDAsE2E puts payments'
// externalIds into EndToEndId.
func (r *report) statement(externalIDAsE2E bool) camt053.Statement {
	acct := camt053.Account{
		IBAN: r.account.IBAN(), Currency: r.account.Currency, OwnerName: SeedEntityName, BIC: r.account.BIC(),
	}
	if acct.IBAN == "" {
		acct.OtherID = r.account.Identifiers[0].Number
	}
	st := camt053.Statement{
		MsgID: "MSG" + compactID(r.id), ID: compactID(r.id), CreatedAt: r.created,
		From: r.from, To: r.to, SeqNb: r.seq, Account: acct,
		Opening: r.opening, Closing: r.closing, OpeningDate: r.from.UTC().Format(time.DateOnly), ClosingDate: r.date,
	}
	for _, e := range r.entries {
		entry := e.Entry
		if externalIDAsE2E && e.externalID != "" {
			entry.EndToEndID = e.externalID
		}
		st.Entries = append(st.Entries, entry)
	}
	return st
}

func (s *Server) handleListReports(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("cid") != SeedConnectionID {
		writeNotFound(w)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.closeReports(s.clock.Now())
	items := []atlar.Report{}
	for _, rep := range s.reports {
		res := rep.resource()
		if t := q.Get("type"); t != "" && t != res.Type {
			continue
		}
		if t := q.Get("statementType"); t != "" && t != res.StatementType {
			continue
		}
		items = append(items, res)
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

// reportByID finds a report of the demo connection. Reports are immutable,
// so the caller may use it after unlocking.
func (s *Server) reportByID(cid, rid string) *report {
	if cid != SeedConnectionID {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rep := range s.reports {
		if rep.id == rid {
			return rep
		}
	}
	return nil
}

func (s *Server) handleGetReport(w http.ResponseWriter, r *http.Request) {
	rep := s.reportByID(r.PathValue("cid"), r.PathValue("rid"))
	if rep == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, rep.resource())
}

// handleReportContent renders a report as camt.053 of the requested
// version: format=application/vnd.iso20022.camt.053.001.NN+xml with NN one
// of 02, 03, 04, 08.
func (s *Server) handleReportContent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := contentFormatRE.FindStringSubmatch(q.Get("format"))
	if m == nil || !slices.Contains(camt053.Versions, m[1]) {
		writeBadField(w, "format", "invalid_value", "must be application/vnd.iso20022.camt.053.001.NN+xml with NN one of 02, 03, 04, 08")
		return
	}
	e2e := false
	if v := q.Get("externalIdAsEndToEndId"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeBadField(w, "externalIdAsEndToEndId", "invalid_value", "must be true or false")
			return
		}
		e2e = b
	}
	rep := s.reportByID(r.PathValue("cid"), r.PathValue("rid"))
	if rep == nil {
		writeNotFound(w)
		return
	}
	out, err := camt053.Render(m[1], rep.statement(e2e))
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, camt053.ErrUnsupportedVersion) {
			status = http.StatusBadRequest
		}
		writeError(w, status, "render statement: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

// Reports returns every report closed so far, oldest first (without closing
// new ones).
func (s *Server) Reports() []atlar.Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]atlar.Report, 0, len(s.reports))
	for _, rep := range s.reports {
		out = append(out, rep.resource())
	}
	return out
}

// handleBankStatement serves the bank's own file of a report. The demo
// bank is taken to send camt.053.001.02 without the bridge's external ids
// (a bank knows only its own end-to-end ids), so the raw file is that
// rendering, byte for byte the same on every request.
func (s *Server) handleBankStatement(w http.ResponseWriter, r *http.Request) {
	rep := s.reportByID(r.PathValue("cid"), r.PathValue("rid"))
	if rep == nil {
		writeNotFound(w)
		return
	}
	out, err := camt053.Render(camt053.V02, rep.statement(false))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "render bank statement: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}
