package crashtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// standbyProc is one `bridge run --standby` process with its own log.
type standbyProc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func (r *rig) startStandby(t *testing.T, n int) *standbyProc {
	t.Helper()
	logPath := filepath.Join(r.dir, fmt.Sprintf("standby-%d.log", n))
	f, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(r.bin, "run", "--standby", "--config", r.cfgPath)
	cmd.Env = append(os.Environ(), "CRASHTEST_ATLAR_SECRET="+r.secret)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	p := &standbyProc{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

func (p *standbyProc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// waitLog waits until the process's log contains s.
func (p *standbyProc) waitLog(t *testing.T, s string, timeout time.Duration) {
	t.Helper()
	require.Eventuallyf(t, func() bool { return strings.Contains(p.output(), s) }, timeout, 20*time.Millisecond,
		"waiting for %q in the log:\n%s", s, p.output())
}

// TestCrash_StandbyTakesOver runs an active bridge and a standby on the
// same storage root, drops files, SIGKILLs the active while its files are
// in flight and measures how long the standby takes to answer on the
// control endpoint; the killed one comes back as the next standby. After
// the last kill every file must be paid exactly once and none lost.
// STANDBY_KILLS sets the number of kills (default 3; the figure in the
// docs used 20).
func TestCrash_StandbyTakesOver(t *testing.T) {
	if testing.Short() {
		t.Skip("process-level test")
	}
	kills := 3
	if s := os.Getenv("STANDBY_KILLS"); s != "" {
		var err error
		kills, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	r := newRig(t, rigOptions{})
	led := &ledger{}
	active := r.startStandby(t, 0)
	active.waitLog(t, "bridge started", 30*time.Second)
	standby := r.startStandby(t, 1)
	standby.waitLog(t, "standby: another instance holds the journal lock", 30*time.Second)

	var takeovers []time.Duration
	dropped := 0
	for k := 1; k <= kills; k++ {
		r.dropBatch(t, led, fmt.Sprintf("SB%02d", k), 4)
		dropped += 4
		// Kill while the newest files are in flight: once Atlar holds the
		// first of this round's batches.
		require.Eventuallyf(t, func() bool { return len(r.fake.Batches()) > dropped-4 }, 30*time.Second, 10*time.Millisecond,
			"waiting for a batch of round %d:\n%s", k, active.output())
		require.NoError(t, active.cmd.Process.Signal(syscall.SIGKILL))
		<-active.done
		killed := time.Now()
		require.Eventuallyf(t, func() bool {
			var st status
			return r.control("/status", &st) == nil
		}, 30*time.Second, 5*time.Millisecond, "standby did not take over:\n%s", standby.output())
		takeovers = append(takeovers, time.Since(killed))
		require.Contains(t, standby.output(), "standby: the journal lock is free; taking over")
		active, standby = standby, r.startStandby(t, k+1)
		standby.waitLog(t, "standby: another instance holds the journal lock", 30*time.Second)
	}
	// Stop both cleanly: the standby first (a clean exit while waiting),
	// then the active.
	require.NoError(t, standby.cmd.Process.Signal(syscall.SIGTERM))
	<-standby.done
	require.Equal(t, 0, standby.cmd.ProcessState.ExitCode(), standby.output())
	require.NoError(t, active.cmd.Process.Signal(syscall.SIGTERM))
	<-active.done
	require.Equal(t, 0, active.cmd.ProcessState.ExitCode(), active.output())

	r.drain(led, 90*time.Second)
	v := r.verify(led)
	require.Zero(t, v.Duplicates)
	require.Zero(t, v.Lost)
	sorted := append([]time.Duration(nil), takeovers...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	t.Logf("verdict: %s", v)
	t.Logf("takeover after kill -9 over %d kills: min %s, median %s, max %s", len(sorted),
		sorted[0].Round(time.Millisecond), sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond))
}
