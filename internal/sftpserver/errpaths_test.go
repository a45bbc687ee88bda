package sftpserver

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestClientPaths_Text(t *testing.T) {
	unix := newClientPaths("/", []pathPair{
		{"/var/lib/atlar-bridge/inbox/payables", "/inbox/payables"},
		{"/var/lib/atlar-bridge/inbox/pay", "/inbox/pay"},
		{"/var/lib/atlar-bridge/outbox/results/", "/outbox/results"},
		{"/var/lib/atlar-bridge/outbox/statements", "/outbox/statements"},
	})
	assert.Equal(t, "/var/lib/atlar-bridge", unix.root)
	win := newClientPaths(`\`, []pathPair{
		{`C:\ProgramData\Atlar Bridge\inbox\payables`, "/inbox/payables"},
		{`C:\ProgramData\Atlar Bridge\outbox\results`, "/outbox/results"},
	})
	spread := newClientPaths("/", []pathPair{{"/srv/in/payables", "/inbox/payables"}, {"/var/out/results", "/outbox/results"}})
	assert.Empty(t, spread.root, "no common folder but /: nothing else is hidden")

	tests := []struct {
		name  string
		paths clientPaths
		in    string
		want  string
	}{
		{"write to a hidden temp upload", unix,
			"write /var/lib/atlar-bridge/inbox/payables/.x.csv.0123456789abcdef.upload: no space left on device",
			"write /inbox/payables/x.csv: no space left on device"},
		{"a name with spaces and dots", unix,
			"sync /var/lib/atlar-bridge/inbox/payables/.pay run.v2.csv.0123456789abcdef.upload: input/output error",
			"sync /inbox/payables/pay run.v2.csv: input/output error"},
		{"a longer folder name is not a prefix match", unix,
			"open /var/lib/atlar-bridge/inbox/pay/a.csv: x; open /var/lib/atlar-bridge/inbox/payables/b.csv: y",
			"open /inbox/pay/a.csv: x; open /inbox/payables/b.csv: y"},
		{"rename between folders, one outside the user's", unix,
			"upload not accepted, send it again: rename /var/lib/atlar-bridge/inbox/payables/.a.csv.0123456789abcdef.upload /var/lib/atlar-bridge/processing/F1_a.csv: no space left on device",
			"upload not accepted, send it again: rename /inbox/payables/a.csv (server folder): no space left on device"},
		{"the journal", unix,
			`open "/var/lib/atlar-bridge/bridge.db": read-only file system`,
			`open "(server folder)": read-only file system`},
		{"an outbox file", unix,
			"remove /var/lib/atlar-bridge/outbox/results/x.ack.xml: permission denied",
			"remove /outbox/results/x.ack.xml: permission denied"},
		{"a relative temp name from os.Root", unix,
			"openat .x.csv.0123456789abcdef.upload: no space left on device",
			"openat x.csv: no space left on device"},
		{"the client's own path is left alone", unix,
			"/etc/passwd: no such file", "/etc/passwd: no such file"},
		{"windows", win,
			`write C:\ProgramData\Atlar Bridge\inbox\payables\.x.csv.0123456789abcdef.upload: There is not enough space on the disk.`,
			"write /inbox/payables/x.csv: There is not enough space on the disk."},
		{"windows, outside the user's folders", win,
			`rename C:\ProgramData\Atlar Bridge\inbox\payables\a.csv C:\ProgramData\Atlar Bridge\processing\a.csv: Access is denied.`,
			"rename /inbox/payables/a.csv (server folder): Access is denied."},
		{"folders spread over the disk", spread,
			"write /srv/in/payables/.x.csv.0123456789abcdef.upload: no space left on device",
			"write /inbox/payables/x.csv: no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.paths.text(tt.in))
		})
	}
}

// fullStatusPacket builds an SFTP status answer.
func fullStatusPacket(id, code uint32, msg string) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 0)
	b = append(b, sshFxpStatus)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint32(b, code)
	b = binary.BigEndian.AppendUint32(b, uint32(len(msg)))
	b = append(b, msg...)
	b = binary.BigEndian.AppendUint32(b, 2)
	b = append(b, "en"...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

// dataPacket builds an SFTP data answer (type 103) carrying body.
func dataPacket(id uint32, body string) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(1+4+4+len(body)))
	b = append(b, 103)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

// TestStatusRewriter feeds a stream of answers in every split, the way
// pkg/sftp (header, then payload) or anything else might write it: status
// messages are rewritten and every other byte passes unchanged, including a
// data answer that happens to hold a server path.
func TestStatusRewriter(t *testing.T) {
	paths := newClientPaths("/", []pathPair{{"/srv/bridge/inbox/payables", "/inbox/payables"}})
	secretish := "/srv/bridge/inbox/payables/.x.csv.0123456789abcdef.upload"
	in := bytes.Join([][]byte{
		fullStatusPacket(1, 4, "write "+secretish+": no space left on device"),
		dataPacket(2, "file content naming "+secretish),
		fullStatusPacket(3, 0, "Success"),
		fullStatusPacket(4, 4, "write "+secretish+": no space left on device"),
	}, nil)
	want := bytes.Join([][]byte{
		fullStatusPacket(1, 4, "write /inbox/payables/x.csv: no space left on device"),
		dataPacket(2, "file content naming "+secretish),
		fullStatusPacket(3, 0, "Success"),
		fullStatusPacket(4, 4, "write /inbox/payables/x.csv: no space left on device"),
	}, nil)
	for _, chunk := range []int{1, 2, 3, 5, 7, 13, 64, len(in)} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			var out bytes.Buffer
			w := newStatusRewriter(&out, paths)
			for p := in; len(p) > 0; {
				n := min(chunk, len(p))
				written, err := w.Write(p[:n])
				require.NoError(t, err)
				require.Equal(t, n, written)
				p = p[n:]
			}
			assert.Equal(t, want, out.Bytes())
		})
	}
}

// claimFailsReceiver simulates a pipeline that hits a full disk while
// claiming an upload, with the file then gone: the client gets the error
// back and must send again. Its error texts are real OS errors naming the
// server's folders.
type claimFailsReceiver struct{ processing string }

func (r claimFailsReceiver) Receive(_ context.Context, u Upload) (string, error) {
	// A real *os.LinkError naming both real paths (the target folder is
	// missing, as a failed disk would leave it).
	err := os.Rename(u.Path, filepath.Join(r.processing, "missing", "F001_"+u.Name))
	if rmErr := os.Remove(u.Path); rmErr != nil {
		return "", rmErr
	}
	return "", fmt.Errorf("claim %s: %w", u.Path, err)
}

// TestServer_ErrorTextsShowClientPaths forces an error whose Go text names
// the server's real folders and checks what the SFTP client is told.
func TestServer_ErrorTextsShowClientPaths(t *testing.T) {
	k := newClientKey(t)
	base := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	// The same folders and users, with a receiver that fails.
	srv, err := New(base.cfg, claimFailsReceiver{processing: filepath.Join(base.base, "processing")})
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, srv.Close(ctx))
	})
	e := *base
	e.srv, e.addr = srv, srv.Addr().String()

	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	err = put(c, "/inbox/payables/pay.csv", []byte("a;b\n"))
	require.Error(t, err)
	text := err.Error()
	t.Log("client sees:", text)
	assert.NotContains(t, text, base.base, "no server path")
	assert.NotContains(t, text, ".upload", "no server temp name")
	assert.Contains(t, text, "claim /inbox/payables/pay.csv", "the client's own path")
	assert.Contains(t, text, "rename /inbox/payables/pay.csv (server folder): no such file or directory")

	// The operator's log keeps the real paths.
	logged := base.logs.String()
	assert.Contains(t, logged, filepath.Join(base.base, "processing", "missing"))
}

// TestServer_DiskFullErrorShowsClientPath is issue 12's case itself: an
// upload into a full disk (a small tmpfs holding the folders) fails with
// ENOSPC on the server's hidden temp file, and the client is told its own
// path. It needs root and mount, like the crash suite's TestDisk_Full;
// elsewhere TestServer_ErrorTextsShowClientPaths covers the mapping.
func TestServer_DiskFullErrorShowsClientPath(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "small")
	require.NoError(t, os.MkdirAll(mnt, 0o755))
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	for _, d := range []string{"inbox/payables", "outbox/results", "outbox/statements"} {
		require.NoError(t, os.MkdirAll(filepath.Join(mnt, d), 0o755))
	}

	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) {
		c.InboxDir = func(r string) string { return filepath.Join(mnt, "inbox", r) }
		c.ResultsDir, c.StatementsDir = filepath.Join(mnt, "outbox", "results"), filepath.Join(mnt, "outbox", "statements")
	})
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	err := put(c, "/inbox/payables/big.csv", payload(2<<20))
	require.Error(t, err)
	text := err.Error()
	t.Log("client sees:", text)
	assert.Contains(t, text, "/inbox/payables/big.csv: no space left on device")
	assert.NotContains(t, text, mnt, "no server path")
	assert.NotContains(t, text, ".upload", "no server temp name")
	assert.Contains(t, e.logs.String(), filepath.Join(mnt, "inbox", "payables"), "the operator's log keeps the real path")
}

// BenchmarkStatusRewriter_OK is the cost the rewriter adds to each upload
// write's OK answer: tens of nanoseconds and no allocation.
func BenchmarkStatusRewriter_OK(b *testing.B) {
	paths := newClientPaths("/", []pathPair{
		{"/srv/bridge/inbox/payables", "/inbox/payables"},
		{"/srv/bridge/outbox/results", "/outbox/results"},
		{"/srv/bridge/outbox/statements", "/outbox/statements"},
	})
	w := newStatusRewriter(io.Discard, paths)
	pkt := fullStatusPacket(1, 0, "Success")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(pkt); err != nil {
			b.Fatal(err)
		}
	}
}
