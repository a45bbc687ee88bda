package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// runCLI runs one bridge command and returns its output and exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	if err != nil {
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), exitCode(err)
}

// writeConfig writes a test bridge's config to disk for CLI commands.
func writeConfig(t *testing.T, tb *testBridge, url string) string {
	t.Helper()
	t.Setenv("TEST_ATLAR_SECRET", "demo-secret")
	path := filepath.Join(tb.root, "config.toml")
	require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(testConfig, url, tb.root, false)), 0o600))
	return path
}

// TestCLI_AgainstRunningAndStoppedBridge runs every read command against a
// journal built by a real end-to-end run: through the control socket while
// the bridge runs, and on the state file once it stopped.
func TestCLI_AgainstRunningAndStoppedBridge(t *testing.T) {
	tb := newTestBridge(t)
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	good := "external_id,source_iban,amount,currency,external_account_id\nCLI-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"
	tb.drop("payables", "good.csv", []byte(good))
	tb.drop("payables", "bad.csv", []byte("external_id,amount\nx,1\n"))
	completed := tb.waitFiles(20*time.Second, 1, state.Completed)[0]
	rejected := tb.waitFiles(20*time.Second, 1, state.Rejected)[0]
	tb.waitFile(10*time.Second, "outbox", "results", "good.csv.result.csv")

	for _, running := range []bool{true, false} {
		if !running {
			tb.stop()
		}
		name := map[bool]string{true: "running", false: "stopped"}[running]
		t.Run(name, func(t *testing.T) {
			// status exits 3 when no bridge runs (SPEC §7), and still
			// prints what the journal holds.
			wantCode := map[bool]int{true: 0, false: 3}[running]
			out, errOut, code := runCLI(t, "status", "--json", "--config", cfgPath)
			require.Equal(t, wantCode, code, errOut)
			var st statusReport
			require.NoError(t, json.Unmarshal([]byte(out), &st), out)
			require.Equal(t, running, st.Running)
			require.Equal(t, 1, st.Files["payables"]["completed"])
			require.Equal(t, 1, st.Files["payables"]["rejected"])

			out, errOut, code = runCLI(t, "status", "--config", cfgPath)
			require.Equal(t, wantCode, code, errOut)
			require.Contains(t, out, "payables")

			out, errOut, code = runCLI(t, "files", "--json", "--state", "rejected", "--config", cfgPath)
			require.Equal(t, 0, code, errOut)
			var files []fileSummary
			require.NoError(t, json.Unmarshal([]byte(out), &files))
			require.Len(t, files, 1)
			require.Equal(t, "bad.csv", files[0].Name)
			require.NotEmpty(t, files[0].Problem)

			out, errOut, code = runCLI(t, "files", "show", rejected.ID, "--config", cfgPath)
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, "Journey:")
			require.Contains(t, out, "rejected")

			// Amounts in major units, as in the file the ERP wrote.
			out, errOut, code = runCLI(t, "files", "show", completed.ID, "--config", cfgPath)
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, "CLI-1  10.00 EUR")

			out, errOut, code = runCLI(t, "files", "show", rejected.ID, "--json", "--config", cfgPath)
			require.Equal(t, 0, code, errOut)
			var f state.File
			require.NoError(t, json.Unmarshal([]byte(out), &f))
			require.Equal(t, rejected.ID, f.ID)

			_, errOut, code = runCLI(t, "files", "show", "NOSUCHFILE", "--config", cfgPath)
			require.Equal(t, 1, code)
			require.Equal(t, 1, strings.Count(errOut, "not found"), "said once: %s", errOut)
		})
	}
}

func TestCLI_RetryForceResendsDuplicate(t *testing.T) {
	tb := newTestBridge(t)
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	csv := "external_id,source_iban,amount,currency,external_account_id\nRT-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"
	tb.drop("payables", "a.csv", []byte(csv))
	tb.waitFiles(20*time.Second, 1, state.Completed)
	// The same payment again under another externalId: a duplicate by
	// bytes? No: different bytes. Drop the identical file instead.
	tb.drop("payables", "a-again.csv", []byte(csv))
	dup := tb.waitFiles(20*time.Second, 1, state.Rejected)[0]

	_, errOut, code := runCLI(t, "retry", tb.waitFiles(1*time.Second, 1, state.Completed)[0].ID, "--config", cfgPath)
	require.Equal(t, 1, code, "a completed file cannot be retried")
	require.Contains(t, errOut, "cannot be retried")
	require.Equal(t, 1, strings.Count(errOut, "cannot be retried"), "said once: %s", errOut)

	out, errOut, code := runCLI(t, "retry", dup.ID, "--force", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "requeued")
	// Forced through the duplicate check: Atlar now refuses the payment's
	// externalId as already used, which the result reports per row.
	files := tb.waitFiles(20*time.Second, 2, state.Completed, state.Failed)
	require.Len(t, files, 2)
	require.Len(t, tb.fake.Batches(), 2, "the forced resend reached Atlar as a new batch")
}

