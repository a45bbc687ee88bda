package inbound_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// TestPipeline_AtlarDownTenMinutes takes Atlar down for ten minutes of the
// fake clock while files arrive: they queue, nothing is lost or sent
// twice, the bridge catches up once Atlar is back (within the retry cap),
// and the outage does not flood the log.
func TestPipeline_AtlarDownTenMinutes(t *testing.T) {
	w := newWorld(t)
	w.start(worldOptions{})
	w.fake.Down(true)
	var ids []string
	for i := range 3 {
		ids = append(ids, w.drop("payables", fmt.Sprintf("run%d.csv", i), csvData(fmt.Sprintf("DOWN%d", i))))
	}
	ids = append(ids, w.drop("sepa", "sepa.xml", painData("MSG-DOWN-1")))
	w.pump(time.Second, 10*time.Minute, func() bool { return false })
	for _, id := range ids {
		f := w.file(id)
		require.Falsef(t, f.State.Final(), "%s is %s during the outage", f.Name, f.State)
	}
	require.Empty(t, w.fake.Batches())
	outage := w.logs.lines("WARN", "ERROR")

	w.fake.Down(false)
	back := w.clock.Now()
	allDone := func() bool {
		for _, id := range ids {
			if f, err := w.store.Get(id); err != nil || f.State != state.Completed {
				return false
			}
		}
		return true
	}
	require.Truef(t, w.pump(time.Second, 15*time.Minute, allDone), "not caught up; logs:\n%s", w.logs)
	t.Logf("caught up %s after Atlar came back; %d warning/error lines during the 10-minute outage",
		w.clock.Since(back), len(outage))
	require.Len(t, w.fake.Batches(), 3, "one batch per CSV file")
	require.Len(t, w.fake.Instructions(), 1, "one instruction")
	// Four files, ten minutes: a line per file per retry would be hundreds;
	// the outage is reported once for all files (a reminder only after
	// outageRemind, 15 minutes).
	require.Lenf(t, outage, 1, "warning lines during the outage:\n%s", joinLines(outage))
}

func joinLines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += l + "\n"
	}
	return out
}

// TestPipeline_TwoMinuteOutageWaitsOnTheTimetable: a file dropped during
// a two-minute outage (503 to everything) is submitted once Atlar is back,
// the bridge asks the fake only a handful of times a minute meanwhile (the
// client gives up fast, the timetable waits), and the log reports the
// outage once: one "Atlar unreachable" and one "Atlar back" line.
func TestPipeline_TwoMinuteOutageWaitsOnTheTimetable(t *testing.T) {
	w := newWorld(t)
	w.start(worldOptions{})
	w.fake.Down(true)
	id := w.drop("payables", "outage.csv", csvData("OUT2"))
	w.pump(time.Second, 2*time.Minute, func() bool { return false })
	during := w.fake.Stats().Requests
	require.Empty(t, w.fake.Batches())
	require.False(t, w.file(id).State.Final())

	w.fake.Down(false)
	require.Truef(t, w.pump(time.Second, 10*time.Minute, func() bool { return len(w.fake.Batches()) == 1 }),
		"not submitted after the outage; logs:\n%s", w.logs)
	t.Logf("%d requests during the 2-minute outage", during)
	// Each retry is MaxRetries+1 = 3 requests (the token fetch); the
	// backoff from the 10s poll interval (waits of 5-10s, 10-20s, 20-40s,
	// 40-80s) allows at most five retries in two minutes.
	require.LessOrEqual(t, during, 3*6, "requests during the outage (a handful a minute)")
	require.GreaterOrEqual(t, during, 2, "the file was tried during the outage")

	logs := w.logs.String()
	require.Equal(t, 1, strings.Count(logs, `msg="Atlar unreachable`), logs)
	require.Equal(t, 1, strings.Count(logs, `msg="Atlar back"`), logs)
	require.Empty(t, w.logs.lines("ERROR"))
}
