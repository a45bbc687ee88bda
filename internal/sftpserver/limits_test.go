package sftpserver

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

const testLimit = 1 << 20

func limitServer(t *testing.T, k clientKey) *env {
	t.Helper()
	return startServer(t, []User{keyUser("erp", k, "payables", "sepa")}, func(c *Config) {
		c.MaxFileSize = func(route string) int64 {
			if route == "payables" {
				return testLimit
			}
			return 0
		}
	})
}

func TestServer_UploadSizeLimit(t *testing.T) {
	k := newClientKey(t)
	e := limitServer(t, k)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	tests := []struct {
		name, path string
		size       int
		ok         bool
	}{
		{"at the limit", "/inbox/payables/exact.csv", testLimit, true},
		{"one byte over", "/inbox/payables/over.csv", testLimit + 1, false},
		{"far over", "/inbox/payables/huge.csv", 8 * testLimit, false},
		{"client temp name over", "/inbox/payables/huge.csv.part", 2 * testLimit, false},
		{"route without a limit", "/inbox/sepa/big.xml", 3 * testLimit, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.recv.uploads())
			err := put(c, tt.path, payload(tt.size))
			if tt.ok {
				require.NoError(t, err)
				require.Len(t, e.recv.uploads(), before+1)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "file too large: payables accepts files of at most 1048576 bytes")
			assert.Len(t, e.recv.uploads(), before, "nothing handed over")
			assert.Empty(t, dirNames(t, e.inbox["payables"]), "the partial upload is removed")
		})
	}
	refused := e.logs.records("upload refused: too large")
	assert.Len(t, refused, 3, "one log line per upload, not per packet")
}

// OpenSSH's sftp reports the refused write as a failure and exits non-zero
// in batch mode; the server keeps nothing of the file.
func TestServer_UploadSizeLimitOpenSSH(t *testing.T) {
	k := newClientKey(t)
	e := limitServer(t, k)
	sftp, dir := e.openSSHBatch(t, k, "erp")
	local := filepath.Join(dir, "big.csv")
	require.NoError(t, os.WriteFile(local, payload(5*testLimit), 0o600))
	out, err := sftp(fmt.Sprintf("put %s /inbox/payables/big.csv\n", local))
	require.Error(t, err, out)
	assert.Contains(t, out, "Failure")
	assert.Empty(t, e.recv.uploads())
	eventually(t, func() bool { return len(dirNames(t, e.inbox["payables"])) == 0 }, "the partial upload is removed")
	assert.NotEmpty(t, e.logs.records("upload refused: too large"))
}

func TestCleanClientTemps(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	files := map[string]time.Duration{ // name → age
		"old.csv.part":                   48 * time.Hour,
		"~old.csv":                       25 * time.Hour,
		".old.csv":                       30 * time.Hour,
		"young.csv.filepart":             time.Hour,
		"old.csv":                        72 * time.Hour, // not a temp: the watcher's
		".x.csv.0123456789abcdef.upload": 72 * time.Hour, // the server's own: CleanStaleTemps'
		".r.xml.a1b2c3d4e5f6.tmp":        72 * time.Hour, // an atomic write's
	}
	for name, age := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(name), 0o600))
		require.NoError(t, os.Chtimes(p, now.Add(-age), now.Add(-age)))
	}

	temps, err := ClientTemps([]string{dir, filepath.Join(dir, "missing")})
	require.NoError(t, err)
	var listed []string
	for _, tmp := range temps {
		listed = append(listed, filepath.Base(tmp.Path))
	}
	assert.Equal(t, []string{"old.csv.part", ".old.csv", "~old.csv", "young.csv.filepart"}, listed, "client temps only, oldest first")

	removed, err := CleanClientTemps([]string{dir}, now.Add(-24*time.Hour))
	require.NoError(t, err)
	assert.Len(t, removed, 3)
	assert.ElementsMatch(t, []string{"young.csv.filepart", "old.csv", ".x.csv.0123456789abcdef.upload", ".r.xml.a1b2c3d4e5f6.tmp"}, dirNames(t, dir))
}

