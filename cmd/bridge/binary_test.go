//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// The tests here run the built binary as an operator (or systemd) would:
// what matters is what reaches stderr and the exit code, which Run alone
// does not show (main prints the error and picks the code).

var built struct {
	once sync.Once
	path string
	err  error
}

// binaryName is what the packages install: the tests check that messages
// name it, not "bridge" (iproute2's command on Linux).
const binaryName = "atlar-bridge"

// bridgeBinary builds cmd/bridge once per test run, named as installed.
func bridgeBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "bridge-bin-")
		if err != nil {
			built.err = err
			return
		}
		out := filepath.Join(dir, binaryName)
		cmd := exec.Command("go", "build", "-o", out, ".")
		if b, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, b)
			return
		}
		built.path = out
	})
	require.NoError(t, built.err)
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		_ = os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

// runBinary runs the bridge to completion (bounded) and returns its output
// and exit code.
func runBinary(t *testing.T, dir string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bridgeBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(120 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not exit within 120s\nstdout:\n%s\nstderr:\n%s", args, out.String(), errOut.String())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		require.NoError(t, err)
	}
	return out.String(), errOut.String(), code
}

// binaryConfig writes a runnable config (the e2e tests' one) into dir.
func binaryConfig(t *testing.T, dir, url, extra string) string {
	t.Helper()
	path := filepath.Join(dir, "config.toml")
	doc := fmt.Sprintf(testConfig, url, filepath.Join(dir, "data"), false) + extra
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	return path
}

// Every config error reaches stderr, says what to fix, and exits 2 —
// before anything is started or created.
func TestBinary_ConfigErrorsArePrinted(t *testing.T) {
	dir := t.TempDir()
	good := binaryConfig(t, dir, "http://127.0.0.1:1", "")
	doc, err := os.ReadFile(good)
	require.NoError(t, err)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	typo := write("typo.toml", strings.Replace(string(doc), "settle =", "setle =", 1))
	secret := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("s3cr3t\n"), 0o644))
	openSecret := write("open-secret.toml", strings.Replace(string(doc), `secret_env = "TEST_ATLAR_SECRET"`, `secret_file = "secret"`, 1))
	tests := []struct {
		name string
		args []string
		env  []string
		want []string
	}{
		{"MissingFile", []string{"run", "--config", filepath.Join(dir, "nope.toml")}, nil,
			[]string{binaryName + ": open config:", "nope.toml: no such file or directory", "--config F"}},
		{"TypoKey", []string{"run", "--config", typo}, []string{"TEST_ATLAR_SECRET=x"},
			[]string{"typo.toml:10: unknown key \"watch.setle\""}},
		{"UnsetSecretEnv", []string{"run", "--config", good}, []string{"TEST_ATLAR_SECRET="},
			[]string{"config.toml:6: atlar.secret_env: environment variable TEST_ATLAR_SECRET is not set or empty"}},
		{"SecretFileReadableByOthers", []string{"run", "--config", openSecret}, nil,
			[]string{"atlar.secret_file: secret file " + secret + " has mode 0644", "chmod 600 " + secret}},
		{"ValidateNamedConfigMissing", []string{"validate", good, "--config", filepath.Join(dir, "missing.toml")}, nil,
			[]string{"missing.toml: no such file or directory"}},
		{"UnknownFlag", []string{"status", "--jsn"}, nil,
			[]string{"flag provided but not defined: -jsn", binaryName + " status --help"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runBinary(t, dir, tt.env, tt.args...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, w := range tt.want {
				require.Contains(t, errOut, w)
			}
			require.Equal(t, 1, strings.Count(errOut, "\n"), "one line, printed once:\n%s", errOut)
			require.NotContains(t, errOut, "s3cr3t")
			require.NoDirExists(t, filepath.Join(dir, "data"), "nothing created before the config is valid")
		})
	}
}

// A start that fails after the config is valid is a runtime failure:
// exit 1 (systemd restarts it), the cause printed, no panic, and what had
// started closed again (the journal lock is free for the next start).
func TestBinary_FailedStartExits1(t *testing.T) {
	_, url := atlartest.NewTest(t, atlartest.Options{})
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = busy.Close() })
	addr := busy.Addr().String()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))

	tests := []struct {
		name  string
		extra string
		root  string // replaces storage.root when set
		want  string
	}{
		{name: "HTTPPortInUse", extra: fmt.Sprintf("[http]\nlisten = %q\n", addr),
			want: "http.listen " + addr + ": listen tcp " + addr + ": bind: address already in use"},
		{name: "SFTPPortInUse", extra: fmt.Sprintf("[sftp]\nenabled = true\nlisten = %q\n[[sftp.users]]\nname = \"erp\"\npassword_hash = %q\nroutes = [\"payables\"]\n", addr, hash),
			want: "sftp.listen " + addr + ": "},
		{name: "StorageRootUnusable", root: filepath.Join(file, "data"),
			want: "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := binaryConfig(t, dir, url, tt.extra)
			if tt.root != "" {
				b, err := os.ReadFile(cfg)
				require.NoError(t, err)
				b = bytes.Replace(b, []byte(fmt.Sprintf("root = %q", filepath.Join(dir, "data"))), []byte(fmt.Sprintf("root = %q", tt.root)), 1)
				require.NoError(t, os.WriteFile(cfg, b, 0o600))
			}
			out, errOut, code := runBinary(t, dir, []string{"TEST_ATLAR_SECRET=demo-secret"}, "run", "--config", cfg)
			require.Equal(t, exitFailure, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, errOut, binaryName+": ")
			require.Contains(t, errOut, tt.want)
			if tt.root == "" {
				require.Contains(t, errOut, "listen tcp "+addr+": bind: address already in use")
			}
			require.NotContains(t, errOut, "panic")
			require.NotContains(t, errOut, "goroutine ")
			if tt.root == "" {
				// Closed what had started: the journal opens again at once.
				_, errOut, code = runBinary(t, dir, []string{"TEST_ATLAR_SECRET=demo-secret"}, "status", "--config", cfg)
				require.Equal(t, exitNotRunning, code, errOut)
			}
		})
	}
}

