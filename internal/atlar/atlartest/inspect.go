package atlartest

import (
	"slices"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// BatchRecord is a batch as the server stores it, for tests that assert
// what was created (e.g. exactly one batch per externalId after a crash).
type BatchRecord struct {
	// Batch is the resource as GET would show it now.
	Batch atlar.CreditTransferBatch
	// Request is the accepted request, normalised: every amount carries
	// both value and stringValue.
	Request        atlar.CreateCreditTransferBatchRequest
	IdempotencyKey string
	// Results and Payments are empty until the batch is COMPLETED.
	Results  []atlar.BatchResult
	Payments []atlar.CreditTransfer
}

// Batches returns every batch created, oldest first, as GET shows it now.
func (s *Server) Batches() []atlar.CreditTransferBatch {
	recs := s.BatchRecords()
	out := make([]atlar.CreditTransferBatch, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.Batch)
	}
	return out
}

// BatchRecords returns every batch created, oldest first, with its request,
// results and payments.
func (s *Server) BatchRecords() []BatchRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	out := make([]BatchRecord, 0, len(s.batches))
	for _, b := range s.batches {
		rec := BatchRecord{
			Batch:          batchResource(s.batchView(b, now)),
			Request:        b.request,
			IdempotencyKey: b.idempotencyKey,
			Results:        slices.Clone(b.results),
		}
		rec.Request.Payments = slices.Clone(b.request.Payments)
		for _, p := range b.payments {
			rec.Payments = append(rec.Payments, paymentResource(s.paymentView(p, now)))
		}
		out = append(out, rec)
	}
	return out
}

// Payments returns every payment created, oldest first, as GET shows it now.
func (s *Server) Payments() []atlar.CreditTransfer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	out := make([]atlar.CreditTransfer, 0, len(s.payments))
	for _, p := range s.payments {
		out = append(out, paymentResource(s.paymentView(p, now)))
	}
	return out
}

// Instructions returns every instruction received, oldest first, with the
// exact uploaded bytes.
func (s *Server) Instructions() []InstructionRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := make([]InstructionRecord, 0, len(s.instructions))
	for _, in := range s.instructions {
		out = append(out, InstructionRecord{
			Instruction: s.instructionView(in, now), Content: slices.Clone(in.content), IdempotencyKey: in.idempotencyKey,
		})
	}
	return out
}

func batchResource(v batchJSON) atlar.CreditTransferBatch {
	b := v.CreditTransferBatch
	b.ApprovalSteps = v.ApprovalSteps
	b.Errors = slices.Clone(v.Errors)
	return b
}

func paymentResource(v paymentJSON) atlar.CreditTransfer {
	ct := v.CreditTransfer
	ct.Source = snapshotRef(v.Source)
	ct.Destination = snapshotRef(v.Destination)
	ct.ApprovalSteps = v.ApprovalSteps
	return ct
}

func snapshotRef(a accountSnapshotJSON) *atlar.AccountRef {
	return &atlar.AccountRef{Type: a.Type, ID: a.ID, Market: a.Market, Identifiers: a.Identifiers, Routing: a.Routing}
}
