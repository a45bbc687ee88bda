//go:build linux

package wine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/require"
)

// wine is a usable Wine installation: the shared run.sh and its prefix.
type wine struct {
	runSh, prefix string
}

// needWine returns the Wine set up by ../shared/tools/windows/setup.sh. It
// skips the test when Wine or the prefix is missing, and fails it instead
// when WINE_E2E=1 (CI runs setup.sh first and must not skip silently).
func needWine(t *testing.T) wine {
	t.Helper()
	missing := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...) + " (run ../shared/tools/windows/setup.sh)"
		if os.Getenv("WINE_E2E") == "1" {
			t.Fatal("WINE_E2E=1: " + msg)
		}
		t.Skip(msg)
	}
	if testing.Short() {
		t.Skip("the Wine end-to-end test is slow; skipped with -short")
	}
	for _, tool := range []string{"wine", "wineserver"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing("%s is not installed", tool)
		}
	}
	prefix := os.Getenv("WINEPREFIX")
	if prefix == "" {
		home, err := os.UserHomeDir()
		require.NoError(t, err)
		prefix = filepath.Join(home, ".wine-go")
	}
	// Go >= 1.24 binaries need the stand-in DLL that setup.sh builds.
	dll := filepath.Join(prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	if _, err := os.Stat(dll); err != nil {
		missing("wine prefix %s is not prepared: %v", prefix, err)
	}
	runSh := filepath.Join(sharedtest.RepoRoot(t), "..", "shared", "tools", "windows", "run.sh")
	if _, err := os.Stat(runSh); err != nil {
		missing("%v", err)
	}
	return wine{runSh: runSh, prefix: prefix}
}

// buildWindows cross-compiles a package of this module to out.
func buildWindows(t *testing.T, pkg, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = sharedtest.RepoRoot(t)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "GOOS=windows go build %s:\n%s", pkg, b)
}

// winPath is how a Linux path looks to a program under Wine.
func winPath(p string) string {
	return "Z:" + strings.ReplaceAll(p, "/", `\`)
}

// proc is a Windows program running under Wine in its own process group.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// start runs exe under Wine with its output appended to logPath.
func (w wine) start(t *testing.T, logPath, exe string, args ...string) *proc {
	t.Helper()
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	t.Cleanup(func() { _ = out.Close() })
	cmd := exec.Command("bash", append([]string{w.runSh, exe}, args...)...)
	cmd.Env = append(os.Environ(), "WINEPREFIX="+w.prefix)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own group, so that stopping it reaches wine and its children
	// and nothing of the test's.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p
}

// stop interrupts the process group (Wine turns SIGINT into a Ctrl-C for a
// console program) and kills it if it has not exited within grace. It
// reports whether the program exited by itself.
func (p *proc) stop(grace time.Duration) (graceful bool) {
	select {
	case <-p.done:
		return true
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-p.done:
		return true
	case <-time.After(grace):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	return false
}

// exited reports whether the program has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// killServer ends the prefix's wineserver and every Wine process it runs.
func (w wine) killServer() {
	cmd := exec.Command("wineserver", "-k")
	cmd.Env = append(os.Environ(), "WINEPREFIX="+w.prefix)
	// It exits non-zero when no wineserver runs: nothing to end.
	_ = cmd.Run()
}

// liveProcesses lists the processes (zombies aside) whose command line
// mentions dir, in its Linux or its Windows spelling.
func liveProcesses(dir string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		line := string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		if !strings.Contains(line, dir) && !strings.Contains(line, winPath(dir)) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			// "pid (comm) S ...": the state follows the last ')'.
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
				continue
			}
		}
		found = append(found, e.Name()+": "+line)
	}
	return found
}

// eventually polls cond every 100ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logLines returns the lines of a log file that contain every one of subs.
func logLines(path string, subs ...string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
next:
	for sc.Scan() {
		for _, s := range subs {
			if !strings.Contains(sc.Text(), s) {
				continue next
			}
		}
		out = append(out, sc.Text())
	}
	return out
}

// tail returns the last n lines of a file, for failure messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
