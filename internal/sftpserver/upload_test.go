package sftpserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkg/sftp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestServer_Upload(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables", "sepa")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	data := payload(3<<20 + 17) // several packets, not a multiple of any
	require.NoError(t, put(c, "/inbox/payables/pay.csv", data))

	// The receiver had the complete bytes under a hidden name in the inbox.
	ups := e.recv.uploads()
	require.Len(t, ups, 1)
	u := ups[0]
	assert.Equal(t, "erp", u.User)
	assert.Equal(t, "payables", u.Route)
	assert.Equal(t, "pay.csv", u.Name)
	assert.Equal(t, int64(len(data)), u.Size)
	assert.Equal(t, e.inbox["payables"], filepath.Dir(u.Path))
	assert.True(t, isHiddenTemp(filepath.Base(u.Path)), u.Path)
	assert.Equal(t, data, e.recv.bytes["F001"])
	assert.Empty(t, dirNames(t, e.inbox["payables"]), "nothing left in the inbox")

	// The client's post-upload size check still sees the file for a while,
	// but a listing shows what is really in the inbox, and rm and rename
	// of the claimed file fail, saying why.
	fi, err := c.Stat("/inbox/payables/pay.csv")
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), fi.Size())
	list, err := c.ReadDir("/inbox/payables")
	require.NoError(t, err)
	assert.Empty(t, list, "the claimed file is not listed")
	require.NoError(t, c.Chmod("/inbox/payables/pay.csv", 0o644), "setstat is a no-op")
	// (pkg/sftp's client keeps only the status code; the message is in the
	// status packet for clients that show it, and in the audit log.)
	require.ErrorIs(t, c.Remove("/inbox/payables/pay.csv"), os.ErrPermission)
	require.ErrorIs(t, c.Rename("/inbox/payables/pay.csv", "/inbox/payables/other.csv"), os.ErrPermission)
	var ops []any
	for _, r := range e.logs.records("operation refused") {
		if strings.Contains(r["reason"].(string), "taken by the bridge as F001") {
			ops = append(ops, r["op"])
		}
	}
	assert.Equal(t, []any{"remove", "rename"}, ops)

	// Ack in the outbox → download → delete.
	ack, err := get(c, "/outbox/results/pay.csv.ack.xml")
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(e.results, "pay.csv.ack.xml"))
	require.NoError(t, err)
	assert.Equal(t, want, ack)
	require.NoError(t, c.Remove("/outbox/results/pay.csv.ack.xml"))
	assert.Empty(t, dirNames(t, e.results))

	// Audit trail.
	sum := sha256.Sum256(data)
	up := e.logs.records("upload")
	require.Len(t, up, 1)
	assert.Equal(t, "erp", up[0]["user"])
	assert.Equal(t, "/inbox/payables/pay.csv", up[0]["path"])
	assert.Equal(t, hex.EncodeToString(sum[:]), up[0]["sha256"])
	assert.Equal(t, "F001", up[0]["file_id"])
	assert.EqualValues(t, len(data), up[0]["size"])
	assert.NotEmpty(t, up[0]["remote"])
	require.Len(t, e.logs.records("download"), 1)
	require.Len(t, e.logs.records("delete"), 1)
	login := e.logs.records("login")
	require.Len(t, login, 1)
	assert.Equal(t, "publickey", login[0]["method"])
	assert.Equal(t, ssh.FingerprintSHA256(k.pub()), login[0]["fingerprint"])

	// Another session (the ERP's next run) does not find it by stat, so a
	// client does not delete it before uploading that name again; its rm
	// still fails with the reason.
	c2 := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	_, err = c2.Stat("/inbox/payables/pay.csv")
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorIs(t, c2.Remove("/inbox/payables/pay.csv"), os.ErrPermission)
}

