package atlartest

import "maps"

// Stats counts what the server saw and did, for tests to assert on.
type Stats struct {
	// Requests counts every request received, faults included.
	Requests int
	// ByEndpoint counts requests per route pattern, e.g.
	// "POST /payments/v2beta/credit-transfer-batches"; "unmatched" for the rest.
	ByEndpoint map[string]int
	// ByStatus counts the answers sent per HTTP status (replays included;
	// resets and lost responses are not answers).
	ByStatus map[int]int

	TokensIssued int
	Unauthorized int // 401 answers

	// BatchCreateAttempts counts batch POSTs that reached the handler
	// (valid or not); idempotent replays and fault answers are not attempts.
	BatchCreateAttempts int
	// BatchesCreated counts batches actually created (201).
	BatchesCreated      int
	InstructionsCreated int

	// Collections and the vendor master (counterparties.go,
	// collections.go). *Attempts count POSTs/PATCHes that reached the
	// handler with a valid body (replays and faults are not attempts);
	// the others count resources actually created or patched.
	CounterpartyCreateAttempts    int
	CounterpartiesCreated         int
	ExternalAccountCreateAttempts int
	ExternalAccountsCreated       int // embedded ones included
	CounterpartyPatchAttempts     int
	CounterpartyPatches           int
	MandateCreateAttempts         int
	MandatesCreated               int
	MandatesCancelled             int
	DirectDebitCreateAttempts     int
	DirectDebitsCreated           int

	Replays       int // idempotent replays served
	Served425     int
	Served429     int
	Served5xx     int
	Resets        int // connections reset without an answer (RateReset)
	LostResponses int // connections reset after the effect (RateLostResponse)
}

func newStats() Stats {
	return Stats{ByEndpoint: map[string]int{}, ByStatus: map[int]int{}}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByEndpoint = maps.Clone(s.stats.ByEndpoint)
	st.ByStatus = maps.Clone(s.stats.ByStatus)
	return st
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.stats)
}

func (s *Server) countStatus(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.ByStatus[status]++
	switch {
	case status == 401:
		s.stats.Unauthorized++
	case status == 425:
		s.stats.Served425++
	case status == 429:
		s.stats.Served429++
	case status >= 500:
		s.stats.Served5xx++
	}
}
