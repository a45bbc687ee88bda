package sftpserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// fakeOwners is the journal's answer to "whose result is this?".
type fakeOwners struct {
	mu     sync.Mutex
	routes map[string]string // result name → route
	fail   bool
}

func (o *fakeOwners) ResultRoute(name string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail {
		return "", errors.New("journal closed")
	}
	return o.routes[name], nil
}

// outboxEnv is a server whose outbox holds two routes' results, two
// accounts' statements and a report folder.
func outboxEnv(t *testing.T, users []User) (*env, *fakeOwners) {
	t.Helper()
	owners := &fakeOwners{routes: map[string]string{
		"pay.csv.ack.xml":    "payables",
		"pay.csv.result.csv": "payables",
		"sepa.xml.ack.xml":   "sepa",
	}}
	e := startServer(t, users, func(c *Config) {
		c.OutboxDir = filepath.Dir(c.ResultsDir)
		c.Results = owners
	})
	write := func(dir, name string) {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644))
	}
	for name := range owners.routes {
		write(e.results, name)
	}
	write(e.results, "stray.xml") // no route's result: shown to nobody
	write(e.statements, "DE89370400440532013000_2025-03-14_R1.xml")
	write(e.statements, "GB33BUKB20201555555555_2025-03-14_R2.xml")
	mt940 := filepath.Join(filepath.Dir(e.results), "mt940")
	write(mt940, "DE89370400440532013000_20250314.sta")
	// A link in the outbox is not a report folder.
	require.NoError(t, os.Symlink(e.inbox["payables"], filepath.Join(filepath.Dir(e.results), "link")))
	return e, owners
}

func names(t *testing.T, c *client, dir string) []string {
	t.Helper()
	list, err := c.ReadDir(dir)
	require.NoError(t, err, dir)
	var out []string
	for _, fi := range list {
		out = append(out, fi.Name())
	}
	return out
}

func TestServer_OutboxGrants(t *testing.T) {
	k := newClientKey(t)
	sepaOnly := keyUser("sepa-erp", k, "sepa")
	sepaOnly.Reports = []string{"statements"}
	sepaOnly.Accounts = []string{"de89370400440532013000"} // matched case-insensitively
	payables := keyUser("pay-erp", k, "payables")          // no reports key: every folder
	nothing := keyUser("results-only", k, "payables", "sepa")
	nothing.Reports = []string{}
	e, _ := outboxEnv(t, []User{sepaOnly, payables, nothing})

	tests := []struct {
		user string
		dirs map[string][]string // folder → what the user lists; nil: the folder does not exist for the user
	}{
		{"sepa-erp", map[string][]string{
			"/outbox":            {"results", "statements"},
			"/outbox/results":    {"sepa.xml.ack.xml"},
			"/outbox/statements": {"DE89370400440532013000_2025-03-14_R1.xml"},
			"/outbox/mt940":      nil,
		}},
		{"pay-erp", map[string][]string{
			"/outbox":            {"mt940", "results", "statements"},
			"/outbox/results":    {"pay.csv.ack.xml", "pay.csv.result.csv"},
			"/outbox/statements": {"DE89370400440532013000_2025-03-14_R1.xml", "GB33BUKB20201555555555_2025-03-14_R2.xml"},
			"/outbox/mt940":      {"DE89370400440532013000_20250314.sta"},
		}},
		{"results-only", map[string][]string{
			"/outbox":            {"results"},
			"/outbox/results":    {"pay.csv.ack.xml", "pay.csv.result.csv", "sepa.xml.ack.xml"},
			"/outbox/statements": nil,
			"/outbox/mt940":      nil,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			c := e.mustDial(t, tt.user, ssh.PublicKeys(k.signer))
			for dir, want := range tt.dirs {
				if want == nil {
					_, err := c.ReadDir(dir)
					require.ErrorIs(t, err, os.ErrNotExist, dir)
					_, err = c.Stat(dir)
					require.ErrorIs(t, err, os.ErrNotExist, dir)
					continue
				}
				assert.Equal(t, want, names(t, c, dir), dir)
			}
			for _, p := range []string{"/outbox/link", "/outbox/Statements", "/outbox/results/stray.xml"} {
				_, err := c.Stat(p)
				require.ErrorIs(t, err, os.ErrNotExist, p)
			}
		})
	}

	// Another route's result: not there for download, stat or delete, and
	// the attempt is in the audit log.
	c := e.mustDial(t, "sepa-erp", ssh.PublicKeys(k.signer))
	for _, p := range []string{"/outbox/results/pay.csv.ack.xml", "/outbox/statements/GB33BUKB20201555555555_2025-03-14_R2.xml"} {
		_, err := get(c, p)
		require.ErrorIs(t, err, os.ErrNotExist, p)
		_, err = c.Stat(p)
		require.ErrorIs(t, err, os.ErrNotExist, p)
		require.ErrorIs(t, c.Remove(p), os.ErrNotExist, p)
	}
	assert.FileExists(t, filepath.Join(e.results, "pay.csv.ack.xml"))
	assert.FileExists(t, filepath.Join(e.statements, "GB33BUKB20201555555555_2025-03-14_R2.xml"))
	var refused []string
	for _, r := range e.logs.records("operation refused") {
		if r["user"] == "sepa-erp" {
			refused = append(refused, fmt.Sprint(r["op"], " ", r["path"], " ", r["reason"]))
		}
	}
	assert.Contains(t, refused, "remove /outbox/results/pay.csv.ack.xml result of route payables")
	assert.Contains(t, refused, "read /outbox/statements/GB33BUKB20201555555555_2025-03-14_R2.xml statement of an account not granted")

	// Its own result: downloaded and deleted, the deletion logged with user
	// and path.
	got, err := get(c, "/outbox/results/sepa.xml.ack.xml")
	require.NoError(t, err)
	assert.Equal(t, "sepa.xml.ack.xml", string(got))
	require.NoError(t, c.Remove("/outbox/results/sepa.xml.ack.xml"))
	assert.NoFileExists(t, filepath.Join(e.results, "sepa.xml.ack.xml"))
	del := e.logs.records("delete")
	require.Len(t, del, 1)
	assert.Equal(t, "sepa-erp", del[0]["user"])
	assert.Equal(t, "/outbox/results/sepa.xml.ack.xml", del[0]["path"])
}

