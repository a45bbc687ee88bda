package atlartest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Errors returned by Approve and Reject.
var (
	// ErrNotFound means no payment or batch has the given id.
	ErrNotFound = errors.New("atlartest: no such payment or batch")
	// ErrNotPending means nothing is waiting for approval there: the
	// payment (or every payment of the batch) was auto-approved or already
	// decided, or the batch is not COMPLETED yet.
	ErrNotPending = errors.New("atlartest: nothing waiting for approval")
)

// Approve approves a payment waiting for approval (reference containing
// MagicApproval), or every such payment of a batch, given a payment id, a
// batch id or "external:<externalId>" of either. The payments then progress
// from APPROVED as auto-approved ones do.
func (s *Server) Approve(id string) error {
	return s.decide(id, func(p *payment, now time.Time) { p.approvedAt = now })
}

// Reject rejects a payment waiting for approval, or every such payment of a
// batch; they become REJECTED at once.
func (s *Server) Reject(id string) error {
	return s.decide(id, func(p *payment, now time.Time) { p.rejectedAt = now })
}

func (s *Server) decide(id string, apply func(*payment, time.Time)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	var targets []*payment
	if p := s.paymentByRef(id); p != nil {
		targets = []*payment{p}
	} else if b := s.batchByRef(id); b != nil {
		targets = b.payments
	} else {
		return fmt.Errorf("decide %s: %w", id, ErrNotFound)
	}
	n := 0
	for _, p := range targets {
		if p.needsApproval && p.approvedAt.IsZero() && p.rejectedAt.IsZero() {
			apply(p, now)
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("decide %s: %w", id, ErrNotPending)
	}
	return nil
}

// handlePaymentAction serves POST /payments/v2/credit-transfers/{id}:approve
// and :reject (body {approvalStepId} or {reason}; 202 without body).
func (s *Server) handlePaymentAction(w http.ResponseWriter, r *http.Request) {
	s.handleAction(w, r, func(id string) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.advance(s.clock.Now())
		return s.paymentByRef(id) != nil
	})
}

// handleBatchAction serves POST /payments/v2/credit-transfer-batches/{id}:approve
// and :reject.
func (s *Server) handleBatchAction(w http.ResponseWriter, r *http.Request) {
	s.handleAction(w, r, func(id string) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.advance(s.clock.Now())
		return s.batchByRef(id) != nil
	})
}

func (s *Server) handleAction(w http.ResponseWriter, r *http.Request, exists func(string) bool) {
	id, verb, ok := strings.Cut(r.PathValue("action"), ":")
	if !ok || (verb != "approve" && verb != "reject") || !exists(id) {
		writeNotFound(w)
		return
	}
	var body struct {
		ApprovalStepID string `json:"approvalStepId"`
		Reason         string `json:"reason"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, msgBadInput, jsonProblem(err)...)
		return
	}
	var err error
	if verb == "approve" {
		if body.ApprovalStepID == "" {
			writeBadField(w, "approvalStepId", "required", "is required")
			return
		}
		err = s.Approve(id)
	} else {
		err = s.Reject(id)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, msgBadInput, errorDetail("invalid_state", "nothing is waiting for approval", ""))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