func TestServer_UploadConcurrentWrites(t *testing.T) {
	// pkg/sftp's client writes many packets concurrently at their offsets;
	// the server must reassemble them and hash what is on disk.
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	c2, err := sftp.NewClient(c.ssh, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
	require.NoError(t, err)
	defer c2.Close()

	data := payload(8<<20 + 5)
	f, err := c2.Create("/inbox/payables/big.xml")
	require.NoError(t, err)
	_, err = f.ReadFrom(bytes.NewReader(data))
	require.NoError(t, err)
	require.NoError(t, f.Close())

	require.Len(t, e.recv.uploads(), 1)
	assert.Equal(t, data, e.recv.bytes["F001"])
	sum := sha256.Sum256(data)
	assert.Equal(t, hex.EncodeToString(sum[:]), e.logs.records("upload")[0]["sha256"])
}

func TestServer_UploadInBandReject(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "sepa")}, nil)
	e.recv.reject = map[string]string{"sepa": "CtrlSum 10.00 does not match the sum of the transactions 12.00"}
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	err := put(c, "/inbox/sepa/p.xml", []byte("<Document/>"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CtrlSum 10.00 does not match")
	assert.Empty(t, dirNames(t, e.inbox["sepa"]))
	rej := e.logs.records("upload rejected")
	require.Len(t, rej, 1)
	assert.Equal(t, "CtrlSum 10.00 does not match the sum of the transactions 12.00", rej[0]["reason"])
	_, err = c.Stat("/inbox/sepa/p.xml")
	assert.ErrorIs(t, err, os.ErrNotExist, "a rejected file is not shown as uploaded")
}

func TestServer_UploadReceiverError(t *testing.T) {
	// The pipeline could not claim the file: the bytes stay in the inbox
	// under their visible name for the folder watcher, and the client's
	// close succeeds.
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	e.recv.fail = map[string]bool{"payables": true}
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	require.NoError(t, put(c, "/inbox/payables/a.csv", []byte("x,1\n")))
	got, err := os.ReadFile(filepath.Join(e.inbox["payables"], "a.csv"))
	require.NoError(t, err)
	assert.Equal(t, "x,1\n", string(got))

	// A second failed upload of the same name does not overwrite the first.
	require.NoError(t, put(c, "/inbox/payables/a.csv", []byte("x,2\n")))
	names := dirNames(t, e.inbox["payables"])
	require.Len(t, names, 2)
	assert.Contains(t, names, "a.csv")
}

func TestServer_UploadClientTempRename(t *testing.T) {
	tests := []struct {
		name  string
		temp  string
		posix bool
	}{
		{"WinSCP", "pay.csv.filepart", false},
		{"FileZilla", "pay.csv.part", true},
		{"dot-file", ".pay.csv", true},
		{"tmp", "pay.tmp", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newClientKey(t)
			e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
			c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
			data := payload(100_000)

			require.NoError(t, put(c, "/inbox/payables/"+tt.temp, data))
			assert.Empty(t, e.recv.uploads(), "a temp name is not handed over on close")
			assert.Equal(t, []string{tt.temp}, dirNames(t, e.inbox["payables"]))
			fi, err := c.Stat("/inbox/payables/" + tt.temp)
			require.NoError(t, err)
			assert.Equal(t, int64(len(data)), fi.Size())

			if tt.posix {
				require.NoError(t, c.PosixRename("/inbox/payables/"+tt.temp, "/inbox/payables/pay.csv"))
			} else {
				require.NoError(t, c.Rename("/inbox/payables/"+tt.temp, "/inbox/payables/pay.csv"))
			}
			ups := e.recv.uploads()
			require.Len(t, ups, 1)
			assert.Equal(t, "pay.csv", ups[0].Name)
			assert.Equal(t, filepath.Join(e.inbox["payables"], tt.temp), ups[0].Path)
			assert.Equal(t, data, e.recv.bytes["F001"])
			assert.Empty(t, dirNames(t, e.inbox["payables"]))
			_, err = c.Stat("/inbox/payables/pay.csv")
			require.NoError(t, err)
		})
	}
}

func TestServer_UploadClientTempRenameRejected(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "sepa")}, nil)
	e.recv.reject = map[string]string{"sepa": "not a pain.001 file"}
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	require.NoError(t, put(c, "/inbox/sepa/x.xml.filepart", []byte("nope")))
	err := c.Rename("/inbox/sepa/x.xml.filepart", "/inbox/sepa/x.xml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a pain.001 file")
}

func TestServer_UploadCutOff(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c, err := e.dial("erp", ssh.PublicKeys(k.signer))
	require.NoError(t, err)

	f, err := c.Create("/inbox/payables/pay.csv")
	require.NoError(t, err)
	_, err = f.Write(payload(1 << 20))
	require.NoError(t, err, "the first MiB reached the server")
	require.NoError(t, c.tcp.Close(), "the connection drops mid-transfer")

	eventually(t, func() bool { return len(e.logs.records("upload aborted")) == 1 }, "upload aborted")
	assert.Empty(t, e.recv.uploads(), "the receiver never saw the partial file")
	assert.Empty(t, dirNames(t, e.inbox["payables"]), "no visible file and no temp file")

	// The next full upload of the same name is processed once.
	c2 := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	data := payload(2 << 20)
	require.NoError(t, put(c2, "/inbox/payables/pay.csv", data))
	ups := e.recv.uploads()
	require.Len(t, ups, 1)
	assert.Equal(t, int64(len(data)), ups[0].Size)
	assert.Equal(t, data, e.recv.bytes["F001"])
}

func TestServer_UploadResumeRefused(t *testing.T) {
	// A resumed upload (open without truncate, write from the middle) would
	// hand over a file with a hole of zeros; it must fail instead.
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	f, err := c.OpenFile("/inbox/payables/pay.csv", os.O_WRONLY|os.O_CREATE)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte("tail of the file"), 1000)
	require.NoError(t, err)
	err = f.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "upload incomplete")
	assert.Empty(t, e.recv.uploads())
	assert.Empty(t, dirNames(t, e.inbox["payables"]))
}