// When the journal cannot say whose a result is, nobody gets it.
func TestServer_OutboxOwnerLookupFails(t *testing.T) {
	k := newClientKey(t)
	e, owners := outboxEnv(t, []User{keyUser("erp", k, "payables", "sepa")})
	owners.mu.Lock()
	owners.fail = true
	owners.mu.Unlock()
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	assert.Empty(t, names(t, c, "/outbox/results"))
	_, err := get(c, "/outbox/results/pay.csv.ack.xml")
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Len(t, e.logs.records("result owner look-up"), 1, "logged once, not per file")
}

// The report from the audit: a user with only the sepa route, with
// OpenSSH's sftp, can neither fetch nor delete the payables route's ack.
func TestServer_OutboxGrantsOpenSSH(t *testing.T) {
	k := newClientKey(t)
	e, _ := outboxEnv(t, []User{keyUser("sepa-erp", k, "sepa")})
	sftp, dir := e.openSSHBatch(t, k, "sepa-erp")
	out, err := sftp("ls -1 /outbox/results\n")
	require.NoError(t, err, out)
	assert.Contains(t, out, "sepa.xml.ack.xml")
	assert.NotContains(t, out, "pay.csv", "another route's results are not listed")

	out, err = sftp(fmt.Sprintf("get /outbox/results/pay.csv.ack.xml %s\n", filepath.Join(dir, "ack.xml")))
	require.Error(t, err, out)
	out, err = sftp("rm /outbox/results/pay.csv.ack.xml\n")
	require.Error(t, err, out)
	assert.Contains(t, strings.ToLower(out), "no such file")
	assert.FileExists(t, filepath.Join(e.results, "pay.csv.ack.xml"))
	assert.NoFileExists(t, filepath.Join(dir, "ack.xml"))
	assert.True(t, slices.ContainsFunc(e.logs.records("operation refused"), func(r map[string]any) bool {
		return r["op"] == "remove" && r["path"] == "/outbox/results/pay.csv.ack.xml"
	}), "the attempt is audited")
}

// openSSHBatch returns a runner of OpenSSH sftp batch scripts as user, and
// a temp folder for local files.
func (e *env) openSSHBatch(t *testing.T, k clientKey, user string) (func(batch string) (string, error), string) {
	t.Helper()
	sftpBin := sharedtest.Tool(t, "sftp", "openssh-client")
	dir := t.TempDir()
	key := k.writeFiles(t, dir)
	host, port, err := net.SplitHostPort(e.addr)
	require.NoError(t, err)
	return func(batch string) (string, error) {
		batchFile := filepath.Join(dir, "batch")
		require.NoError(t, os.WriteFile(batchFile, []byte(batch), 0o600))
		return run(t, sftpBin, "-b", batchFile, "-P", port, "-i", key, "-F", "/dev/null",
			"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", user+"@"+host)
	}, dir
}

// Issue 11 item 11: after an upload the bridge claimed, ls of the inbox
// shows what is really there, and rm of the claimed file fails.
func TestServer_ClaimedFilesOpenSSH(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	sftp, dir := e.openSSHBatch(t, k, "erp")
	local := filepath.Join(dir, "pay.csv")
	require.NoError(t, os.WriteFile(local, []byte("a,b\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(e.inbox["payables"], "waiting.csv"), []byte("x"), 0o644))

	out, err := sftp(fmt.Sprintf("put %s /inbox/payables/pay.csv\nls -1 /inbox/payables\n", local))
	require.NoError(t, err, out)
	require.Len(t, e.recv.uploads(), 1)
	listing := out[strings.Index(out, "ls -1"):]
	assert.Contains(t, listing, "waiting.csv", "a file really in the inbox is listed")
	assert.NotContains(t, listing, "pay.csv", "the claimed file is not")

	out, err = sftp("rm /inbox/payables/pay.csv\n")
	require.Error(t, err, "rm of a claimed file fails: %s", out)
	assert.Contains(t, out, "Permission denied")
	assert.Len(t, e.recv.uploads(), 1)
}