func TestCLI_Validate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	require.NoError(t, os.WriteFile(good, []byte("external_id,source_iban,amount,currency,external_account_id\nV-1,"+atlartest.SeedEURIBAN+",10.00,EUR,external:x\n"), 0o600))
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("external_id,source_iban,amount,currency,external_account_id\nV 1,DE00,1.234,EUR,external:x\nV2,,0,EUR,\n"), 0o600))
	noCfg := filepath.Join(dir, "missing.toml")
	example := filepath.Join(sharedtest.RepoRoot(t), "examples", "sepa.pain001.xml")
	// Without --config and no ./config.toml, the built-in rules apply.
	t.Chdir(dir)

	out, errOut, code := runCLI(t, "validate", good)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "VALID")
	require.Contains(t, out, "V-1")

	out, _, code = runCLI(t, "validate", bad)
	require.Equal(t, 1, code)
	require.Contains(t, out, "INVALID")
	require.Contains(t, out, "row 1")
	require.Contains(t, out, "row 2", "every row's problems are listed, not just the first")

	out, errOut, code = runCLI(t, "validate", example)
	require.Equal(t, 0, code, errOut+out)

	_, _, code = runCLI(t, "validate", good, "--route", "nope")
	require.Equal(t, 2, code, "a named route needs a config")

	// A config named on purpose must exist: no silent fallback.
	out, errOut, code = runCLI(t, "validate", good, "--config", noCfg)
	require.Equal(t, 2, code, out)
	require.Contains(t, errOut, "missing.toml")
	require.NotContains(t, out, "VALID")
}

func TestCLI_RunRefusesBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(cfg, []byte("version = 1\n[storage]\nroot = \"data\"\n[statements]\npoll_interval = \"0s\"\nbogus = 1\n"), 0o600))
	_, errOut, code := runCLI(t, "run", "--config", cfg)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "config.toml:")
	require.Contains(t, errOut, "bogus")
	require.NoDirExists(t, filepath.Join(dir, "data"), "nothing touched before the config is valid")

	_, _, code = runCLI(t, "frobnicate")
	require.Equal(t, 2, code)
	_, _, code = runCLI(t)
	require.Equal(t, 2, code)
}

func TestCLI_HashPassword(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"hash-password"}, strings.NewReader("s3cret\n"), &out, &errOut)
	require.NoError(t, err)
	h := strings.TrimSpace(out.String())
	require.True(t, strings.HasPrefix(h, "$2"), h)
	require.NotContains(t, out.String()+errOut.String(), "s3cret")
}

// redeliver writes a delivered statement to the outbox again, through the
// running bridge and, once it stopped, on its own.
func TestCLI_Redeliver(t *testing.T) {
	tb := newTestBridge(t)
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	reports := tb.fake.Reports()
	require.NotEmpty(t, reports)
	id := reports[0].ID
	var first string
	require.Eventually(t, func() bool {
		entries, _ := os.ReadDir(tb.path("outbox", "statements"))
		for _, e := range entries {
			if strings.Contains(e.Name(), id) && !strings.HasPrefix(e.Name(), ".") { // not the temp being written
				first = e.Name()
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond)
	require.NoError(t, os.Remove(tb.path("outbox", "statements", first)), "the ERP took it")

	out, errOut, code := runCLI(t, "redeliver", id, "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, id)
	require.FileExists(t, tb.path("outbox", "statements", first))

	tb.stop()
	out, errOut, code = runCLI(t, "redeliver", id, "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, id)
	_, _, code = runCLI(t, "redeliver", "no-such-report", "--config", cfgPath)
	require.Equal(t, 1, code)
}

func TestCLI_Hostkey(t *testing.T) {
	tb, _, _ := sftpBridge(t)
	cfgPath := filepath.Join(tb.root, "config.toml")
	t.Setenv("TEST_ATLAR_SECRET", "demo-secret")
	cfg := fmt.Sprintf(testConfig, tb.cfg.Atlar.BaseURL, tb.root, false) +
		fmt.Sprintf("\n[sftp]\nenabled = false\nhost_key_dir = %q\n", tb.cfg.SFTP.HostKeyDir)
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	out, errOut, code := runCLI(t, "hostkey", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "SHA256:")
	require.Contains(t, out, "ssh-ed25519")
	require.Contains(t, out, "ssh-rsa")
}

func TestCommandName(t *testing.T) {
	tests := []struct{ stamped, argv0, want string }{
		{"", "/usr/bin/atlar-bridge", "atlar-bridge"},
		{"", "atlar-bridge.exe", "atlar-bridge"},
		{"", "/tmp/go-build123/b001/exe/bridge", "bridge"}, // go run ./cmd/bridge
		{"", "/tmp/go-build123/b001/bridge.test", "bridge"},
		{"", "", "bridge"},
		{"atlar-bridge", "/opt/x/copy-of-it", "atlar-bridge"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, commandName(tt.stamped, tt.argv0), "%q %q", tt.stamped, tt.argv0)
	}
}
