package sftpserver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestServer_LoginWithEitherKey(t *testing.T) {
	old, cur, stranger := newClientKey(t), newClientKey(t), newClientKey(t)
	e := startServer(t, []User{{Name: "erp", Keys: []ssh.PublicKey{old.pub(), cur.pub()}, Routes: []string{"payables"}}}, nil)

	for name, k := range map[string]clientKey{"old": old, "current": cur} {
		t.Run(name, func(t *testing.T) {
			c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
			_, err := c.ReadDir("/inbox/payables")
			require.NoError(t, err)
		})
	}
	t.Run("stranger", func(t *testing.T) {
		_, err := e.dial("erp", ssh.PublicKeys(stranger.signer))
		require.Error(t, err)
	})
	t.Run("identity is the verified key", func(t *testing.T) {
		// The client offers a key that is refused, then one that works: the
		// session is logged with the key that proved itself.
		before := len(e.logs.records("login"))
		e.mustDial(t, "erp", ssh.PublicKeys(stranger.signer, cur.signer))
		logins := e.logs.records("login")
		require.Len(t, logins, before+1)
		assert.Equal(t, ssh.FingerprintSHA256(cur.pub()), logins[before]["fingerprint"])
		rejected := e.logs.records("public key rejected")
		require.NotEmpty(t, rejected)
		assert.Equal(t, ssh.FingerprintSHA256(stranger.pub()), rejected[len(rejected)-1]["fingerprint"])
	})
}

func TestServer_LoginWithPassword(t *testing.T) {
	e := startServer(t, []User{{Name: "demo", PasswordHash: testHash(), Routes: []string{"payables"}}}, nil)

	tests := []struct {
		name, user, password string
		ok                   bool
	}{
		{"right", "demo", "secret", true},
		{"wrong password", "demo", "Secret", false},
		{"unknown user", "root", "secret", false},
		{"empty password", "demo", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.dial(tt.user, ssh.Password(tt.password))
			if !tt.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			defer c.Close()
			_, err = c.ReadDir("/inbox/payables")
			require.NoError(t, err)
		})
	}
	failed := e.logs.records("login failed")
	require.Len(t, failed, 3)
	assert.Equal(t, "password", failed[0]["method"])
	assert.Equal(t, "demo", failed[0]["user"])
	assert.NotEmpty(t, failed[0]["remote"])
}

func TestServer_AllowFrom(t *testing.T) {
	k := newClientKey(t)
	tests := []struct {
		name  string
		allow []netip.Prefix
		ok    bool
	}{
		{"any", nil, true},
		{"loopback", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, true},
		{"mapped loopback", []netip.Prefix{netip.MustParsePrefix("::ffff:127.0.0.1/128")}, true},
		{"elsewhere", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := keyUser("erp", k, "payables")
			u.AllowFrom = tt.allow
			u.PasswordHash = testHash()
			e := startServer(t, []User{u}, nil)
			for _, auth := range []ssh.AuthMethod{ssh.PublicKeys(k.signer), ssh.Password("secret")} {
				c, err := e.dial("erp", auth)
				if tt.ok {
					require.NoError(t, err)
					c.Close()
				} else {
					require.Error(t, err)
				}
			}
		})
	}
}

func TestServer_BruteForceBan(t *testing.T) {
	clock := clockwork.NewFakeClock()
	k := newClientKey(t)
	u := keyUser("erp", k, "payables")
	u.PasswordHash = testHash()
	e := startServer(t, []User{u}, func(c *Config) {
		c.Clock = clock
		c.BanAfter = 3
		c.BanWindow = 10 * time.Minute
		c.BanFor = 15 * time.Minute
		c.IdleTimeout = -1
	})

	for range 3 {
		_, err := e.dial("erp", ssh.Password("guess"))
		require.Error(t, err)
	}
	require.Len(t, e.logs.records("address banned"), 1)

	// Banned: even the right password and the right key are refused.
	_, err := e.dial("erp", ssh.Password("secret"))
	require.Error(t, err)
	_, err = e.dial("erp", ssh.PublicKeys(k.signer))
	require.Error(t, err)
	assert.NotEmpty(t, e.logs.records("connection refused: address banned"))

	clock.Advance(15*time.Minute - time.Second)
	_, err = e.dial("erp", ssh.Password("secret"))
	require.Error(t, err, "still banned a second before the end")

	clock.Advance(time.Second)
	c, err := e.dial("erp", ssh.Password("secret"))
	require.NoError(t, err, "the ban has expired")
	c.Close()
}

