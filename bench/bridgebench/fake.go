package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
)

// batchPath is the request the benchmarks time: the first Atlar request a
// CSV file causes (the account list is cached after the warm-up file).
const batchPath = "/payments/v2beta/credit-transfer-batches"

// fake is the Atlar sandbox on a loopback port, noting when the first
// batch create for each payment externalId arrived and how many creates
// each one had.
type fake struct {
	srv  *atlartest.Server
	http *http.Server
	url  string

	mu      sync.Mutex
	first   map[string]time.Time // payment externalId → first create seen
	creates map[string]int       // payment externalId → creates seen
}

func startFake(latency time.Duration) (*fake, error) {
	f := &fake{
		srv: atlartest.New(atlartest.Options{SeedDays: 1,
			// Pages as big as the client asks (up to Atlar's 500), as Atlar
			// serves them: the default of 2 is for catching paging bugs, and
			// turned a poll of a 1,000-payment batch into 500 requests.
			PageSize: 500}),
		first:   map[string]time.Time{},
		creates: map[string]int{},
	}
	if latency > 0 {
		f.srv.SetFaults(atlartest.Faults{Latency: latency})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.url = "http://" + ln.Addr().String()
	f.http = &http.Server{Handler: http.HandlerFunc(f.serve)}
	go func() { _ = f.http.Serve(ln) }()
	return f, nil
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == batchPath {
		at := time.Now()
		body, err := io.ReadAll(r.Body)
		if err == nil {
			var req struct {
				Payments []struct {
					ExternalID string `json:"externalId"`
				} `json:"payments"`
			}
			if json.Unmarshal(body, &req) == nil {
				f.mu.Lock()
				for _, p := range req.Payments {
					if _, ok := f.first[p.ExternalID]; !ok {
						f.first[p.ExternalID] = at
					}
					f.creates[p.ExternalID]++
				}
				f.mu.Unlock()
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	f.srv.Handler().ServeHTTP(w, r)
}

// firstCreate returns when the first create naming a payment arrived.
func (f *fake) firstCreate(externalID string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.first[externalID]
	return t, ok
}

// seen returns how many payments have been created at least once.
func (f *fake) seen() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.first)
}

// firstTimes returns the first-create times of every payment seen.
func (f *fake) firstTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Time, 0, len(f.first))
	for _, t := range f.first {
		out = append(out, t)
	}
	return out
}

func (f *fake) close() { _ = f.http.Close() }
