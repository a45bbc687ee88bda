package atlartest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxBody caps request bodies (a 1000-payment batch is well under 1 MiB).
const maxBody = 32 << 20

// serveHTTP runs every request through the same pipeline:
// request id → down → faults → auth → idempotency → latency → handler →
// (idempotency record) → lost response or answer.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	_, pattern := s.mux.Handler(r)
	endpoint := pattern
	if endpoint == "" {
		endpoint = "unmatched"
	}
	reqID := s.beginRequest(endpoint)
	w.Header().Set("Request-Id", reqID)

	status, note := s.serve(w, r, pattern)
	s.log.Debug("atlartest request", "method", r.Method, "path", r.URL.Path, "status", status,
		"request_id", reqID, "fault", note, "duration_ms", time.Since(start).Milliseconds())
}

// serve does the work of serveHTTP and returns the status answered (0 when
// the connection was reset) and a note naming an injected fault.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, pattern string) (int, string) {
	if s.isDown() {
		writeError(w, http.StatusServiceUnavailable, "Service unavailable.")
		s.countStatus(http.StatusServiceUnavailable)
		return http.StatusServiceUnavailable, "down"
	}

	plan := s.planFaults(r)
	switch {
	case plan.reset:
		s.count(func(st *Stats) { st.Resets++ })
		resetConn(w)
		return 0, "reset"
	case plan.status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter()))
		writeError(w, plan.status, "Too many requests.")
		s.countStatus(plan.status)
		return plan.status, "429"
	case plan.status == http.StatusTooEarly:
		writeError(w, plan.status, "Too early: the request is still being processed.")
		s.countStatus(plan.status)
		return plan.status, "425"
	case plan.status != 0:
		writeError(w, plan.status, http.StatusText(plan.status)+".")
		s.countStatus(plan.status)
		return plan.status, "5xx"
	}

	if pattern != "POST "+tokenPath && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="atlar", Bearer`)
		writeError(w, http.StatusUnauthorized, msgUnauthorized)
		s.countStatus(http.StatusUnauthorized)
		return http.StatusUnauthorized, ""
	}
	if s.isForbidden(pattern) {
		writeError(w, http.StatusForbidden, msgForbidden)
		s.countStatus(http.StatusForbidden)
		return http.StatusForbidden, "forbidden"
	}

	key := r.Header.Get("Idempotency-Key")
	if r.Method != http.MethodPost || pattern == "POST "+tokenPath {
		key = "" // only creates are idempotent; a token request is not a create
	}
	if key != "" {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "Request body too large.")
			s.countStatus(http.StatusRequestEntityTooLarge)
			return http.StatusRequestEntityTooLarge, ""
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		fp := fingerprint(r, body)
		if rec, status := s.idemBegin(key, fp); status != 0 {
			if rec != nil {
				s.count(func(st *Stats) { st.Replays++ })
				rec.flush(w)
			} else {
				writeIdemError(w, status)
			}
			s.countStatus(status)
			return status, fmt.Sprintf("idempotency %d", status)
		}
	}

	if !wait(r.Context(), plan.latency) {
		s.idemAbort(key)
		return 0, "latency: client gone"
	}

	rec := newRecorder()
	if pattern == "" {
		// Unknown path or method: let the mux pick 404 or 405, answer JSON.
		s.mux.ServeHTTP(rec, r)
		switch status := rec.code(); status {
		case http.StatusNotFound:
			rec = newRecorder()
			writeNotFound(rec)
		case http.StatusMethodNotAllowed:
			allow := rec.header.Get("Allow")
			rec = newRecorder()
			rec.header.Set("Allow", allow)
			writeError(rec, status, "Method not allowed.")
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		s.mux.ServeHTTP(rec, r)
	}
	s.idemFinish(key, rec)

	if plan.lost {
		s.count(func(st *Stats) { st.LostResponses++ })
		resetConn(w)
		return 0, "lost response"
	}
	s.countStatus(rec.code())
	rec.flush(w)
	return rec.code(), ""
}

func (s *Server) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}

// beginRequest counts the request and returns a fresh request id.
func (s *Server) beginRequest(endpoint string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqSeq++
	s.stats.Requests++
	s.stats.ByEndpoint[endpoint]++
	return fmt.Sprintf("req_%s_%06d", s.reqIDPfx, s.reqSeq)
}
