package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// rigOptions shape one experiment.
type rigOptions struct {
	SFTP       bool
	Statements bool
	// Timeout is atlar.timeout (default "5s").
	Timeout string
	// Root overrides the storage root (e.g. a small tmpfs).
	Root string
	// Secret is the Atlar secret (default a random one).
	Secret string
	// Extra is appended to the config (more routes, log settings…).
	Extra string
	// Fake tunes the fake Atlar; its steps default to 100ms.
	Fake atlartest.Options
}

// rig is one experiment: a storage root and config on disk, the fake Atlar
// served over HTTP by this test process (so it outlives every kill), and
// the bridge binary started against them again and again.
type rig struct {
	t        *testing.T
	bin      string
	dir      string
	root     string
	cfgPath  string
	secret   string
	fake     *atlartest.Server
	url      string
	tap      *tokenTap
	sftpAddr string
	erpKey   ssh.Signer
	logPath  string
	log      *os.File
	runs     int

	mu   sync.Mutex
	live *proc
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, bin: bridgeBinary(t), dir: t.TempDir(), tap: &tokenTap{}}
	r.root = o.Root
	if r.root == "" {
		r.root = filepath.Join(r.dir, "data")
	}
	r.secret = o.Secret
	if r.secret == "" {
		r.secret = "s3cr3t-" + randHex(12)
	}
	fo := o.Fake
	fo.AccessKey, fo.Secret = "crash-key", r.secret
	for _, d := range []*time.Duration{&fo.BatchStep, &fo.PaymentStep, &fo.InstructionStep} {
		if *d == 0 {
			*d = 100 * time.Millisecond
		}
	}
	r.fake = atlartest.New(fo)
	srv := httptest.NewServer(r.tap.wrap(r.fake.Handler()))
	t.Cleanup(srv.Close)
	r.url = srv.URL

	timeout := o.Timeout
	if timeout == "" {
		timeout = "5s"
	}
	var sftpConf string
	if o.SFTP {
		r.sftpAddr = sharedtest.FreeAddr(t)
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		r.erpKey, err = ssh.NewSignerFromKey(priv)
		require.NoError(t, err)
		keyDir := filepath.Join(r.dir, "hostkeys")
		copyDir(t, hostKeys(t), keyDir, 0o600)
		sftpConf = fmt.Sprintf(sftpTemplate, r.sftpAddr, keyDir,
			strings.TrimSpace(string(ssh.MarshalAuthorizedKey(r.erpKey.PublicKey()))))
	}
	cfg := fmt.Sprintf(configTemplate, r.url, timeout, r.root, o.Statements) + sftpConf + routesTemplate + o.Extra
	if o.Statements {
		cfg += reportsTemplate
	}
	r.cfgPath = filepath.Join(r.dir, "config.toml")
	require.NoError(t, os.WriteFile(r.cfgPath, []byte(cfg), 0o600))

	r.logPath = filepath.Join(r.dir, "bridge.log")
	var err error
	r.log, err = os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	t.Cleanup(func() {
		r.mu.Lock()
		p := r.live
		r.mu.Unlock()
		tail := r.logTail(60)
		var stacks string
		if p != nil && t.Failed() {
			stacks = r.stacks(p)
		}
		if p != nil {
			p.signal(syscall.SIGKILL)
			<-p.done
		}
		_ = r.log.Close()
		if t.Failed() {
			t.Logf("bridge log (last 60 lines of %s):\n%s", r.logPath, tail)
			if stacks != "" {
				t.Logf("the bridge's own goroutines when the test failed:\n%s", stacks)
			}
		}
	})
	return r
}

const configTemplate = `version = 1
[atlar]
base_url = %q
access_key = "crash-key"
secret_env = "CRASHTEST_ATLAR_SECRET"
timeout = %q
[storage]
root = %q
[watch]
settle = "100ms"
rescan = "1s"
[statements]
enabled = %v
format = "camt.053.001.02"
external_id_as_end_to_end_id = true
poll_interval = "2s"
[results]
poll_interval = "200ms"
max_poll = "1s"
[log]
level = "debug"
format = "json"
`

// reportsTemplate renders every statement as MT940 and BAI2 too, and the
// day's bookings as intraday MT942 every 5s, so the storms check that a
// kill while reports are written delivers each once, numbered without gaps.
const reportsTemplate = `
[[reports]]
name = "mt940"
format = "mt940"
[[reports]]
name = "bai2"
format = "bai2"
[[reports]]
name = "mt942"
format = "mt942"
interval = "5s"
`

const sftpTemplate = `[sftp]
enabled = true
listen = %q
host_key_dir = %q
login_delay = "10ms"
max_sessions = 64
max_sessions_per_user = 32
[[sftp.users]]
name = "erp"
authorized_keys = [%q]
routes = ["payables", "sepa", "sepa-transfers"]
`

const routesTemplate = `[[routes]]
name = "payables"
format = "csv"
[[routes]]
name = "marked"
format = "csv"
done_marker = ".done"
[[routes]]
name = "sepa"
format = "pain001"
mode = "instruction"
connection_id = "auto"
[[routes]]
name = "sepa-transfers"
format = "pain001"
mode = "transfers"
`

// proc is one run of the bridge binary.
type proc struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logFrom int64
	crash   string
}

