package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Seeded sandbox values (README, "Demo seed data") the generated CSV rows use.
const (
	sourceIBAN   = "DE89370400440532013000"
	counterparty = "external:fournisseur-sarl-eur"
)

// setup is what every scenario shares: a work folder, the built bridge, the
// fake Atlar and an SSH key for the SFTP user.
type setup struct {
	dir    string
	binary string
	fake   *fake
	signer ssh.Signer
	pub    string
}

// tree, when set (-tree), is another source tree to build the bridge
// from: a checkout of an earlier commit, for before/after figures.
var tree string

// newSetup builds the bridge into a fresh work folder and starts the fake.
func newSetup(latency time.Duration) (*setup, error) {
	dir, err := os.MkdirTemp("", "bridgebench-")
	if err != nil {
		return nil, err
	}
	s := &setup{dir: dir, binary: filepath.Join(dir, "bridge")}
	build := exec.Command("go", "build", "-o", s.binary, "./cmd/bridge")
	build.Dir = repoRoot()
	if tree != "" {
		build.Dir = tree
	}
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		s.close()
		return nil, fmt.Errorf("build bridge: %w", err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		s.close()
		return nil, err
	}
	if s.signer, err = ssh.NewSignerFromKey(key); err != nil {
		s.close()
		return nil, err
	}
	s.pub = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.signer.PublicKey())))
	if s.fake, err = startFake(latency); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *setup) close() {
	if s.fake != nil {
		s.fake.close()
	}
	if os.Getenv("KEEP") == "" {
		_ = os.RemoveAll(s.dir)
	} else {
		fmt.Fprintln(os.Stderr, "work folder kept:", s.dir)
	}
}

// repoRoot is the folder holding go.mod, found upwards from the working
// directory.
func repoRoot() string {
	d, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return "."
		}
		d = up
	}
}

// bridgeConfig is the config of a benchmark bridge: one CSV route, the SFTP
// server with one key user, the health listener, statements as shipped.
type bridgeConfig struct {
	Settle       string
	Workers      int
	PollInterval string
	LogLevel     string
}

const configTemplate = `version = 1
[atlar]
base_url = %q
access_key = "demo-key"
secret_env = "BENCH_ATLAR_SECRET"
[storage]
root = %q
[watch]
settle = %q
[sftp]
enabled = true
listen = %q
[[sftp.users]]
name = "erp"
authorized_keys = [%q]
routes = ["payables"]
[[routes]]
name = "payables"
format = "csv"
[results]
poll_interval = %q
[inbound]
workers = %d
[http]
listen = %q
[log]
level = %q
format = "json"
`

// bridge is a running `bridge run` process.
type bridge struct {
	cmd      *exec.Cmd
	root     string
	sftpAddr string
	httpAddr string
	done     chan error
}

// startBridge writes a config into s.dir/name and runs the bridge on it
// until it answers /readyz.
func (s *setup) startBridge(name string, c bridgeConfig) (*bridge, error) {
	if c.Settle == "" {
		c.Settle = "2s"
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.PollInterval == "" {
		c.PollInterval = "10s"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	b := &bridge{root: filepath.Join(s.dir, name), sftpAddr: freeAddr(), httpAddr: freeAddr(), done: make(chan error, 1)}
	if err := os.MkdirAll(b.root, 0o755); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(configTemplate, s.fake.url, filepath.Join(b.root, "data"), c.Settle, b.sftpAddr, s.pub,
		c.PollInterval, c.Workers, b.httpAddr, c.LogLevel)
	cfgPath := filepath.Join(b.root, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(b.root, "bridge.log"))
	if err != nil {
		return nil, err
	}
	b.cmd = exec.Command(s.binary, "run", "--config", cfgPath)
	b.cmd.Env = append(os.Environ(), "BENCH_ATLAR_SECRET=demo-secret")
	b.cmd.Stdout, b.cmd.Stderr = logFile, logFile
	if err := b.cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start bridge: %w", err)
	}
	go func() { b.done <- b.cmd.Wait(); logFile.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + b.httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b, nil
			}
		}
		select {
		case err := <-b.done:
			return nil, fmt.Errorf("bridge exited at start (%v); see %s", err, logFile.Name())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.stop()
			return nil, fmt.Errorf("bridge not ready after 30s; see %s", logFile.Name())
		}
	}
}

// stop ends the bridge with SIGTERM and waits for it.
func (b *bridge) stop() {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(40 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

func (b *bridge) pid() int { return b.cmd.Process.Pid }

// inbox is the route's inbox folder.
func (b *bridge) inbox() string { return filepath.Join(b.root, "data", "inbox", "payables") }

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// procStatus reads fields (in kB) such as VmRSS and VmHWM from
// /proc/PID/status.
func procStatus(pid int, fields ...string) (map[string]int64, error) {
	return readStatus(fmt.Sprintf("/proc/%d/status", pid), fields...)
}

// readStatus reads numeric fields of a /proc status file.
func readStatus(path string, fields ...string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		for _, want := range fields {
			if k == want {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				out[k] = n
			}
		}
	}
	return out, sc.Err()
}

// cpuTime is the user+system CPU a process used so far.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name; utime and stime are
	// the 14th and 15th fields of the line, in clock ticks (100 Hz).
	_, rest, ok := strings.Cut(string(data), ") ")
	if !ok {
		return 0, errors.New("bad /proc stat line")
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, errors.New("short /proc stat line")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// wakeups is the number of context switches of every thread of a process
// so far: a process that sleeps until there is work has few.
func wakeups(pid int) (int64, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, err
	}
	var n int64
	for _, t := range tasks {
		st, err := readStatus(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()),
			"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")
		if err != nil {
			continue // the thread ended
		}
		n += st["voluntary_ctxt_switches"] + st["nonvoluntary_ctxt_switches"]
	}
	return n, nil
}

// memPeak is a process's peak resident memory, with the split of the
// resident memory at the highest sample: anonymous (the Go heap and
// stacks) and file-backed (mostly the journal's memory map).
type memPeak struct {
	HWM, Anon, File float64 // MB
}

// peakRSS samples memory until ctx ends.
func peakRSS(ctx context.Context, pid int) memPeak {
	var p memPeak
	var top int64
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		if st, err := procStatus(pid, "VmHWM", "VmRSS", "RssAnon", "RssFile"); err == nil {
			p.HWM = max(p.HWM, float64(st["VmHWM"])/1024)
			if st["VmRSS"] > top {
				top = st["VmRSS"]
				p.Anon, p.File = float64(st["RssAnon"])/1024, float64(st["RssFile"])/1024
			}
		}
		select {
		case <-ctx.Done():
			return p
		case <-t.C:
		}
	}
}
