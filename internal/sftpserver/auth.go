package sftpserver

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// Keys of ssh.Permissions.Extensions: the identity a connection got from
// the auth callback that accepted it.
const (
	extUser        = "user"
	extMethod      = "method"
	extFingerprint = "fingerprint"
)

// userKey is the ssh.Permissions.ExtraData key of the *User that logged in.
type userKey struct{}

// serverVersion is announced in the SSH banner; it names no version so as
// not to help a scanner.
const serverVersion = "SSH-2.0-AtlarBridge"

var (
	errAuthFailed = errors.New("authentication failed")
	errBanned     = errors.New("address temporarily banned")
)

// dummyHashes holds, per bcrypt cost, a hash compared against when the user
// is unknown or has no password, so that a wrong user name takes as long as
// a wrong password.
var dummyHashes sync.Map // int → []byte

func dummyHash(cost int) []byte {
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("not a password"), cost)
	if err != nil {
		h, _ = bcrypt.GenerateFromPassword([]byte("not a password"), passwordCost)
	}
	dummyHashes.Store(cost, h)
	return h
}

// serverConfig is built per connection so that its callbacks can keep that
// connection's auth state.
func (s *Server) serverConfig(a *connAuth) *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		Config: ssh.Config{
			KeyExchanges: slices.Clone(s.algos.kex),
			Ciphers:      slices.Clone(s.algos.ciphers),
			MACs:         slices.Clone(s.algos.macs),
		},
		PublicKeyAuthAlgorithms: slices.Clone(s.algos.pubKeyAuth),
		MaxAuthTries:            s.cfg.MaxAuthTries,
		PublicKeyCallback:       a.publicKey,
		ServerVersion:           serverVersion,
	}
	if s.anyPasswords() {
		cfg.PasswordCallback = a.password
	}
	for _, k := range s.signers {
		cfg.AddHostKey(k)
	}
	return cfg
}

// connAuth is one connection's authentication: it checks credentials,
// logs every outcome, counts failures toward a ban and delays after a
// wrong password. The callbacks of one connection run sequentially.
type connAuth struct {
	srv         *Server
	conn        *connState
	user        string // last user name the client tried
	attempted   bool   // a password or key was tried
	keyRejected bool   // a key was offered and not accepted
	counted     bool   // a failure was counted toward a ban
	banned      bool
	// graceExpired: the connection was cut by LoginGraceTime (set by
	// serveConn before finish).
	graceExpired bool
}

func (a *connAuth) checkBan() error {
	if until, ok := a.srv.bans.bannedUntil(a.conn.addr); ok {
		if !a.banned {
			a.srv.log.Warn("login refused: address banned", "user", a.user, "remote", a.conn.remote, "until", until)
		}
		a.banned = true
		return errBanned
	}
	return nil
}

func (a *connAuth) password(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	a.user, a.attempted = meta.User(), true
	if err := a.checkBan(); err != nil {
		return nil, err
	}
	u := a.srv.user(meta.User())
	ok := false
	if u != nil && u.PasswordHash != "" {
		ok = bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), password) == nil
	} else {
		_ = bcrypt.CompareHashAndPassword(dummyHash(a.srv.users.Load().dummyCost), password)
	}
	reason := "wrong user name or password"
	if ok && !u.allowedFrom(a.conn.addr) {
		ok, reason = false, "source address not allowed for this user"
	}
	if !ok {
		a.fail("password", "", reason)
		a.delay()
		return nil, errAuthFailed
	}
	return permissions(u, "password", ""), nil
}

// publicKey accepts a key listed for the user. It is also called for keys
// the client only offers without proving it holds them, so the Permissions
// it returns, not the last key seen, identify the session.
func (a *connAuth) publicKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	a.user, a.attempted = meta.User(), true
	if err := a.checkBan(); err != nil {
		return nil, err
	}
	fp := ssh.FingerprintSHA256(key)
	u := a.srv.user(meta.User())
	if u == nil || !u.hasKey(key) {
		// Clients offer their keys in turn, so one rejected key is not yet
		// a failed login; finish counts a connection that never got in.
		a.keyRejected = true
		a.srv.log.Info("public key rejected", "user", meta.User(), "remote", a.conn.remote, "method", "publickey", "fingerprint", fp)
		return nil, errAuthFailed
	}
	if !u.allowedFrom(a.conn.addr) {
		a.fail("publickey", fp, "source address not allowed for this user")
		return nil, errAuthFailed
	}
	return permissions(u, "publickey", fp), nil
}

func permissions(u *User, method, fingerprint string) *ssh.Permissions {
	return &ssh.Permissions{
		Extensions: map[string]string{extUser: u.Name, extMethod: method, extFingerprint: fingerprint},
		ExtraData:  map[any]any{userKey{}: u},
	}
}

// fail logs a failed login and counts it toward a ban of the address.
func (a *connAuth) fail(method, fingerprint, reason string) {
	a.counted = true
	if a.srv.cfg.OnAuthFailure != nil {
		a.srv.cfg.OnAuthFailure()
	}
	count, until := a.srv.bans.fail(a.conn.addr)
	a.srv.log.Warn("login failed", "user", a.user, "remote", a.conn.remote, "method", method,
		"fingerprint", fingerprint, "reason", reason, "failures", count)
	if !until.IsZero() {
		a.srv.log.Warn("address banned", "remote", a.conn.remote, "until", until, "failures", count)
	}
}

// delay holds this connection's answer after a failure. Only this
// connection's goroutine waits; Close cuts the wait short.
func (a *connAuth) delay() {
	if a.srv.cfg.LoginDelay <= 0 {
		return
	}
	select {
	case <-a.srv.clock.After(a.srv.cfg.LoginDelay):
	case <-a.srv.done:
	}
}

// finish accounts for a connection that ended without logging in: one that
// offered only keys nobody accepted counts as one failure.
func (a *connAuth) finish(err error) {
	switch {
	case a.banned:
	case a.keyRejected && !a.counted:
		a.fail("publickey", "", "no authorized key offered")
	case !a.attempted && a.graceExpired:
		// Held a startup slot and never tried: what a flood of idle
		// connections does. It counts toward a ban like a wrong password.
		// (Clients that connect and leave at once, such as health checks,
		// are not counted.)
		a.fail("none", "", "no login attempt within login_grace_time")
	case !a.attempted:
		var neg *ssh.AlgorithmNegotiationError
		if errors.As(err, &neg) {
			a.srv.logNegotiationFailed(a.conn, neg)
			return
		}
		// The client left before trying to log in.
		a.srv.log.Info("ssh handshake ended", "remote", a.conn.remote, "err", err.Error())
	}
}

const negotiationFailedMsg = "ssh negotiation failed: no common algorithm"

// logNegotiationFailed tells the operator which client could not connect,
// what it offered, and the exact legacy_algorithms entry that would let it
// in, if any.
func (s *Server) logNegotiationFailed(c *connState, neg *ssh.AlgorithmNegotiationError) {
	attrs := []any{"remote", c.remote, "what", neg.What,
		"client_offered", strings.Join(neg.RequestedAlgorithms, ","),
		"server_offered", strings.Join(neg.SupportedAlgorithms, ",")}
	if entry := legacyEntry(neg); entry != "" {
		attrs = append(attrs, "legacy_algorithms", entry,
			"hint", fmt.Sprintf("to admit this client, add %q to [sftp] legacy_algorithms (it is weaker than the defaults)", entry))
	} else {
		attrs = append(attrs, "hint", "the client offers nothing this server implements for "+neg.What+"; update the client")
	}
	s.log.Warn(negotiationFailedMsg, attrs...)
}
