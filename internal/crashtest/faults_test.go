package crashtest

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/stretchr/testify/require"
)

// faultWindow is one stretch of the API fault schedule.
type faultWindow struct {
	name   string
	faults atlartest.Faults
	down   bool
	expire bool // expire every token at the start of the window
}

// apiFaults are the windows the schedule draws from. "30%" injects each
// kind at 6% on every request (token endpoint included): 5xx, 429 with
// Retry-After, 425, connection resets and responses lost after their
// effect. "slow" holds every create for longer than the bridge's 1s
// timeout. "down" answers 503 to everything.
func apiFaults(rng *rand.Rand) faultWindow {
	base := atlartest.Faults{Seed: rng.Int64(), Rate5xx: 0.06, Rate429: 0.06, RetryAfter: 1, Rate425: 0.06,
		RateReset: 0.06, RateLostResponse: 0.06}
	switch x := rng.IntN(10); {
	case x < 5:
		return faultWindow{name: "30% faults", faults: base}
	case x < 7:
		slow := base
		slow.Latency = 1500 * time.Millisecond
		slow.Only = []string{"POST /payments/v2beta/credit-transfer-batches", "POST /connectivity/"}
		return faultWindow{name: "slow creates", faults: slow}
	case x < 9:
		return faultWindow{name: "30% faults, tokens expired", faults: base, expire: true}
	}
	return faultWindow{name: "Atlar down", down: true}
}

// faultSchedule switches the fake's faults every 1–3 seconds until
// stopped, and counts the windows.
type faultSchedule struct {
	fake *atlartest.Server
	rng  *rand.Rand
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	windows map[string]int
}

func (s *faultSchedule) start() {
	s.stop, s.done, s.windows = make(chan struct{}), make(chan struct{}), map[string]int{}
	go func() {
		defer close(s.done)
		for i := 0; ; i++ {
			w := apiFaults(s.rng)
			if i == 2 {
				w = faultWindow{name: "Atlar down", down: true} // at least one outage per run
			}
			s.mu.Lock()
			s.windows[w.name]++
			s.mu.Unlock()
			s.fake.SetFaults(w.faults)
			s.fake.Down(w.down)
			if w.expire {
				s.fake.ExpireTokens()
			}
			select {
			case <-s.stop:
				s.fake.SetFaults(atlartest.Faults{})
				s.fake.Down(false)
				return
			case <-time.After(time.Duration(1000+s.rng.IntN(2000)) * time.Millisecond): // the schedule
			}
		}
	}()
}

func (s *faultSchedule) end() {
	close(s.stop)
	<-s.done
}

func (s *faultSchedule) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for k, n := range s.windows {
		parts = append(parts, fmt.Sprintf("%s×%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// TestFaults_API runs the bridge against an Atlar that fails 30% of the
// time in every way the fake knows, with slow creates beyond the client
// timeout, tokens expired mid-run and short outages, while files arrive by
// folder and SFTP and the bridge is also SIGKILLed now and then. Once the
// faults stop, every file must have been paid exactly once.
func TestFaults_API(t *testing.T) {
	s := seed(t)
	rng := newRand(s, 3)
	r := newRig(t, rigOptions{SFTP: true, Statements: true, Timeout: "1s", Extra: collectionsRoute})
	led := &ledger{}
	d := &dropper{r: r, led: led, rng: newRand(s, 4), tag: "F", max: envInt(t, "CRASHTEST_FAULT_FILES", 60), interval: 250 * time.Millisecond}
	first := r.start("")
	r.waitReady(first, 30*time.Second)
	r.kill(first)

	sched := &faultSchedule{fake: r.fake, rng: newRand(s, 5)}
	sched.start()
	coll := &collections{r: r, tag: "FC"}
	coll.drop(t, envInt(t, "CRASHTEST_FAULT_COLLECTIONS", 8))
	d.start()
	defer d.finish()
	k := &killTally{ByStep: map[string]int{}}
	until := time.Now().Add(time.Duration(envInt(t, "CRASHTEST_FAULT_SECONDS", 25)) * time.Second)
	for time.Now().Before(until) {
		p := r.start("")
		select {
		case <-p.done:
			t.Fatalf("the bridge ended by itself under API faults (exit %d):\n%s", p.exitCode(), r.output(p))
		case <-time.After(time.Duration(500+rng.IntN(2000)) * time.Millisecond): // random kill instant
			r.kill(p)
			k.Total++
			k.Random++
		}
	}
	sched.end()
	for d.finish(); !d.finished(); {
		r.cycle(rng, k)
	}
	r.drain(led, 120*time.Second)
	v := r.verify(led)
	st := r.fake.Stats()
	t.Logf("fault windows: %s", sched)
	t.Logf("faults injected: %d 5xx, %d 429, %d 425, %d connection resets, %d responses lost after their effect, "+
		"%d 401 after token expiry (%d tokens issued), %d idempotent replays; %d SIGKILLs; %d of %d requests faulted",
		st.Served5xx, st.Served429, st.Served425, st.Resets, st.LostResponses, st.Unauthorized, st.TokensIssued, st.Replays,
		k.Total, st.Served5xx+st.Served429+st.Served425+st.Resets+st.LostResponses, st.Requests)
	t.Logf("verdict: %s", v)
	require.Zero(t, v.Duplicates)
	require.Zero(t, v.Lost)
	coll.verify(t, 120*time.Second)
}