func TestServer_BanCountsKeyOnlyConnections(t *testing.T) {
	// Offering a wrong key is not a failure by itself (clients try their
	// keys in turn), but a connection that never got in is.
	clock := clockwork.NewFakeClock()
	k, stranger := newClientKey(t), newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) {
		c.Clock = clock
		c.BanAfter = 2
		c.IdleTimeout = -1
	})
	// A client whose first key is wrong logs in without a penalty.
	for range 3 {
		c, err := e.dial("erp", ssh.PublicKeys(stranger.signer, k.signer))
		require.NoError(t, err)
		c.Close()
	}
	assert.Empty(t, e.logs.records("login failed"))

	for range 2 {
		_, err := e.dial("erp", ssh.PublicKeys(stranger.signer))
		require.Error(t, err)
	}
	eventually(t, func() bool { return len(e.logs.records("login failed")) == 2 }, "two failures counted")
	_, err := e.dial("erp", ssh.PublicKeys(k.signer))
	require.Error(t, err, "banned")
}

func TestServer_LoginDelayDoesNotBlockOthers(t *testing.T) {
	clock := clockwork.NewFakeClock()
	k := newClientKey(t)
	u := keyUser("erp", k, "payables")
	u.PasswordHash = testHash()
	e := startServer(t, []User{u}, func(c *Config) {
		c.Clock = clock
		c.LoginDelay = time.Hour
		c.IdleTimeout = -1
	})

	failed := make(chan error, 1)
	go func() {
		_, err := e.dial("erp", ssh.Password("wrong"))
		failed <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, clock.BlockUntilContext(ctx, 1), "the failed login is being delayed")

	// Meanwhile another client logs in and works.
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	require.NoError(t, put(c, "/inbox/payables/a.csv", []byte("a")))
	select {
	case err := <-failed:
		t.Fatalf("the failed login was answered before its delay: %v", err)
	default:
	}

	clock.Advance(time.Hour)
	select {
	case err := <-failed:
		require.Error(t, err)
	case <-ctx.Done():
		t.Fatal("the failed login was never answered")
	}
}

func TestServer_SessionLimits(t *testing.T) {
	a, b, c := newClientKey(t), newClientKey(t), newClientKey(t)
	e := startServer(t, []User{keyUser("a", a, "payables"), keyUser("b", b, "sepa"), keyUser("c", c, "other")}, func(cfg *Config) {
		cfg.MaxSessions = 2
		cfg.MaxSessionsPerUser = 1
	})

	ca, err := e.dial("a", ssh.PublicKeys(a.signer))
	require.NoError(t, err)
	_, err = e.dial("a", ssh.PublicKeys(a.signer))
	require.Error(t, err, "per-user limit")
	cb := e.mustDial(t, "b", ssh.PublicKeys(b.signer))
	_, err = e.dial("c", ssh.PublicKeys(c.signer))
	require.Error(t, err, "global limit")
	require.Len(t, e.logs.records("session refused: too many sessions"), 2)
	_, err = cb.ReadDir("/inbox/sepa")
	require.NoError(t, err, "sessions within the limits keep working")

	ca.Close()
	ca.ssh.Close()
	eventually(t, func() bool {
		cc, err := e.dial("c", ssh.PublicKeys(c.signer))
		if err != nil {
			return false
		}
		cc.Close()
		return true
	}, "a slot frees when a session ends")
}

func TestServer_IdleTimeout(t *testing.T) {
	clock := clockwork.NewFakeClock()
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) {
		c.Clock = clock
		c.IdleTimeout = time.Minute
	})
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	closed := make(chan struct{})
	go func() {
		_ = c.ssh.Wait()
		close(closed)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	require.NoError(t, clock.BlockUntilContext(ctx, 1))
	clock.Advance(40 * time.Second)
	_, err := c.Stat("/inbox/payables") // activity
	require.NoError(t, err)
	clock.Advance(20 * time.Second) // a minute since login, 20s since activity
	require.NoError(t, clock.BlockUntilContext(ctx, 1), "the watchdog re-armed")
	select {
	case <-closed:
		t.Fatal("an active session was closed")
	default:
	}
	clock.Advance(40 * time.Second)
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("the idle session was not closed")
	}
	require.Len(t, e.logs.records("idle timeout"), 1)
}

