package atlartest

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// maxBatchErrors is how many record errors a batch lists itself; the rest
// are only in /results.
const maxBatchErrors = 255

var resourceIDRE = regexp.MustCompile(`^[a-zA-Z0-9\-]{1,256}$`)

// batch is a created credit-transfer batch. Its status is derived from the
// clock; its records are processed (payments created, record errors found)
// the first time the server looks at it after it reached COMPLETED.
type batch struct {
	id             string
	externalID     string
	treatment      string
	created        time.Time
	request        atlar.CreateCreditTransferBatchRequest
	input          inputContentJSON
	idempotencyKey string

	processed bool
	results   []atlar.BatchResult
	errors    []atlar.ErrorDetail
	payments  []*payment
	stepID    string // the batch's approval step
}

type inputContentJSON struct {
	ContentType string `json:"contentType"`
	RecordCount int    `json:"recordCount"`
	Size        int    `json:"size"`
	Checksum    string `json:"checksum"`
	Filename    string `json:"filename,omitempty"`
}

type batchResultsJSON struct {
	Total     int                      `json:"total"`
	Succeeded int                      `json:"succeeded"`
	Failed    int                      `json:"failed"`
	Skipped   int                      `json:"skipped"`
	Processed atlar.BatchResultSummary `json:"processed"`
	Sums      []atlar.Amount           `json:"sums"`
}

// batchJSON is the CreditTransferBatch resource as served.
type batchJSON struct {
	atlar.CreditTransferBatch
	OrganizationID string               `json:"organizationId"`
	InputContent   inputContentJSON     `json:"inputContent"`
	Results        *batchResultsJSON    `json:"results,omitempty"`
	ApprovalSteps  []atlar.ApprovalStep `json:"approvalSteps"`
	Version        int                  `json:"version"`
	ETag           string               `json:"etag"`
}

// phase returns how many BatchStep periods have passed, capped at 2
// (0 CREATED, 1 PROCESSING_STARTED, 2 COMPLETED).
func (s *Server) batchPhase(b *batch, now time.Time) int {
	return min(int(now.Sub(b.created)/s.opts.BatchStep), 2)
}

func (s *Server) batchView(b *batch, now time.Time) batchJSON {
	phase := max(s.batchPhase(b, now), 0)
	out := batchJSON{
		CreditTransferBatch: atlar.CreditTransferBatch{
			ID: b.id, Treatment: b.treatment, ExternalID: b.externalID,
			Status:  []string{atlar.BatchCreated, atlar.BatchProcessingStarted, atlar.BatchCompleted}[phase],
			Created: timestamp(b.created),
			Updated: timestamp(b.created.Add(time.Duration(phase) * s.opts.BatchStep)),
		},
		OrganizationID: SeedOrganizationID,
		InputContent:   b.input,
		ApprovalSteps:  []atlar.ApprovalStep{},
		Version:        phase + 1,
	}
	if phase == 2 && b.processed {
		sum := atlar.BatchResultSummary{Total: len(b.results)}
		sums := map[string]int64{}
		var order []string
		for _, p := range b.payments {
			c := p.req.Amount.Currency
			if _, ok := sums[c]; !ok {
				order = append(order, c)
			}
			sums[c] += p.req.Amount.Value
		}
		sum.Succeeded = len(b.payments)
		sum.Failed = sum.Total - sum.Succeeded
		out.ResultSummary = &sum
		res := &batchResultsJSON{Total: sum.Total, Succeeded: sum.Succeeded, Failed: sum.Failed, Processed: sum, Sums: []atlar.Amount{}}
		for _, c := range order {
			res.Sums = append(res.Sums, atlar.Amount{Currency: c, Value: sums[c], StringValue: formatMinor(sums[c], c)})
		}
		out.Results = res
		out.Errors = b.errors
		out.ApprovalSteps = []atlar.ApprovalStep{s.batchApprovalStep(b)}
		if out.ApprovalSteps[0].Status == "APPROVED" && !out.ApprovalSteps[0].AutoApproved {
			out.Version++
		}
	}
	out.ETag = fmt.Sprintf("version:%d", out.Version)
	out.CreditTransferBatch.Version, out.CreditTransferBatch.ETag = out.Version, out.ETag
	return out
}

