package sftpserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// These tests drive the server with the clients ERPs and operators use. CI
// installs them (openssh-client lftp curl); elsewhere a missing one skips.

// run executes a client with a deadline and returns its combined output.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user ssh config, keys or known_hosts
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// roundTrip checks what every client test does: the upload reached the
// receiver intact, the ack was downloaded intact and then deleted.
func (e *env) checkRoundTrip(t *testing.T, data []byte, localAck string) {
	t.Helper()
	ups := e.recv.uploads()
	require.Len(t, ups, 1)
	assert.Equal(t, "pay.csv", ups[0].Name)
	assert.Equal(t, data, e.recv.bytes["F001"])
	ack, err := os.ReadFile(localAck)
	require.NoError(t, err)
	assert.Equal(t, `<ack file="pay.csv" id="F001"/>`+"\n", string(ack))
	assert.Empty(t, dirNames(t, e.results), "the ack was deleted")
	assert.Empty(t, dirNames(t, e.inbox["payables"]), "no temp file left")
}

func TestServer_OpenSSHClient(t *testing.T) {
	sftpBin := sharedtest.Tool(t, "sftp", "openssh-client")
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables", "sepa")}, nil)
	e.recv.reject = map[string]string{"sepa": "IBAN DE00 has a bad checksum"}
	dir := t.TempDir()
	key := k.writeFiles(t, dir)
	// Pin the host keys with the known_hosts lines Fingerprints prints.
	knownHosts := filepath.Join(dir, "known_hosts")
	lines := Fingerprints(e.srv.signers, e.addr)
	require.NoError(t, os.WriteFile(knownHosts, []byte(strings.Join(lines[len(e.srv.signers):], "\n")+"\n"), 0o600))
	host, port, err := net.SplitHostPort(e.addr)
	require.NoError(t, err)
	sftp := func(batch string) (string, error) {
		batchFile := filepath.Join(dir, "batch")
		require.NoError(t, os.WriteFile(batchFile, []byte(batch), 0o600))
		return run(t, sftpBin, "-b", batchFile, "-P", port, "-i", key, "-F", "/dev/null",
			"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
			"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+knownHosts,
			"-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "erp@"+host)
	}

	t.Run("round trip", func(t *testing.T) {
		data := payload(5<<20 + 3)
		local, localAck := filepath.Join(dir, "pay.csv"), filepath.Join(dir, "ack.xml")
		require.NoError(t, os.WriteFile(local, data, 0o600))
		out, err := sftp(fmt.Sprintf("put -p %s /inbox/payables/pay.csv\nls -l /inbox/payables\n"+
			"get /outbox/results/pay.csv.ack.xml %s\nrm /outbox/results/pay.csv.ack.xml\n", local, localAck))
		require.NoError(t, err, out)
		assert.Contains(t, out, "pay.csv", "ls after upload shows the file")
		e.checkRoundTrip(t, data, localAck)
	})
	t.Run("in-band reject", func(t *testing.T) {
		local := filepath.Join(dir, "p.xml")
		require.NoError(t, os.WriteFile(local, []byte("<Document/>"), 0o600))
		out, err := sftp(fmt.Sprintf("put %s /inbox/sepa/p.xml\n", local))
		require.Error(t, err, "the ERP's transfer job fails: %s", out)
	})
	t.Run("escape refused", func(t *testing.T) {
		out, err := sftp(fmt.Sprintf("get /etc/passwd %s\n", filepath.Join(dir, "passwd")))
		require.Error(t, err, out)
		out, err = sftp("put /etc/hostname ../../../../tmp/evil.csv\n")
		require.Error(t, err, out)
	})
}

func TestServer_LFTPClient(t *testing.T) {
	lftp := sharedtest.Tool(t, "lftp", "lftp")
	sharedtest.Tool(t, "ssh", "openssh-client") // lftp's sftp runs the OpenSSH client
	hash, err := bcrypt.GenerateFromPassword([]byte("demo"), bcrypt.MinCost)
	require.NoError(t, err)
	e := startServer(t, []User{{Name: "demo", PasswordHash: string(hash), Routes: []string{"payables"}}}, nil)
	dir := t.TempDir()
	data := payload(3<<20 + 1)
	local, localAck := filepath.Join(dir, "pay.csv"), filepath.Join(dir, "ack.xml")
	require.NoError(t, os.WriteFile(local, data, 0o600))
	host, port, err := net.SplitHostPort(e.addr)
	require.NoError(t, err)

	script := strings.Join([]string{
		"set sftp:auto-confirm yes",
		"set net:max-retries 1",
		"set net:timeout 20",
		`set sftp:connect-program "ssh -a -x -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PubkeyAuthentication=no -o PreferredAuthentications=password"`,
		fmt.Sprintf("open -u demo,demo -p %s sftp://%s", port, host),
		fmt.Sprintf("put %s -o /inbox/payables/pay.csv", local),
		"cls -1 /outbox/results",
		fmt.Sprintf("get /outbox/results/pay.csv.ack.xml -o %s", localAck),
		"rm /outbox/results/pay.csv.ack.xml",
		"bye",
	}, "; ")
	out, err := run(t, lftp, "-c", script)
	require.NoError(t, err, out)
	assert.Contains(t, out, "pay.csv.ack.xml")
	e.checkRoundTrip(t, data, localAck)
	login := e.logs.records("login")
	require.NotEmpty(t, login)
	assert.Equal(t, "password", login[0]["method"])
}

func TestServer_CurlClient(t *testing.T) {
	curl := sharedtest.Tool(t, "curl", "curl")
	if out, err := run(t, curl, "-V"); err != nil || !strings.Contains(out, "sftp") {
		if os.Getenv("CI") == "true" {
			t.Fatalf("curl lacks SFTP support: %s", out)
		}
		t.Skip("curl was built without SFTP support")
	}
	k := newClientKey(t)
	// No legacy_algorithms: libssh2 before 1.11 (Debian 12's curl) knows no
	// AES-GCM, ChaCha20 or encrypt-then-MAC, and the defaults must still let
	// it in (SPEC §6).
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	dir := t.TempDir()
	key := k.writeFiles(t, dir)
	data := payload(2<<20 + 7)
	local, localAck := filepath.Join(dir, "pay.csv"), filepath.Join(dir, "ack.xml")
	require.NoError(t, os.WriteFile(local, data, 0o600))
	base := "sftp://" + e.addr
	auth := []string{"-sS", "--fail", "--insecure", "--key", key, "--pubkey", key + ".pub", "-u", "erp:"}

	out, err := run(t, curl, append(auth, "-T", local, base+"/inbox/payables/")...)
	require.NoError(t, err, out)
	out, err = run(t, curl, append(auth, "-o", localAck, base+"/outbox/results/pay.csv.ack.xml")...)
	require.NoError(t, err, out)
	out, err = run(t, curl, append(auth, "-Q", "rm /outbox/results/pay.csv.ack.xml", base+"/outbox/results/")...)
	require.NoError(t, err, out)
	e.checkRoundTrip(t, data, localAck)

	out, err = run(t, curl, append(auth, "-o", filepath.Join(dir, "passwd"), base+"/etc/passwd")...)
	require.Error(t, err, "escape refused: %s", out)
	assert.Empty(t, e.logs.records(negotiationFailedMsg))
}

// paramikoPython returns a python3 that can import paramiko (Debian's
// python3-paramiko lives under /usr/bin/python3, which a pyenv or venv
// python3 earlier in PATH does not see). It skips like sharedtest.Tool.
func paramikoPython(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, p := range candidates {
		if out, err := run(t, p, "-c", "import paramiko"); err == nil {
			return p
		} else {
			t.Logf("%s: %v: %s", p, err, out)
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("python3 with paramiko is required in CI (apt-get install python3-paramiko)")
	}
	t.Skip("python3-paramiko not installed (apt-get install python3-paramiko)")
	return ""
}

// paramikoScript uploads, lists, downloads and deletes with paramiko's
// defaults, checking the server's host key against known_hosts.
const paramikoScript = `
import sys, paramiko
host, port, user, key, known, local, ack = sys.argv[1:8]
c = paramiko.SSHClient()
c.load_host_keys(known)
c.set_missing_host_key_policy(paramiko.RejectPolicy())
c.connect(host, port=int(port), username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key),
          allow_agent=False, look_for_keys=False, timeout=20)
t = c.get_transport()
print("negotiated", t.remote_cipher, t.remote_mac, t.host_key_type)
s = c.open_sftp()
s.put(local, "/inbox/payables/pay.csv", confirm=False)
print("listed", s.listdir("/inbox/payables"))
s.get("/outbox/results/pay.csv.ack.xml", ack)
s.remove("/outbox/results/pay.csv.ack.xml")
try:
    s.stat("/../../etc/passwd")
    print("escaped")
    sys.exit(3)
except IOError:
    pass
s.close()
c.close()
`

func TestServer_ParamikoClient(t *testing.T) {
	python := paramikoPython(t)
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil) // no legacy_algorithms
	dir := t.TempDir()
	key := k.writeFiles(t, dir)
	knownHosts := filepath.Join(dir, "known_hosts")
	lines := Fingerprints(e.srv.signers, e.addr)
	require.NoError(t, os.WriteFile(knownHosts, []byte(strings.Join(lines[len(e.srv.signers):], "\n")+"\n"), 0o600))
	host, port, err := net.SplitHostPort(e.addr)
	require.NoError(t, err)
	data := payload(1<<20 + 11)
	local, localAck := filepath.Join(dir, "pay.csv"), filepath.Join(dir, "ack.xml")
	require.NoError(t, os.WriteFile(local, data, 0o600))

	out, err := run(t, python, "-c", paramikoScript, host, port, "erp", key, knownHosts, local, localAck)
	require.NoError(t, err, out)
	t.Log(strings.TrimSpace(out))
	e.checkRoundTrip(t, data, localAck)
	assert.Empty(t, e.logs.records(negotiationFailedMsg))
}
