package atlartest

import (
	"encoding/json"
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

// Collections and the vendor master. Each record carries the
// Idempotency-Key of the request that created it, so a test can assert
// "one resource per key / per externalId" after crashes and faults.

// CounterpartyRecord is a counterparty as GET shows it now.
type CounterpartyRecord struct {
	Counterparty   atlar.Counterparty
	IdempotencyKey string // "" for seed data
}

// Counterparties returns every counterparty, seeded ones first, then in
// creation order.
func (s *Server) Counterparties() []CounterpartyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CounterpartyRecord, 0, len(s.counterparties))
	for _, c := range s.counterparties {
		out = append(out, CounterpartyRecord{Counterparty: viaJSON[atlar.Counterparty](s.counterpartyJSON(c)), IdempotencyKey: c.idempotencyKey})
	}
	return out
}

// ExternalAccountRecord is an external account as GET shows it now.
type ExternalAccountRecord struct {
	ExternalAccount atlar.ExternalAccount
	IdempotencyKey  string // the counterparty's key for embedded accounts
}

// ExternalAccounts returns every external account, seeded ones first.
func (s *Server) ExternalAccounts() []ExternalAccountRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ExternalAccountRecord, 0, len(s.externalAccounts))
	for _, e := range s.externalAccounts {
		out = append(out, ExternalAccountRecord{ExternalAccount: viaJSON[atlar.ExternalAccount](e.json()), IdempotencyKey: e.idempotencyKey})
	}
	return out
}

// MandateRecord is a mandate as GET shows it now.
type MandateRecord struct {
	Mandate        atlar.Mandate
	IdempotencyKey string
}

// Mandates returns every mandate in creation order.
func (s *Server) Mandates() []MandateRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := make([]MandateRecord, 0, len(s.mandates))
	for _, m := range s.mandates {
		out = append(out, MandateRecord{Mandate: s.mandateView(m, now).Mandate, IdempotencyKey: m.idempotencyKey})
	}
	return out
}

// DirectDebitRecord is a direct debit as GET shows it now.
type DirectDebitRecord struct {
	DirectDebit    atlar.DirectDebit
	IdempotencyKey string
}

// DirectDebits returns every direct debit in creation order.
func (s *Server) DirectDebits() []DirectDebitRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	out := make([]DirectDebitRecord, 0, len(s.directDebits))
	for _, d := range s.directDebits {
		out = append(out, DirectDebitRecord{DirectDebit: viaJSON[atlar.DirectDebit](s.ddView(d, now)), IdempotencyKey: d.idempotencyKey})
	}
	return out
}

// viaJSON converts a served shape into the client's type, exactly as the
// client would decode it.
func viaJSON[T any](v any) T {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		panic("atlartest: convert " + err.Error()) // our own shapes: a bug in the fake
	}
	return out
}
