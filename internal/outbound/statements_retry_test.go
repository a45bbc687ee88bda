package outbound

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWorld_StatementsWaitOutAnOutage: Atlar is down when the poller
// starts. The client gives up within seconds, and the poller (not the
// client) waits: it polls again on its backoff, well before the 10-minute
// interval, and delivers the statements soon after Atlar is back, having
// logged the outage once.
func TestWorld_StatementsWaitOutAnOutage(t *testing.T) {
	w := newOBWorld(t, obOptions{SeedDays: 2, Statements: Statements{Enabled: true, PollInterval: 10 * time.Minute}})
	n := len(w.seededReports())
	w.fake.Down(true)
	w.build(true)
	delivered := func() bool { return len(w.names(w.lay.Statements())) == n }

	// pump moves the fake clock in 1s steps, yielding real time so the
	// loops run, until cond holds or max has passed on the fake clock.
	pump := func(max time.Duration, cond func() bool) bool {
		realDeadline := time.Now().Add(60 * time.Second)
		for passed := time.Duration(0); passed < max && time.Now().Before(realDeadline); passed += time.Second {
			if cond() {
				return true
			}
			w.clock.Advance(time.Second)
			time.Sleep(2 * time.Millisecond) // lets goroutines run; the fake clock is what the test controls
		}
		return cond()
	}
	pump(2*time.Minute, func() bool { return false })
	during := w.fake.Stats().Requests
	require.False(t, delivered())
	// Waits of 5-10s, 10-20s, 20-40s, 40-80s after the first poll (plus
	// the fake seconds the client's own short retries take): at least
	// three polls in two minutes, about five, three requests each.
	require.GreaterOrEqual(t, during, 3*3, "polled again during the outage")
	require.LessOrEqual(t, during, 3*8, "a handful of requests a minute")

	w.fake.Down(false)
	require.Truef(t, pump(3*time.Minute, delivered), "statements not delivered after the outage; logs:\n%s", w.logs)
	w.eventually(func() bool { return strings.Contains(w.logs.String(), "statement poll works again") }, "the poll's recovery report")
	logs := w.logs.String()
	require.Equal(t, 1, strings.Count(logs, "statement poll failed: Atlar unreachable"), logs)
	require.Equal(t, 1, strings.Count(logs, "statement poll works again"), logs)
}