func TestServer_SetUsers(t *testing.T) {
	old, cur := newClientKey(t), newClientKey(t)
	e := startServer(t, []User{keyUser("erp", old, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(old.signer))

	e.srv.SetUsers([]User{keyUser("erp", cur, "payables", "sepa")})

	require.NoError(t, put(c, "/inbox/payables/a.csv", []byte("a")), "the open session keeps going")
	require.Error(t, put(c, "/inbox/sepa/a.xml", []byte("a")), "with the routes it logged in with")
	_, err := e.dial("erp", ssh.PublicKeys(old.signer))
	require.Error(t, err, "the revoked key no longer logs in")
	c2 := e.mustDial(t, "erp", ssh.PublicKeys(cur.signer))
	require.NoError(t, put(c2, "/inbox/sepa/a.xml", []byte("a")))

	// An invalid entry is left out, the rest still applies.
	e.srv.SetUsers([]User{{Name: "broken"}, keyUser("erp", old, "payables")})
	c3 := e.mustDial(t, "erp", ssh.PublicKeys(old.signer))
	_, err = c3.ReadDir("/inbox/payables")
	require.NoError(t, err)
	assert.NotEmpty(t, e.logs.records("sftp user ignored"))
}

func TestServer_HostKeyPersistsAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hostkeys")
	k := newClientKey(t)
	seen := func() string {
		e := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) { c.HostKeyDir = dir })
		var got ssh.PublicKey
		c, err := e.dialConfig(&ssh.ClientConfig{
			User: "erp", Auth: []ssh.AuthMethod{ssh.PublicKeys(k.signer)},
			HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error { got = key; return nil },
		})
		require.NoError(t, err)
		c.Close()
		c.ssh.Close()
		require.NoError(t, e.srv.Close(context.Background()))
		return ssh.FingerprintSHA256(got)
	}
	first := seen()
	assert.Equal(t, first, seen(), "the same host key after a restart")

	for _, name := range []string{ed25519HostKeyFile, rsaHostKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), name)
	}
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}

// TestServer_LegacyAlgorithms: a client that only speaks what stays opt-in
// (SHA-1, CBC, 3DES, SHA-1 RSA host keys) is refused by default, the WARN
// names what it offered and the exact legacy_algorithms entry, and that
// entry lets it in.
func TestServer_LegacyAlgorithms(t *testing.T) {
	k := newClientKey(t)
	modernCTR := ssh.Config{Ciphers: []string{ssh.CipherAES128CTR}}
	tests := []struct {
		name      string
		cfg       ssh.Config
		hostKeys  []string
		what      string
		wantEntry string
	}{
		{"sha1 kex", ssh.Config{KeyExchanges: []string{"unknown-kex@example.com", ssh.InsecureKeyExchangeDH14SHA1, ssh.InsecureKeyExchangeDH1SHA1}}, nil,
			"key exchange", ssh.InsecureKeyExchangeDH14SHA1},
		{"cbc cipher", ssh.Config{Ciphers: []string{ssh.InsecureCipherAES128CBC, ssh.InsecureCipherTripleDESCBC}}, nil,
			"client to server cipher", ssh.InsecureCipherAES128CBC},
		{"3des cipher", ssh.Config{Ciphers: []string{ssh.InsecureCipherTripleDESCBC}}, nil,
			"client to server cipher", ssh.InsecureCipherTripleDESCBC},
		{"sha1 mac", ssh.Config{Ciphers: modernCTR.Ciphers, MACs: []string{ssh.HMACSHA1}}, nil,
			"client to server MAC", ssh.HMACSHA1},
		{"sha1 rsa host key", ssh.Config{}, []string{ssh.KeyAlgoRSA},
			"host key", ssh.KeyAlgoRSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dial := func(e *env) error {
				c, err := e.dialConfig(&ssh.ClientConfig{
					Config: tt.cfg, User: "erp", Auth: []ssh.AuthMethod{ssh.PublicKeys(k.signer)},
					HostKeyCallback: e.hostKeyCallback(), HostKeyAlgorithms: tt.hostKeys, Timeout: 10 * time.Second,
				})
				if err == nil {
					c.Close()
					c.ssh.Close()
				}
				return err
			}
			modern := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
			require.Error(t, dial(modern), "refused by default")
			var rec map[string]any
			eventually(t, func() bool {
				recs := modern.logs.records(negotiationFailedMsg)
				if len(recs) > 0 {
					rec = recs[0]
				}
				return rec != nil
			}, "the failed negotiation is logged")
			assert.Equal(t, "WARN", rec["level"])
			assert.Equal(t, tt.what, rec["what"])
			assert.Equal(t, tt.wantEntry, rec["legacy_algorithms"])
			assert.Contains(t, rec["client_offered"], tt.wantEntry)
			assert.Contains(t, rec["hint"], fmt.Sprintf("add %q to [sftp] legacy_algorithms", tt.wantEntry))

			legacy := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) {
				c.LegacyAlgorithms = []string{tt.wantEntry}
			})
			require.NoError(t, dial(legacy), "the logged entry lets it in")
		})
	}

	t.Run("nothing implemented", func(t *testing.T) {
		e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
		_, err := e.dialConfig(&ssh.ClientConfig{
			User: "erp", Auth: []ssh.AuthMethod{ssh.PublicKeys(k.signer)}, Timeout: 10 * time.Second,
			HostKeyCallback: e.hostKeyCallback(), HostKeyAlgorithms: []string{ssh.KeyAlgoECDSA256},
		})
		require.Error(t, err)
		eventually(t, func() bool { return len(e.logs.records(negotiationFailedMsg)) > 0 }, "logged")
		rec := e.logs.records(negotiationFailedMsg)[0]
		assert.Nil(t, rec["legacy_algorithms"], "no entry would help: there is no ECDSA host key")
		assert.Contains(t, rec["hint"], "update the client")
	})
}