// batchApprovalStep is PENDING while a BATCH-treatment batch has payments
// waiting for approval, and auto-approved otherwise.
func (s *Server) batchApprovalStep(b *batch) atlar.ApprovalStep {
	st := atlar.ApprovalStep{ID: b.stepID, ApprovalChainID: approvalChainID, Status: "APPROVED", AutoApproved: true}
	for _, p := range b.payments {
		if p.needsApproval {
			st.AutoApproved = false
			if b.treatment == "BATCH" && p.approvedAt.IsZero() && p.rejectedAt.IsZero() {
				st.Status = "PENDING"
			}
		}
	}
	return st
}

// advance processes every batch that reached COMPLETED, in creation order,
// so that "already used" externalIds are decided as Atlar would: by the
// order the records were processed. Callers hold s.mu.
func (s *Server) advance(now time.Time) {
	for _, b := range s.batches {
		if !b.processed && s.batchPhase(b, now) == 2 {
			s.process(b)
		}
	}
}

// process turns a batch's records into payments or record errors.
func (s *Server) process(b *batch) {
	completed := b.created.Add(2 * s.opts.BatchStep)
	for i, req := range b.request.Payments {
		at := fmt.Sprintf("payments.%d", i)
		var errs problems
		src := s.account(req.Source.ID)
		switch {
		case src == nil:
			errs.add(at+".source.id", "not_found", "account %q not found", req.Source.ID)
		case src.Currency != req.Amount.Currency:
			errs.add(at+".amount.currency", "invalid_value", "must equal the source account's currency %s", src.Currency)
		}
		dest, ok := s.resolveDestination(req.Destination)
		if !ok {
			errs.add(at+".destination.id", "not_found", "%s %q not found", strings.ToLower(req.Destination.Type), req.Destination.ID)
		}
		if req.ExternalID != "" {
			if _, used := s.externalIDs[req.ExternalID]; used {
				errs.add(at+".externalId", "duplicate", "externalId %q is already used", req.ExternalID)
			}
		}
		if strings.Contains(req.Reference, MagicInvalid) {
			errs.add(at+".reference", "invalid_value", "reference rejected by validation (magic value %s)", MagicInvalid)
		}
		idx := i
		if len(errs) > 0 {
			b.results = append(b.results, atlar.BatchResult{Errors: errs, RecordIndex: &idx})
			for _, e := range errs {
				if len(b.errors) < maxBatchErrors {
					b.errors = append(b.errors, e)
				}
			}
			continue
		}
		p := s.newPayment(b, i, req, src, dest, completed)
		b.results = append(b.results, atlar.BatchResult{PaymentID: p.id, RecordIndex: &idx})
	}
	b.processed = true
}

// batchByRef finds a batch by id or "external:<externalId>". Callers hold s.mu.
func (s *Server) batchByRef(ref string) *batch {
	ext, byExt := strings.CutPrefix(ref, "external:")
	for _, b := range s.batches {
		if (byExt && b.externalID != "" && b.externalID == ext) || (!byExt && b.id == ref) {
			return b
		}
	}
	return nil
}

func (s *Server) handleGetBatch(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	b := s.batchByRef(r.PathValue("id"))
	if b == nil {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.batchView(b, now))
}

func (s *Server) handleListBatches(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := s.clock.Now()
	s.advance(now)
	items := make([]batchJSON, 0, len(s.batches))
	for _, b := range s.batches {
		items = append(items, s.batchView(b, now))
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}

// handleBatchResults lists a batch's record results. Only an Atlar id is
// accepted here (not external:), as in the spec. Before COMPLETED the list
// is empty. Filters: errors=true|false, skipped=true|false.
func (s *Server) handleBatchResults(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !resourceIDRE.MatchString(id) {
		writeBadField(w, "id", "invalid_value", "must be an Atlar resource id")
		return
	}
	q := r.URL.Query()
	errFilter, skipFilter := q.Get("errors"), q.Get("skipped")
	for name, v := range map[string]string{"errors": errFilter, "skipped": skipFilter} {
		if v != "" && v != "true" && v != "false" {
			writeBadField(w, name, "invalid_value", "must be true or false")
			return
		}
	}
	s.mu.Lock()
	s.advance(s.clock.Now())
	b := s.batchByRef(id)
	if b == nil {
		s.mu.Unlock()
		writeNotFound(w)
		return
	}
	items := []atlar.BatchResult{}
	for _, res := range b.results {
		if errFilter != "" && (len(res.Errors) > 0) != (errFilter == "true") {
			continue
		}
		if skipFilter != "" && res.Skipped != (skipFilter == "true") {
			continue
		}
		items = append(items, res)
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}
