package sftpserver

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// sftpPacket frames an SFTP packet of type typ with the given body.
func sftpPacket(typ byte, body ...[]byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 0)
	b = append(b, typ)
	for _, part := range body {
		b = append(b, part...)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func u32(v uint32) []byte    { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte    { return binary.BigEndian.AppendUint64(nil, v) }
func sshStr(s string) []byte { return append(u32(uint32(len(s))), s...) }

// versionPacket is a version answer as pkg/sftp writes it.
func versionPacket(exts ...string) []byte {
	body := [][]byte{u32(3)}
	for _, e := range exts {
		body = append(body, sshStr(e), sshStr("1"))
	}
	return sftpPacket(sshFxpVersion, body...)
}

// TestLimits_Stream follows a session's two streams in every split: a
// limits request is noted as it is read, the version answer announces the
// extension, and pkg/sftp's "unsupported" answer to that request (and
// only to it) becomes the limits reply. A write whose data looks like a
// limits request is not mistaken for one.
func TestLimits_Stream(t *testing.T) {
	lookalike := sftpPacket(sshFxpExtended, u32(9), sshStr(limitsExtension))
	requests := bytes.Join([][]byte{
		sftpPacket(1, u32(3)), // init
		sftpPacket(sshFxpExtended, u32(7), sshStr(limitsExtension)),
		sftpPacket(sshFxpExtended, u32(8), sshStr("other@example.com")),
		sftpPacket(6, u32(10), sshStr("h"), u64(0), sshStr(string(lookalike))), // write
	}, nil)
	answers := bytes.Join([][]byte{
		versionPacket("posix-rename@openssh.com"),
		fullStatusPacket(7, sshFxOpUnsupported, "operation unsupported"),
		fullStatusPacket(8, sshFxOpUnsupported, "operation unsupported"),
		fullStatusPacket(9, sshFxOpUnsupported, "operation unsupported"),
		dataPacket(11, string(fullStatusPacket(7, sshFxOpUnsupported, "x"))),
	}, nil)
	reply := sftpPacket(sshFxpExtendedReply, u32(7), u64(256<<10), u64(255<<10), u64(32<<10), u64(0))
	want := bytes.Join([][]byte{
		versionPacket("posix-rename@openssh.com", limitsExtension),
		reply,
		fullStatusPacket(8, sshFxOpUnsupported, "operation unsupported"),
		fullStatusPacket(9, sshFxOpUnsupported, "operation unsupported"),
		dataPacket(11, string(fullStatusPacket(7, sshFxOpUnsupported, "x"))),
	}, nil)
	for _, chunk := range []int{1, 2, 3, 5, 7, 13, 64, len(requests)} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			reqs := &limitsRequests{}
			sniff := limitsSniffer{reqs: reqs}
			for p := requests; len(p) > 0; p = p[min(chunk, len(p)):] {
				sniff.feed(p[:min(chunk, len(p))])
			}
			assert.Equal(t, []uint32{7}, reqs.ids)

			var out bytes.Buffer
			w := newStatusRewriter(&out, newClientPaths("/", nil))
			w.limits = reqs
			for p := answers; len(p) > 0; p = p[min(chunk, len(p)):] {
				_, err := w.Write(p[:min(chunk, len(p))])
				require.NoError(t, err)
			}
			assert.Equal(t, want, out.Bytes())
			assert.Empty(t, reqs.ids, "the request was answered")
		})
	}
}

// rawSFTP is an SFTP session spoken packet by packet, to see exactly what
// the server answers.
type rawSFTP struct {
	t   *testing.T
	in  io.Writer
	out io.Reader
}

func (e *env) rawSFTP(t *testing.T, user string, auth ...ssh.AuthMethod) *rawSFTP {
	t.Helper()
	c := e.mustDial(t, user, auth...)
	sess, err := c.ssh.NewSession()
	require.NoError(t, err)
	t.Cleanup(func() { sess.Close() })
	in, err := sess.StdinPipe()
	require.NoError(t, err)
	out, err := sess.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, sess.RequestSubsystem("sftp"))
	return &rawSFTP{t: t, in: in, out: out}
}

func (r *rawSFTP) send(pkt []byte) {
	r.t.Helper()
	_, err := r.in.Write(pkt)
	require.NoError(r.t, err)
}

// recv returns the next answer's type and body (after the type byte).
func (r *rawSFTP) recv() (byte, []byte) {
	r.t.Helper()
	var hdr [4]byte
	_, err := io.ReadFull(r.out, hdr[:])
	require.NoError(r.t, err)
	b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err = io.ReadFull(r.out, b)
	require.NoError(r.t, err)
	require.NotEmpty(r.t, b)
	return b[0], b[1:]
}