// TestServer_DefaultAlgorithms: the defaults are x/crypto/ssh's secure set
// (what OpenSSH offers by default), and nothing SHA-1, CBC or 3DES.
func TestServer_DefaultAlgorithms(t *testing.T) {
	a := defaultAlgorithms()
	supported, insecure := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	for _, list := range [][]string{a.kex, a.ciphers, a.macs, a.rsaHostKey, a.pubKeyAuth} {
		for _, name := range list {
			assert.NotContains(t, slices.Concat(insecure.KeyExchanges, insecure.Ciphers, insecure.MACs, insecure.HostKeys, insecure.PublicKeyAuths), name)
			assert.NotContains(t, name, "sha1")
			assert.NotContains(t, name, "cbc")
		}
	}
	assert.ElementsMatch(t, supported.KeyExchanges, a.kex, "every secure key exchange")
	assert.ElementsMatch(t, supported.Ciphers, a.ciphers, "every secure cipher")
	assert.ElementsMatch(t, slices.DeleteFunc(slices.Clone(supported.MACs), func(m string) bool { return m == ssh.HMACSHA1 }), a.macs,
		"every secure MAC but SHA-1")
}

// TestServer_EachDefaultAlgorithmNegotiates connects with one default
// algorithm at a time in its class, as a client that knows only that one
// (JSch and SSH.NET offer DH group exchange, ECDH-NIST and AES-CTR with
// non-ETM hmac-sha2), and uploads: each really works server-side.
func TestServer_EachDefaultAlgorithmNegotiates(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	a := defaultAlgorithms()
	type tc struct {
		name string
		cfg  ssh.Config
	}
	var cases []tc
	for _, kex := range a.kex {
		cases = append(cases, tc{"kex " + kex, ssh.Config{KeyExchanges: []string{kex}}})
	}
	for _, c := range a.ciphers {
		cases = append(cases, tc{"cipher " + c, ssh.Config{Ciphers: []string{c}}})
	}
	for _, m := range a.macs {
		cases = append(cases, tc{"mac " + m, ssh.Config{Ciphers: []string{ssh.CipherAES256CTR}, MACs: []string{m}}})
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.dialConfig(&ssh.ClientConfig{
				Config: tt.cfg, User: "erp", Auth: []ssh.AuthMethod{ssh.PublicKeys(k.signer)},
				HostKeyCallback: e.hostKeyCallback(), Timeout: 10 * time.Second,
			})
			require.NoError(t, err)
			defer func() { c.Close(); c.ssh.Close() }()
			require.NoError(t, put(c, "/inbox/payables/"+strings.NewReplacer("@", "_", ".", "_").Replace(tt.name)+".csv", payload(100<<10)))
		})
	}
	assert.Empty(t, e.logs.records(negotiationFailedMsg))
}

func TestNew_Errors(t *testing.T) {
	k := newClientKey(t)
	base := Config{
		Listen: "127.0.0.1:0", HostKeyDir: sharedHostKeyDir,
		InboxDir: func(string) string { return t.TempDir() }, StatementsDir: t.TempDir(), ResultsDir: t.TempDir(),
	}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"unknown legacy algorithm", func(c *Config) { c.LegacyAlgorithms = []string{"rot13"} }, `unknown algorithm "rot13"`},
		{"user without credentials", func(c *Config) { c.Users = []User{{Name: "erp"}} }, "no authorized key and no password hash"},
		{"bad password hash", func(c *Config) { c.Users = []User{{Name: "erp", PasswordHash: "plain"}} }, "password_hash"},
		{"duplicate user", func(c *Config) { c.Users = []User{keyUser("erp", k), keyUser("erp", k)} }, "listed twice"},
		{"bad route", func(c *Config) { c.Users = []User{keyUser("erp", k, "../x")} }, "invalid route"},
		{"no outbox", func(c *Config) { c.ResultsDir = "" }, "no outbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.mod(&cfg)
			_, err := New(cfg, &fakeReceiver{})
			require.ErrorContains(t, err, tt.want)
		})
	}
}