// start runs `bridge run` with the crash switch set to crash ("" for none).
func (r *rig) start(crash string) *proc {
	r.t.Helper()
	r.mu.Lock()
	require.Nil(r.t, r.live, "a bridge is already running")
	r.mu.Unlock()
	r.runs++
	off, err := r.log.Seek(0, io.SeekEnd)
	require.NoError(r.t, err)
	fmt.Fprintf(r.log, "=== crashtest: run %d, crash switch %q ===\n", r.runs, crash)
	cmd := exec.Command(r.bin, "run", "--config", r.cfgPath)
	cmd.Env = append(os.Environ(), "CRASHTEST_ATLAR_SECRET="+r.secret)
	if crash != "" {
		cmd.Env = append(cmd.Env, "ATLAR_BRIDGE_TEST_CRASH_AFTER="+crash)
	}
	cmd.Stdout, cmd.Stderr = r.log, r.log
	require.NoError(r.t, cmd.Start())
	p := &proc{cmd: cmd, done: make(chan struct{}), logFrom: off, crash: crash}
	r.mu.Lock()
	r.live = p
	r.mu.Unlock()
	go func() {
		p.waitErr = cmd.Wait()
		r.mu.Lock()
		if r.live == p {
			r.live = nil
		}
		r.mu.Unlock()
		close(p.done)
	}()
	return p
}

func (p *proc) signal(sig syscall.Signal) { _ = p.cmd.Process.Signal(sig) }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill SIGKILLs the bridge and waits until it is gone.
func (r *rig) kill(p *proc) {
	p.signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit (the bridge drains for at
// most 30s); it returns the exit code.
func (r *rig) stop(p *proc) int {
	r.t.Helper()
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(45 * time.Second):
		r.kill(p)
		r.t.Fatalf("bridge did not stop within 45s of SIGTERM")
	}
	return p.exitCode()
}

// exitCode is the process's exit status, or -1 when a signal ended it.
func (p *proc) exitCode() int {
	if p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// killedBySignal reports whether SIGKILL (not the bridge) ended the run.
func (p *proc) killedBySignal() bool {
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// output is what the run wrote to the log.
func (r *rig) output(p *proc) string {
	data, err := os.ReadFile(r.logPath)
	if err != nil || int64(len(data)) < p.logFrom {
		return ""
	}
	return string(data[p.logFrom:])
}

// stacks makes a bridge still running when its test failed dump its
// goroutines (SIGQUIT) and returns those running the bridge's own code: a
// wait that timed out may be a hang, and this says where.
func (r *rig) stacks(p *proc) string {
	off, err := r.log.Seek(0, io.SeekEnd)
	if err != nil {
		return ""
	}
	p.signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		return ""
	}
	data, err := os.ReadFile(r.logPath)
	if err != nil || int64(len(data)) < off {
		return ""
	}
	// Goroutines with the same stack (sixteen idle workers) are shown once,
	// each frame on a line of its own: function and file:line.
	count := map[string]int{}
	var order []string
	for _, g := range strings.Split(string(data[off:]), "\n\n") {
		if !strings.Contains(g, "atlarbridge/bridge/internal") {
			continue
		}
		lines := strings.Split(strings.TrimSpace(g), "\n")
		state := lines[0][strings.LastIndex(lines[0], "["):]
		var b strings.Builder
		for i := 1; i+1 < len(lines); i += 2 {
			fn := lines[i][:max(strings.LastIndex(lines[i], "("), 0)]
			at := strings.Fields(strings.TrimSpace(lines[i+1]))[0]
			fmt.Fprintf(&b, "\n    %s %s", fn, at)
		}
		key := state + b.String()
		if count[key] == 0 {
			order = append(order, key)
		}
		count[key]++
	}
	var out strings.Builder
	for _, k := range order {
		fmt.Fprintf(&out, "%d× %s\n", count[k], k)
	}
	return out.String()
}

func (r *rig) logTail(n int) string {
	data, _ := os.ReadFile(r.logPath)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// status is the part of the control endpoint's GET /status the harness
// reads.
type status struct {
	Totals            map[string]int `json:"totals"`
	PendingDeliveries int            `json:"pendingDeliveries"`
}

// fileLine is one entry of the control endpoint's GET /files.
type fileLine struct {
	ID, Route, Name, State, Path string
	Outputs                      []string
}

// control calls the running bridge's control endpoint.
func (r *rig) control(path string, out any) error {
	sock := filepath.Join(r.root, "state", "control.sock")
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://bridge" + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("control %s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}

// waitReady waits until the bridge answers on its control endpoint.
func (r *rig) waitReady(p *proc, timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var st status
		if err := r.control("/status", &st); err == nil {
			return
		}
		if p.exited() {
			r.t.Fatalf("bridge exited (code %d) before it was ready:\n%s", p.exitCode(), r.output(p))
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("bridge not ready within %s:\n%s", timeout, r.output(p))
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// tokenTap records the access tokens the fake issues, so that tests can
// look for them where they must not be.
type tokenTap struct {
	mu     sync.Mutex
	tokens []string
}

func (tt *tokenTap) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/oauth2/token") {
			h.ServeHTTP(w, r)
			return
		}
		tw := &tapWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		var body struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(tw.body.Bytes(), &body) == nil && body.AccessToken != "" {
			tt.mu.Lock()
			tt.tokens = append(tt.tokens, body.AccessToken)
			tt.mu.Unlock()
		}
	})
}

func (tt *tokenTap) all() []string {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return append([]string(nil), tt.tokens...)
}

// tapWriter copies a response body; it still lets the fake hijack the
// connection to inject resets.
type tapWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *tapWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (w *tapWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("not a hijacker")
	}
	return hj.Hijack()
}

func copyDir(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	require.NoError(t, os.MkdirAll(to, 0o700))
	entries, err := os.ReadDir(from)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), data, perm))
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