// TestServer_LimitsExtension speaks the protocol as OpenSSH's sftp client
// does: the server announces limits@openssh.com, answers it with
// OpenSSH's own read limit, and answers a read of that size in full (a
// short answer would make the client shrink its requests).
func TestServer_LimitsExtension(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	data := payload(3*limitsMaxRead + 1000)
	require.NoError(t, os.WriteFile(filepath.Join(e.statements, "big.xml"), data, 0o644))
	r := e.rawSFTP(t, "erp", ssh.PublicKeys(k.signer))

	r.send(sftpPacket(1, u32(3)))
	typ, body := r.recv()
	require.Equal(t, byte(sshFxpVersion), typ)
	assert.True(t, bytes.Contains(body, append(sshStr(limitsExtension), sshStr("1")...)), "version announces limits: %q", body)

	r.send(sftpPacket(sshFxpExtended, u32(1), sshStr(limitsExtension)))
	typ, body = r.recv()
	require.Equal(t, byte(sshFxpExtendedReply), typ, "%q", body)
	assert.Equal(t, bytes.Join([][]byte{u32(1), u64(262144), u64(261120), u64(32768), u64(0)}, nil), body)

	r.send(sftpPacket(3, u32(2), sshStr("/outbox/statements/big.xml"), u32(1), u32(0))) // open for reading
	typ, body = r.recv()
	require.Equal(t, byte(102), typ, "handle: %q", body)
	handle := string(body[8 : 8+binary.BigEndian.Uint32(body[4:8])])

	// OpenSSH's client keeps many reads in flight: answers come in order,
	// each as long as asked until the end of the file.
	for i := range 4 {
		r.send(sftpPacket(5, u32(uint32(10+i)), sshStr(handle), u64(uint64(i*limitsMaxRead)), u32(limitsMaxRead)))
	}
	for i := range 4 {
		typ, body = r.recv()
		require.Equal(t, byte(103), typ, "data: %q", body[:min(len(body), 200)])
		assert.Equal(t, uint32(10+i), binary.BigEndian.Uint32(body[:4]))
		end := min((i+1)*limitsMaxRead, len(data))
		assert.Equal(t, uint32(end-i*limitsMaxRead), binary.BigEndian.Uint32(body[4:8]))
		assert.True(t, bytes.Equal(data[i*limitsMaxRead:end], body[8:]), "read %d has the file's bytes", i)
	}
}

// TestServer_OpenSSHClientLargeReads downloads with OpenSSH's sftp as an
// ERP would: it takes up the server's limits, reads 255 KiB a request
// without re-requesting short blocks, and gets the file intact.
func TestServer_OpenSSHClientLargeReads(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	data := payload(5<<20 + 7)
	require.NoError(t, os.WriteFile(filepath.Join(e.statements, "big.xml"), data, 0o644))
	sftpBin := sharedtest.Tool(t, "sftp", "openssh-client")
	dir := t.TempDir()
	key := k.writeFiles(t, dir)
	host, port, err := net.SplitHostPort(e.addr)
	require.NoError(t, err)
	local := filepath.Join(dir, "big.xml")
	batch := filepath.Join(dir, "batch")
	require.NoError(t, os.WriteFile(batch, []byte("get /outbox/statements/big.xml "+local+"\n"), 0o600))
	// -vvv: the client's debug output says what request size it chose.
	out, err := run(t, sftpBin, "-vvv", "-b", batch, "-P", port, "-i", key, "-F", "/dev/null",
		"-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10", "erp@"+host)
	require.NoError(t, err, out)
	got, err := os.ReadFile(local)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got), "downloaded file differs")
	require.Contains(t, out, "using 32768 / 261120", "the client reads 255 KiB a request")
	// Every answer but the one at the end of the file is a full 255 KiB
	// (a short one makes the client re-request and shrink its requests).
	blocks := regexp.MustCompile(`(?i)received data (\d+) -> (\d+)`).FindAllStringSubmatch(out, -1)
	require.Len(t, blocks, (len(data)+limitsMaxRead-1)/limitsMaxRead)
	for _, b := range blocks {
		from, _ := strconv.Atoi(b[1])
		to, _ := strconv.Atoi(b[2])
		if to+1 != len(data) {
			assert.Equal(t, limitsMaxRead, to+1-from, "block at %d", from)
		}
	}
}
