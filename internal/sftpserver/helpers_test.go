package sftpserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/jonboulle/clockwork"
	"github.com/pkg/sftp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// sharedHostKeyDir holds host keys generated once per test binary: RSA-3072
// generation takes a second and most tests do not care which keys they get.
var sharedHostKeyDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sftpserver-hostkeys-")
	if err != nil {
		panic(err)
	}
	sharedHostKeyDir = dir
	if _, err := HostKeys(dir); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testHash is the bcrypt hash of "secret" at the minimum cost, so password
// tests stay fast; HashPassword's cost is tested on its own.
var testHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

// clientKey is a user's key pair.
type clientKey struct {
	signer ssh.Signer
	priv   ed25519.PrivateKey
}

func newClientKey(t testing.TB) clientKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return clientKey{signer: signer, priv: priv}
}

func (k clientKey) pub() ssh.PublicKey { return k.signer.PublicKey() }

// writeFiles writes the key in OpenSSH format (for sftp -i, curl --key) and
// its .pub, returning the private key's path.
func (k clientKey) writeFiles(t testing.TB, dir string) string {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(k.priv, "test")
	require.NoError(t, err)
	path := filepath.Join(dir, "id_ed25519")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	require.NoError(t, os.WriteFile(path+".pub", ssh.MarshalAuthorizedKey(k.pub()), 0o644))
	return path
}

// fakeReceiver mimics the inbound pipeline: it moves the upload into a
// processing folder and writes "<name>.ack.xml" into the results outbox.
type fakeReceiver struct {
	processing, results string
	reject              map[string]string // route → reason for an in-band reject
	fail                map[string]bool   // route → a plain error

	mu      sync.Mutex
	got     []Upload
	bytes   map[string][]byte // file id → content
	badSums []string          // uploads whose Upload.SHA256 did not match the bytes
}

func (r *fakeReceiver) Receive(_ context.Context, u Upload) (string, error) {
	data, err := os.ReadFile(u.Path)
	if err != nil {
		return "", fmt.Errorf("fake receiver: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if sum := sha256.Sum256(data); u.SHA256 != hex.EncodeToString(sum[:]) {
		r.badSums = append(r.badSums, u.Name)
	}
	r.got = append(r.got, u)
	if r.fail[u.Route] {
		return "", errors.New("journal unavailable")
	}
	id := fmt.Sprintf("F%03d", len(r.got))
	if reason, ok := r.reject[u.Route]; ok {
		if err := os.Remove(u.Path); err != nil {
			return "", err
		}
		return "", &RejectError{Reason: reason}
	}
	if err := os.Rename(u.Path, filepath.Join(r.processing, id+"_"+u.Name)); err != nil {
		return "", err
	}
	r.bytes[id] = data
	ack := fmt.Sprintf("<ack file=%q id=%q/>\n", u.Name, id)
	if err := os.WriteFile(filepath.Join(r.results, u.Name+".ack.xml"), []byte(ack), 0o644); err != nil {
		return "", err
	}
	return id, nil
}

func (r *fakeReceiver) uploads() []Upload {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// logBuffer collects JSON log records for assertions.
type logBuffer struct{ sharedtest.LogBuffer }

// records returns the records whose message is msg.
func (b *logBuffer) records(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(b.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// env is a running server on 127.0.0.1:0 over real folders.
type env struct {
	srv        *Server
	cfg        Config
	addr       string
	base       string
	inbox      map[string]string
	statements string
	results    string
	recv       *fakeReceiver
	logs       *logBuffer
	clock      *clockwork.FakeClock // nil when the real clock runs
}

var testRoutes = []string{"payables", "sepa", "sepa-transfers", "other"}

// startServer runs a server with the test routes; mod adjusts the config.
func startServer(t *testing.T, users []User, mod func(*Config)) *env {
	t.Helper()
	base := t.TempDir()
	e := &env{base: base, inbox: map[string]string{}, logs: &logBuffer{}}
	for _, r := range testRoutes {
		e.inbox[r] = filepath.Join(base, "inbox", r)
		require.NoError(t, os.MkdirAll(e.inbox[r], 0o755))
	}
	e.statements = filepath.Join(base, "outbox", "statements")
	e.results = filepath.Join(base, "outbox", "results")
	processing := filepath.Join(base, "processing")
	for _, d := range []string{e.statements, e.results, processing} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	e.recv = &fakeReceiver{processing: processing, results: e.results, bytes: map[string][]byte{}}
	cfg := Config{
		Listen:        "127.0.0.1:0",
		HostKeyDir:    sharedHostKeyDir,
		Users:         users,
		InboxDir:      func(r string) string { return e.inbox[r] },
		StatementsDir: e.statements,
		ResultsDir:    e.results,
		LoginDelay:    -1,
		Logger:        slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	if fc, ok := cfg.Clock.(*clockwork.FakeClock); ok {
		e.clock = fc
	}
	srv, err := New(cfg, e.recv)
	require.NoError(t, err)
	require.NoError(t, srv.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, srv.Close(ctx))
		e.recv.mu.Lock()
		defer e.recv.mu.Unlock()
		assert.Empty(t, e.recv.badSums, "Upload.SHA256 matches the bytes handed over")
	})
	e.srv, e.cfg, e.addr = srv, cfg, srv.Addr().String()
	return e
}

// hostKeyCallback accepts exactly the server's host keys.
func (e *env) hostKeyCallback() ssh.HostKeyCallback {
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		for _, s := range e.srv.signers {
			if bytes.Equal(s.PublicKey().Marshal(), key.Marshal()) {
				return nil
			}
		}
		return errors.New("unknown host key")
	}
}

// client is a pkg/sftp client with its TCP connection, so a test can cut it.
type client struct {
	*sftp.Client
	ssh *ssh.Client
	tcp net.Conn
}

func (e *env) dial(user string, auth ...ssh.AuthMethod) (*client, error) {
	return e.dialConfig(&ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: e.hostKeyCallback(), Timeout: 10 * time.Second})
}

func (e *env) dialConfig(cfg *ssh.ClientConfig) (*client, error) {
	tcp, err := net.DialTimeout("tcp", e.addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	conn, chans, reqs, err := ssh.NewClientConn(tcp, e.addr, cfg)
	if err != nil {
		tcp.Close()
		return nil, err
	}
	sc := ssh.NewClient(conn, chans, reqs)
	c, err := sftp.NewClient(sc)
	if err != nil {
		sc.Close()
		return nil, err
	}
	return &client{Client: c, ssh: sc, tcp: tcp}, nil
}

func (e *env) mustDial(t *testing.T, user string, auth ...ssh.AuthMethod) *client {
	t.Helper()
	c, err := e.dial(user, auth...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); c.ssh.Close() })
	return c
}

// put uploads data to p and returns the error of the close, which is where
// the server answers whether the file was taken.
func put(c *client, p string, data []byte) error {
	f, err := c.Create(p)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func get(c *client, p string) ([]byte, error) {
	f, err := c.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// dirNames lists a real folder.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", msg)
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
}

// payload returns n deterministic pseudo-random bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// keyUser is a user with one key and the given routes.
func keyUser(name string, k clientKey, routes ...string) User {
	return User{Name: name, Keys: []ssh.PublicKey{k.pub()}, Routes: routes}
}
