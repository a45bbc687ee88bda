package atlartest

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// Faults are switchable failures applied to matching requests. Rates are
// probabilities in [0, 1], drawn from a math/rand generator seeded with
// Seed, so a sequential client sees the same faults on every run. The zero
// value injects nothing.
type Faults struct {
	// Latency delays every matching request by this much REAL time (not the
	// injected clock): it simulates a slow network so that a client's
	// per-attempt timeout fires. The wait ends early when the request's
	// context is cancelled; the request is then dropped without effect.
	// While a request with an Idempotency-Key waits, the key is in flight
	// and a second request with it gets 425 Too Early.
	Latency time.Duration
	// Rate5xx answers 500, 502, 503 or 504 without any effect.
	Rate5xx float64
	// Rate429 answers 429 Too Many Requests with a Retry-After header of
	// RetryAfter seconds, without any effect.
	Rate429 float64
	// RetryAfter is the Retry-After value of 429 answers, in seconds.
	// Default 1.
	RetryAfter int
	// Rate425 answers 425 Too Early without any effect.
	Rate425 float64
	// RateReset closes the connection (TCP reset) without answering and
	// without any effect.
	RateReset float64
	// RateLostResponse applies the request's effect (a batch is created, an
	// instruction stored, a token issued) and then resets the connection
	// instead of answering: the "response lost after the effect" case.
	RateLostResponse float64
	// Only restricts faults to matching requests. Each entry is a path
	// prefix, optionally preceded by a method and a space:
	// "POST /payments/v2beta/credit-transfer-batches", "/connectivity/".
	// Empty: every request, including the token endpoint.
	Only []string
	// Seed seeds the generator; SetFaults restarts it.
	Seed int64
}

// faultPlan is what the faults decided for one request.
type faultPlan struct {
	latency time.Duration
	reset   bool
	lost    bool
	status  int // 5xx, 425 or 429 answered instead of handling
}

func newFaultRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// SetFaults replaces the active faults and restarts the fault generator
// from f.Seed.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.RetryAfter <= 0 {
		f.RetryAfter = 1
	}
	f.Only = append([]string(nil), f.Only...)
	s.faults = f
	s.rng = newFaultRand(f.Seed)
}

// Down makes every request (including the token endpoint) answer 503 while
// down is true.
func (s *Server) Down(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (f Faults) matches(r *http.Request) bool {
	if len(f.Only) == 0 {
		return true
	}
	for _, o := range f.Only {
		method, prefix, ok := strings.Cut(o, " ")
		if !ok {
			method, prefix = "", o
		}
		if method != "" && !strings.EqualFold(method, r.Method) {
			continue
		}
		if strings.HasPrefix(r.URL.Path, prefix) {
			return true
		}
	}
	return false
}

// planFaults draws the same number of random values for every matching
// request, whichever faults are enabled, so that enabling one fault does not
// shift when another one fires.
func (s *Server) planFaults(r *http.Request) faultPlan {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if !f.matches(r) {
		return faultPlan{}
	}
	var d [6]float64
	for i := range d {
		d[i] = s.rng.Float64()
	}
	p := faultPlan{latency: f.Latency}
	switch {
	case d[0] < f.RateReset:
		p.reset = true
	case d[1] < f.Rate5xx:
		p.status = []int{500, 502, 503, 504}[int(d[5]*4)%4]
	case d[2] < f.Rate429:
		p.status = http.StatusTooManyRequests
	case d[3] < f.Rate425:
		p.status = http.StatusTooEarly
	case d[4] < f.RateLostResponse:
		p.lost = true
	}
	return p
}

func (s *Server) retryAfter() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.RetryAfter <= 0 {
		return 1
	}
	return s.faults.RetryAfter
}

// resetConn hijacks the connection and closes it with a TCP reset, so the
// client sees "connection reset" rather than an HTTP answer. Where the
// connection cannot be hijacked (HTTP/2), the request is aborted instead.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// wait sleeps for d of real time or until ctx is done; it reports whether
// the full delay elapsed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
