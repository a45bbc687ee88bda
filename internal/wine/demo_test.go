//go:build linux

package wine

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// holdFor is how long the test watches a half-written file its writer holds
// open: four times the demo's settle window (watch.settle = "1s"), time for
// the watcher to offer it and the claim to be refused a few times. Here a
// timed wait is the experiment itself, not synchronisation.
const holdFor = 4 * time.Second

// TestBridgeExe_Demo runs the Windows build of `bridge demo` under Wine and
// checks that files dropped in its folder and uploaded over SFTP are acked,
// and that a file the ERP still holds open is retried, never claimed
// half-written and never failed.
func TestBridgeExe_Demo(t *testing.T) {
	w := needWine(t)
	begin := time.Now()
	dir := t.TempDir()
	bridgeExe := filepath.Join(dir, "bridge.exe")
	holdExe := filepath.Join(dir, "holdfile.exe")
	buildWindows(t, "./cmd/bridge", bridgeExe)
	buildWindows(t, "./internal/wine/holdfile", holdExe)
	t.Logf("built bridge.exe and holdfile.exe in %s", time.Since(begin).Round(time.Millisecond))

	demoDir := filepath.Join(dir, "demo")
	data := filepath.Join(demoDir, "data")
	demoLog := filepath.Join(dir, "demo.log")
	sftpAddr := sharedtest.FreeAddr(t)
	demo := w.start(t, demoLog, bridgeExe, "demo", "--dir", winPath(demoDir), "--sftp-listen", sftpAddr)
	var procs []*proc // every program started, for the cleanup
	procs = append(procs, demo)
	t.Cleanup(func() {
		// Runs before t.TempDir's removal: nothing may still use dir.
		for _, p := range procs {
			p.stop(10 * time.Second)
		}
		w.killServer()
		if t.Failed() {
			t.Logf("demo log (tail):\n%s", tail(demoLog, 40))
		}
	})

	started := time.Now()
	eventually(t, 60*time.Second, "the demo's folders and SFTP port are up", func() bool {
		if demo.exited() {
			t.Fatalf("bridge.exe demo exited: %v\n%s", demo.err, tail(demoLog, 30))
		}
		if _, err := os.Stat(filepath.Join(data, "inbox", "payables")); err != nil {
			return false
		}
		c, err := net.DialTimeout("tcp", sftpAddr, time.Second)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	})
	t.Logf("demo up under Wine in %s", time.Since(started).Round(time.Millisecond))

	t.Run("FolderDrop", func(t *testing.T) {
		start := time.Now()
		inbox := filepath.Join(data, "inbox", "payables")
		content := payablesCSV("WINE-FOLDER", 2)
		// Written under a temp name the watcher ignores, then renamed.
		tmp := filepath.Join(inbox, "folder.csv.tmp")
		require.NoError(t, os.WriteFile(tmp, content, 0o600))
		require.NoError(t, os.Rename(tmp, filepath.Join(inbox, "folder.csv")))
		waitAck(t, data, "folder.csv")
		t.Logf("ACTC ack in %s", time.Since(start).Round(time.Millisecond))
	})

	t.Run("SFTPUpload", func(t *testing.T) {
		start := time.Now()
		uploadSFTP(t, sftpAddr, "/inbox/payables/sftp.csv", payablesCSV("WINE-SFTP", 2))
		waitAck(t, data, "sftp.csv")
		t.Logf("ACTC ack in %s", time.Since(start).Round(time.Millisecond))
	})

	// An ERP still writing its export holds the file open without
	// FILE_SHARE_DELETE: the claim's rename fails with a sharing violation
	// (with "none" the claim cannot even read it) and must be retried.
	for _, share := range []string{"read", "none"} {
		t.Run("HeldOpenFile/Share_"+share, func(t *testing.T) {
			start := time.Now()
			name := "held-" + share + ".csv"
			content := payablesCSV("WINE-HELD-"+strings.ToUpper(share), 12)
			src := filepath.Join(dir, name+".src")
			ready, release := filepath.Join(dir, name+".ready"), filepath.Join(dir, name+".release")
			require.NoError(t, os.WriteFile(src, content, 0o600))
			held := filepath.Join(data, "inbox", "payables", name)
			holdLog := filepath.Join(dir, name+".log")
			hold := w.start(t, holdLog, holdExe, share, winPath(src), winPath(held), winPath(ready), winPath(release))
			procs = append(procs, hold)

			eventually(t, 30*time.Second, "holdfile.exe wrote half the file", func() bool {
				if hold.exited() {
					t.Fatalf("holdfile.exe exited: %v\n%s", hold.err, tail(holdLog, 10))
				}
				_, err := os.Stat(ready)
				return err == nil
			})
			fi, err := os.Stat(held)
			require.NoError(t, err)
			require.EqualValues(t, len(content)/2, fi.Size(), "half the file is written")

			// While held: offered and refused, never claimed, never failed.
			until := time.Now().Add(holdFor)
			for time.Now().Before(until) {
				requireUntaken(t, data, held, name)
				time.Sleep(100 * time.Millisecond)
			}
			refused := logLines(demoLog, "inbox file not claimed", name)
			require.NotEmpty(t, refused, "the bridge never tried to claim the held file in %s", holdFor)
			// Wine's text for ERROR_SHARING_VIOLATION, and Windows'.
			assert.Regexp(t, `Sharing violation|being used by another process`, refused[0])
			t.Logf("refused while held: %s", refused[0])

			require.NoError(t, os.WriteFile(release, nil, 0o600))
			eventually(t, 30*time.Second, "holdfile.exe finished", hold.exited)
			require.NoError(t, hold.err, "holdfile.exe:\n%s", tail(holdLog, 10))
			waitAck(t, data, name)

			archived, err := filepath.Glob(filepath.Join(data, "archive", "*", "*_"+name))
			require.NoError(t, err)
			require.Len(t, archived, 1, "one archived original")
			got, err := os.ReadFile(archived[0])
			require.NoError(t, err)
			assert.Equal(t, string(content), string(got), "the archived original is the complete file")
			assert.Empty(t, failedEntries(t, data, name))
			received := logLines(demoLog, `"msg":"file received"`, `"name":"`+name+`"`)
			require.Len(t, received, 1, "claimed exactly once")
			assert.Contains(t, received[0], fmt.Sprintf(`"size":%d`, len(content)), "claimed complete")
			t.Logf("held, released, ACTC ack in %s", time.Since(start).Round(time.Millisecond))
		})
	}

	t.Run("Stop", func(t *testing.T) {
		require.NotEmpty(t, liveProcesses(dir), "the process check sees the running demo")
		start := time.Now()
		require.True(t, demo.stop(30*time.Second), "bridge.exe did not stop on Ctrl-C within 30s")
		require.NoError(t, demo.err, "bridge.exe exit status\n%s", tail(demoLog, 20))
		assert.NotEmpty(t, logLines(demoLog, "stopping demo"))
		w.killServer()
		eventually(t, 15*time.Second, "no process of the test is left", func() bool {
			left := liveProcesses(dir)
			if len(left) > 0 {
				t.Logf("still running: %q", left)
			}
			return len(left) == 0
		})
		t.Logf("stopped cleanly in %s", time.Since(start).Round(time.Millisecond))
	})
	t.Logf("total %s", time.Since(begin).Round(time.Millisecond))
}