// lftp (password login through OpenSSH), which shows the server's status
// messages: after an upload the inbox listing is empty and rm of the
// claimed file fails saying why; an upload over the route's limit fails.
func TestServer_LimitsLFTP(t *testing.T) {
	lftp := sharedtest.Tool(t, "lftp", "lftp")
	sharedtest.Tool(t, "ssh", "openssh-client") // lftp's sftp runs the OpenSSH client
	hash, err := bcrypt.GenerateFromPassword([]byte("demo"), bcrypt.MinCost)
	require.NoError(t, err)
	e := startServer(t, []User{{Name: "demo", PasswordHash: string(hash), Routes: []string{"payables"}}}, func(c *Config) {
		c.MaxFileSize = func(string) int64 { return testLimit }
	})
	dir := t.TempDir()
	small, big := filepath.Join(dir, "pay.csv"), filepath.Join(dir, "big.csv")
	require.NoError(t, os.WriteFile(small, []byte("a,b\n1,2\n"), 0o600))
	require.NoError(t, os.WriteFile(big, payload(3*testLimit), 0o600))
	host, port, err := net.SplitHostPort(e.addr)
	require.NoError(t, err)
	script := func(cmds ...string) string {
		return strings.Join(append([]string{
			"set sftp:auto-confirm yes",
			"set net:max-retries 1",
			"set net:timeout 20",
			"set cache:enable no",
			`set sftp:connect-program "ssh -a -x -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o PreferredAuthentications=password"`,
			fmt.Sprintf("open -u demo,demo -p %s sftp://%s", port, host),
		}, cmds...), "; ")
	}

	out, err := run(t, lftp, "-c", script(fmt.Sprintf("put %s -o /inbox/payables/pay.csv", small), "echo LISTING", "cls -1 /inbox/payables", "bye"))
	require.NoError(t, err, out)
	require.Len(t, e.recv.uploads(), 1)
	assert.NotContains(t, out[strings.Index(out, "LISTING"):], "pay.csv", "the claimed file is not listed")

	out, err = run(t, lftp, "-c", script("rm /inbox/payables/pay.csv", "bye"))
	require.Error(t, err, out)
	assert.Contains(t, out, "the file was taken by the bridge as F001", "lftp shows the server's reason")

	out, err = run(t, lftp, "-c", script(fmt.Sprintf("put %s -o /inbox/payables/big.csv", big), "bye"))
	require.Error(t, err, out)
	assert.Len(t, e.recv.uploads(), 1, "the big file is not handed over")
	assert.Contains(t, out, "file too large: payables accepts files of at most 1048576 bytes (max_file_size)")
	eventually(t, func() bool { return len(dirNames(t, e.inbox["payables"])) == 0 }, "the partial upload is removed")
}

// A user's quota caps the bytes of its uploads open at once, across
// sessions; closing an upload gives its bytes back.
func TestServer_UploadQuota(t *testing.T) {
	k := newClientKey(t)
	u := keyUser("erp", k, "payables")
	u.Quota = 3 * testLimit / 2
	e := startServer(t, []User{u}, nil)
	a, b := e.mustDial(t, "erp", ssh.PublicKeys(k.signer)), e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	fa, err := a.Create("/inbox/payables/a.csv")
	require.NoError(t, err)
	_, err = fa.Write(payload(testLimit))
	require.NoError(t, err)

	err = put(b, "/inbox/payables/b.csv", payload(testLimit))
	require.Error(t, err, "a second session's upload crosses the quota")
	assert.Contains(t, err.Error(), "quota exceeded: user erp may have at most 1572864 bytes of uploads open at once")

	require.NoError(t, fa.Close())
	require.NoError(t, put(b, "/inbox/payables/b.csv", payload(testLimit)), "the closed upload's bytes were given back")
	assert.Len(t, e.recv.uploads(), 2)
	assert.Empty(t, dirNames(t, e.inbox["payables"]), "the refused partial upload is removed")
}
