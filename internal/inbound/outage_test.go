package inbound_test

import (
	"fmt"
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
	// the client reports an endpoint at most every 30s (≤ 20 per endpoint)
	// and steps failing on Atlar's outage at most once a minute for all
	// files together (once per file, four files made up to 48 here).
	require.LessOrEqualf(t, len(outage), 45, "warning lines during the outage:\n%s", joinLines(outage))
}

func joinLines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += l + "\n"
	}
	return out
}