// --help on every command prints its usage, positional arguments and
// flags on stdout, naming the binary as installed, and exits 0.
func TestBinary_HelpOnEveryCommand(t *testing.T) {
	dir := t.TempDir()
	for _, s := range synopses {
		t.Run(s.name, func(t *testing.T) {
			out, errOut, code := runBinary(t, dir, nil, s.name, "--help")
			require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, out, "Usage: "+binaryName+" "+s.line)
			require.Empty(t, errOut)
		})
	}
	out, _, code := runBinary(t, dir, nil, "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "  "+binaryName+" validate FILE [--route R]")
	require.NotContains(t, out, "  bridge ")
	out, _, code = runBinary(t, dir, nil, "files", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "files show ID", "positional arguments are in the usage")
	require.Contains(t, out, "-state string", "and the flags")
}

// status exits 3 when no bridge runs: with no journal yet, and with one.
func TestBinary_StatusNotRunningExits3(t *testing.T) {
	dir := t.TempDir()
	cfg := binaryConfig(t, dir, "http://127.0.0.1:1", "")
	env := []string{"TEST_ATLAR_SECRET=x"}
	out, errOut, code := runBinary(t, dir, env, "status", "--config", cfg)
	require.Equal(t, exitNotRunning, code, errOut)
	require.Contains(t, out, "not running")
	out, errOut, code = runBinary(t, dir, env, "status", "--json", "--config", cfg)
	require.Equal(t, exitNotRunning, code, errOut)
	require.Contains(t, out, `"running": false`)
}

// The hints written into error.txt name the command as installed.
func TestBinary_ErrorReportNamesInstalledCommand(t *testing.T) {
	_, url := atlartest.NewTest(t, atlartest.Options{})
	dir := t.TempDir()
	cfg := binaryConfig(t, dir, url, "")
	cmd := exec.Command(bridgeBinary(t), "run", "--config", cfg)
	cmd.Env = append(os.Environ(), "TEST_ATLAR_SECRET=demo-secret")
	var errOut sharedtest.LogBuffer
	cmd.Stdout, cmd.Stderr = &errOut, &errOut
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	inbox := filepath.Join(dir, "data", "inbox", "payables")
	require.Eventually(t, func() bool { _, err := os.Stat(inbox); return err == nil }, 90*time.Second, 20*time.Millisecond, "%s", &errOut)
	require.NoError(t, os.WriteFile(filepath.Join(inbox, ".bad.csv.part"), []byte("external_id,amount\nx,1\n"), 0o644))
	require.NoError(t, os.Rename(filepath.Join(inbox, ".bad.csv.part"), filepath.Join(inbox, "bad.csv")))
	var report []byte
	require.Eventually(t, func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "data", "failed", "*", "*.error.txt"))
		if len(m) == 1 {
			report, _ = os.ReadFile(m[0])
		}
		return len(report) > 0
	}, 90*time.Second, 20*time.Millisecond, "%s", &errOut)
	require.Contains(t, string(report), "requeue this one with: "+binaryName+" retry ")

	// The duplicate hint reaches the ERP in the pain.002 ack's AddtlInf.
	good := []byte("external_id,source_iban,amount,currency,external_account_id\nBIN-1," + atlartest.SeedEURIBAN + ",10.00,EUR,external:fournisseur-sarl-eur\n")
	for _, name := range []string{"first.csv", "again.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(inbox, "."+name+".part"), good, 0o644))
		require.NoError(t, os.Rename(filepath.Join(inbox, "."+name+".part"), filepath.Join(inbox, name)))
	}
	var ack []byte
	require.Eventually(t, func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "data", "outbox", "results", "*.ack.xml"))
		for _, p := range m {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("DU01")) {
				ack = b
			}
		}
		return ack != nil
	}, 90*time.Second, 20*time.Millisecond, "%s", &errOut)
	var info []string
	for _, m := range regexp.MustCompile(`<AddtlInf>([^<]*)</AddtlInf>`).FindAllStringSubmatch(string(ack), -1) {
		info = append(info, m[1])
	}
	require.Contains(t, strings.Join(info, " "), binaryName+" retry ", "AddtlInf lines are split at 105 characters")
}
