package crashtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sftpserver"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/require"
)

// shared is what every process-level test of a run reuses: the bridge
// binary (built once) and a set of SFTP host keys (an RSA-3072 key takes a
// while to generate, and every rig would otherwise make its own).
var shared struct {
	dir string

	buildOnce sync.Once
	binary    string
	buildErr  error

	keysOnce sync.Once
	keysDir  string
	keysErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func sharedDir() (string, error) {
	if shared.dir == "" {
		d, err := os.MkdirTemp("", "crashtest-")
		if err != nil {
			return "", err
		}
		shared.dir = d
	}
	return shared.dir, nil
}

// needProcess skips the process-level tests under -short: they build and
// run the real binary and take minutes.
func needProcess(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("process-level crash harness; run without -short")
	}
}

// bridgeBinary builds cmd/bridge once per test run. It is built with -race
// when this test binary is, which reuses the race build cache `go test
// -race ./...` fills anyway and makes the bridge itself report data races
// under crash and fault load.
func bridgeBinary(t *testing.T) string {
	t.Helper()
	needProcess(t)
	shared.buildOnce.Do(func() {
		dir, err := sharedDir()
		if err != nil {
			shared.buildErr = err
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		out := filepath.Join(dir, "bridge")
		args := []string{"build", "-o", out}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "./cmd/bridge")
		cmd := exec.Command(goTool, args...)
		cmd.Dir = sharedtest.RepoRoot(t)
		start := time.Now()
		if b, err := cmd.CombinedOutput(); err != nil {
			shared.buildErr = fmt.Errorf("go %v: %w\n%s", args, err, b)
			return
		}
		t.Logf("built the bridge (race=%v) in %s", raceEnabled, time.Since(start).Round(time.Millisecond))
		shared.binary = out
	})
	require.NoError(t, shared.buildErr)
	return shared.binary
}

// hostKeys returns a folder of SFTP host keys to copy into a rig.
func hostKeys(t *testing.T) string {
	t.Helper()
	shared.keysOnce.Do(func() {
		dir, err := sharedDir()
		if err != nil {
			shared.keysErr = err
			return
		}
		shared.keysDir = filepath.Join(dir, "hostkeys")
		_, shared.keysErr = sftpserver.HostKeys(shared.keysDir)
	})
	require.NoError(t, shared.keysErr)
	return shared.keysDir
}

// seed returns the run's seed (CRASHTEST_SEED, else random), logged up
// front and again if the test fails, so a failure can be replayed.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("CRASHTEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, "CRASHTEST_SEED")
		s = n
	}
	t.Logf("seed=%d (replay with CRASHTEST_SEED=%d)", s, s)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("FAILED with seed=%d: replay with CRASHTEST_SEED=%d go test -run '%s' ./internal/crashtest/", s, s, t.Name())
		}
	})
	return s
}

func newRand(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// envInt reads a positive integer knob from the environment.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, name)
	require.Positive(t, n, name)
	return n
}