func TestServer_UploadReadBackRefused(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	f, err := c.OpenFile("/inbox/payables/pay.csv", os.O_RDWR|os.O_CREATE|os.O_TRUNC)
	require.NoError(t, err)
	_, err = f.Write([]byte("a,b\n"))
	require.NoError(t, err)
	_, err = f.ReadAt(make([]byte, 4), 0)
	require.Error(t, err, "the inbox is write-only")
	require.NoError(t, f.Close())
	require.Len(t, e.recv.uploads(), 1)
	assert.Equal(t, "a,b\n", string(e.recv.bytes["F001"]))
}

func TestServer_UploadEmptyFile(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	require.NoError(t, put(c, "/inbox/payables/empty.csv", nil))
	ups := e.recv.uploads()
	require.Len(t, ups, 1, "an empty file is the ERP's to send; the pipeline rejects it with a reason")
	assert.Zero(t, ups[0].Size)
}

func TestServer_StatVFSAndSetstat(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	st, err := c.StatVFS("/inbox/payables")
	require.NoError(t, err)
	assert.Positive(t, st.Blocks)
	assert.Positive(t, st.Bsize)

	// setstat on an open upload handle (sftp put -p) and by path.
	f, err := c.Create("/inbox/payables/p.csv")
	require.NoError(t, err)
	_, err = f.Write([]byte("1"))
	require.NoError(t, err)
	require.NoError(t, f.Chmod(0o600))
	fi, err := f.Stat()
	require.NoError(t, err, "fstat of an upload in progress")
	assert.Equal(t, int64(1), fi.Size())
	require.NoError(t, f.Close())
	require.NoError(t, c.Chtimes("/inbox/payables/p.csv", fi.ModTime(), fi.ModTime()))
	require.NoError(t, c.Chmod("/inbox/payables/p.csv", 0o600))
}

func TestServer_ListingHidesTempsAndLinks(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	require.NoError(t, os.WriteFile(filepath.Join(e.results, "a.ack.xml"), []byte("a"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(e.results, ".b.ack.xml.tmp"), []byte("b"), 0o644))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(e.results, "passwd.xml")))
	require.NoError(t, os.WriteFile(filepath.Join(e.inbox["payables"], hiddenTempName("x.csv")), []byte("b"), 0o600))
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	names := func(dir string) []string {
		list, err := c.ReadDir(dir)
		require.NoError(t, err)
		var out []string
		for _, fi := range list {
			out = append(out, fi.Name())
		}
		return out
	}
	assert.Equal(t, []string{"inbox", "outbox"}, names("/"))
	assert.Equal(t, []string{"payables"}, names("/inbox"))
	assert.Equal(t, []string{"results", "statements"}, names("/outbox"))
	assert.Equal(t, []string{"a.ack.xml"}, names("/outbox/results"))
	assert.Empty(t, names("/inbox/payables"))
	_, err := get(c, "/outbox/results/passwd.xml")
	assert.Error(t, err, "a symlink in the outbox is never followed")
	_, err = get(c, "/outbox/results/.b.ack.xml.tmp")
	assert.Error(t, err, "the outbound writer's temp files are not served")
}

func TestUpload_HashesOutOfOrderWrites(t *testing.T) {
	// Writes arrive slightly out of order from pkg/sftp's workers; the
	// running sha256 must cover them without re-reading the file at close.
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, hiddenTempName("x")), os.O_RDWR|os.O_CREATE, 0o600)
	require.NoError(t, err)
	defer f.Close()
	u := newUpload(nil, node{}, f, filepath.Base(f.Name()), false)
	data := payload(100)
	for _, w := range []span{{10, 20}, {30, 40}, {0, 10}, {20, 30}, {40, 100}} {
		_, err := u.WriteAt(data[w.start:w.end], w.start)
		require.NoError(t, err)
	}
	require.True(t, u.hashing)
	assert.True(t, u.cov.complete())
	sum := sha256.Sum256(data)
	assert.Equal(t, sum[:], u.hash.Sum(nil))

	_, err = u.WriteAt([]byte("x"), 5)
	require.NoError(t, err)
	assert.False(t, u.hashing, "a rewrite falls back to hashing the file at close")
}

func TestServer_DownloadStatement(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	data := payload(6<<20 + 11)
	require.NoError(t, os.WriteFile(filepath.Join(e.statements, "DE89_2025-01-31_r1.xml"), data, 0o644))
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))

	f, err := c.Open("/outbox/statements/DE89_2025-01-31_r1.xml")
	require.NoError(t, err)
	var got bytes.Buffer
	_, err = f.WriteTo(&got) // pkg/sftp reads concurrently at offsets
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.Equal(t, data, got.Bytes())

	dl := e.logs.records("download")
	require.Len(t, dl, 1)
	assert.EqualValues(t, len(data), dl[0]["sent"])
	assert.Equal(t, "/outbox/statements/DE89_2025-01-31_r1.xml", dl[0]["path"])
	require.NoError(t, c.Remove("/outbox/statements/DE89_2025-01-31_r1.xml"))
	assert.Empty(t, dirNames(t, e.statements))
}
