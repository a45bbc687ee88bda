package atlartest

// msgForbidden is the message of a 403: authenticated, but the user's role
// lacks a permission the operation needs.
const msgForbidden = "Forbidden: the role of this user lacks a permission required by this operation."

// Forbid makes the given operations answer 403 Forbidden, as Atlar does
// for a programmatic user whose role lacks the permission; each pattern is
// a method and path as the fake routes them ("GET
// /payments/v2/counterparties", "GET
// /connectivity/v2beta/connections/{cid}/reports"). Forbid() with no
// patterns allows everything again.
func (s *Server) Forbid(patterns ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden = make(map[string]bool, len(patterns))
	for _, p := range patterns {
		s.forbidden[p] = true
	}
}

func (s *Server) isForbidden(pattern string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forbidden[pattern]
}