// payablesCSV is a valid payment run of n rows for the demo's payables
// route; id makes its bytes (and external ids) unique.
func payablesCSV(id string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("external_id,source_iban,amount,currency,external_account_id,reference\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s-%03d,%s,%d.%02d,EUR,external:%s,%s row %d\n",
			id, i, atlartest.SeedEURIBAN, 10+i, i, atlartest.SeedFournisseurExternalID, id, i)
	}
	return b.Bytes()
}

// uploadSFTP puts content at path as the demo user.
func uploadSFTP(t *testing.T, addr, path string, content []byte) {
	t.Helper()
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: "demo", Auth: []ssh.AuthMethod{ssh.Password("demo")},
		// The demo made its host key a moment ago; there is nothing to pin.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), //nolint:gosec // test against a local demo
		Timeout:         10 * time.Second,
	})
	require.NoError(t, err)
	defer conn.Close()
	c, err := sftp.NewClient(conn)
	require.NoError(t, err)
	defer c.Close()
	f, err := c.Create(path)
	require.NoError(t, err)
	_, err = f.Write(content)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// waitAck waits for name's ack in the outbox and requires it to be ACTC;
// it fails at once if name lands in failed/ instead.
func waitAck(t *testing.T, data, name string) {
	t.Helper()
	ack := filepath.Join(data, "outbox", "results", name+".ack.xml")
	var b []byte
	eventually(t, 45*time.Second, "an ack for "+name, func() bool {
		require.Empty(t, failedEntries(t, data, name), "%s failed", name)
		var err error
		b, err = os.ReadFile(ack)
		return err == nil
	})
	require.Contains(t, string(b), "ACTC", "ack of %s", name)
}

// requireUntaken requires a held file to sit in the inbox untouched: not in
// processing/, not failed, not acked.
func requireUntaken(t *testing.T, data, path, name string) {
	t.Helper()
	_, err := os.Stat(path)
	require.NoError(t, err, "the held file left the inbox")
	processing, err := filepath.Glob(filepath.Join(data, "processing", "*", "*"+name))
	require.NoError(t, err)
	require.Empty(t, processing, "claimed while held")
	require.Empty(t, failedEntries(t, data, name), "failed while held")
	_, err = os.Stat(filepath.Join(data, "outbox", "results", name+".ack.xml"))
	require.ErrorIs(t, err, os.ErrNotExist, "acked while held")
}

// failedEntries lists what failed/ holds for name (the original and its
// .error.txt).
func failedEntries(t *testing.T, data, name string) []string {
	t.Helper()
	var out []string
	days, err := os.ReadDir(filepath.Join(data, "failed"))
	if err != nil {
		return nil
	}
	for _, d := range days {
		files, _ := os.ReadDir(filepath.Join(data, "failed", d.Name()))
		for _, f := range files {
			if strings.Contains(f.Name(), "_"+name) {
				out = append(out, filepath.Join("failed", d.Name(), f.Name()))
			}
		}
	}
	return out
}
