package sftpserver

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestServer_Escapes(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables", "sepa")}, nil)
	// "other" is a route of another user; a file waits in it and in the outbox.
	require.NoError(t, os.WriteFile(filepath.Join(e.inbox["other"], "theirs.csv"), []byte("secret"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(e.results, "r.ack.xml"), []byte("ack"), 0o644))
	outside := filepath.Join(e.base, "outside.txt")
	require.NoError(t, os.WriteFile(outside, []byte("outside"), 0o644))
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	require.NoError(t, put(c, "/inbox/payables/t.csv.part", []byte("temp")))
	rel, err := filepath.Rel("/", outside)
	require.NoError(t, err)
	deep := "/inbox/payables/../../../../../../../../" + rel

	tests := []struct {
		name string
		op   func() error
	}{
		{"read dotdot chain", func() error { _, err := get(c, "../../../../../../etc/passwd"); return err }},
		{"read absolute", func() error { _, err := get(c, "/etc/passwd"); return err }},
		{"read dotdot to a real file", func() error { _, err := get(c, deep); return err }},
		{"read another user's route", func() error { _, err := get(c, "/inbox/other/theirs.csv"); return err }},
		{"list another user's route", func() error { _, err := c.ReadDir("/inbox/other"); return err }},
		{"stat another user's route", func() error { _, err := c.Stat("/inbox/other/theirs.csv"); return err }},
		{"read back the inbox", func() error { _, err := get(c, "/inbox/payables/t.csv.part"); return err }},
		{"write dotdot chain", func() error { return put(c, "/inbox/payables/../../../../tmp/evil.csv", []byte("x")) }},
		{"write absolute", func() error { return put(c, "/etc/evil.csv", []byte("x")) }},
		{"write over a real file", func() error { return put(c, deep, []byte("x")) }},
		{"write root", func() error { return put(c, "/evil.csv", []byte("x")) }},
		{"write inbox root", func() error { return put(c, "/inbox/evil.csv", []byte("x")) }},
		{"write outbox", func() error { return put(c, "/outbox/results/evil.xml", []byte("x")) }},
		{"overwrite outbox file", func() error { return put(c, "/outbox/results/r.ack.xml", []byte("x")) }},
		{"write another user's route", func() error { return put(c, "/inbox/other/evil.csv", []byte("x")) }},
		{"write subfolder", func() error { return put(c, "/inbox/payables/sub/evil.csv", []byte("x")) }},
		{"write backslash name", func() error { return put(c, `/inbox/payables/..\..\evil.csv`, []byte("x")) }},
		{"write server temp name", func() error { return put(c, "/inbox/payables/"+hiddenTempName("x.csv"), []byte("x")) }},
		{"symlink to /etc/passwd", func() error { return c.Symlink("/etc/passwd", "/inbox/payables/link") }},
		{"symlink outbox to inbox", func() error { return c.Symlink("/outbox/results/r.ack.xml", "/inbox/payables/l") }},
		{"hard link", func() error { return c.Link("/outbox/results/r.ack.xml", "/inbox/payables/l") }},
		{"rename out of the inbox", func() error { return c.Rename("/inbox/payables/t.csv.part", "/outbox/results/t.csv") }},
		{"rename to another route", func() error { return c.Rename("/inbox/payables/t.csv.part", "/inbox/sepa/t.csv") }},
		{"rename to root", func() error { return c.PosixRename("/inbox/payables/t.csv.part", "/t.csv") }},
		{"rename dotdot", func() error { return c.Rename("/inbox/payables/t.csv.part", "/inbox/payables/../../t.csv") }},
		{"rename outbox file", func() error { return c.Rename("/outbox/results/r.ack.xml", "/outbox/results/s.xml") }},
		{"rename from another user's route", func() error { return c.Rename("/inbox/other/theirs.csv", "/inbox/payables/t.csv") }},
		{"mkdir", func() error { return c.Mkdir("/inbox/payables/sub") }},
		{"rmdir", func() error { return c.RemoveDirectory("/inbox/payables") }},
		{"remove folder", func() error { return c.Remove("/outbox") }},
		{"remove another user's file", func() error { return c.Remove("/inbox/other/theirs.csv") }},
		{"remove outside", func() error { return c.Remove(deep) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, tt.op())
		})
	}

	// Nothing changed on disk outside the user's inbox folders.
	got, err := os.ReadFile(outside)
	require.NoError(t, err)
	assert.Equal(t, "outside", string(got))
	assert.Equal(t, []string{"theirs.csv"}, dirNames(t, e.inbox["other"]))
	assert.Equal(t, []string{"r.ack.xml"}, dirNames(t, e.results))
	assert.Equal(t, []string{"t.csv.part"}, dirNames(t, e.inbox["payables"]))
	assert.Empty(t, dirNames(t, e.inbox["sepa"]))
	_, err = os.Lstat("/tmp/evil.csv")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Empty(t, e.recv.uploads())
	assert.NotEmpty(t, e.logs.records("operation refused"), "refusals are audited")
	for _, rec := range e.logs.records("operation refused") {
		assert.Equal(t, "erp", rec["user"])
		assert.NotEmpty(t, rec["remote"])
	}
}

func TestServer_ErrorCodes(t *testing.T) {
	// Clients act on the status code: permission denied for refusals,
	// no such file for what does not exist.
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	// pkg/sftp's client maps SSH_FX_PERMISSION_DENIED to fs.ErrPermission.
	assert.ErrorIs(t, put(c, "/outbox/results/x", []byte("x")), fs.ErrPermission)
	assert.ErrorIs(t, c.Symlink("/etc/passwd", "/inbox/payables/l"), fs.ErrPermission)

	_, err := c.Stat("/etc/passwd")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestServer_NoShellNoForwarding(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	sess, err := c.ssh.NewSession()
	require.NoError(t, err)
	defer sess.Close()
	assert.Error(t, sess.Run("cat /etc/passwd"), "exec is refused")

	_, err = c.ssh.Dial("tcp", e.addr)
	assert.Error(t, err, "port forwarding is refused")
}

func TestServer_RealPath(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	for in, want := range map[string]string{".": "/", "../..": "/", "inbox/payables": "/inbox/payables", "/inbox/../outbox": "/outbox"} {
		got, err := c.RealPath(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
}
