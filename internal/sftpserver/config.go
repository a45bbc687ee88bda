package sftpserver

import (
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jonboulle/clockwork"
)

// Config is the server's configuration. Zero values take the defaults
// below; a negative number or duration switches that protection off (for
// tests and special set-ups, never the product default).
type Config struct {
	// Listen is the TCP address, e.g. "127.0.0.1:2222" or ":0".
	Listen string
	// HostKeyDir holds the host keys (see HostKeys).
	HostKeyDir string
	// Users are the logins at start; SetUsers replaces them.
	Users []User
	// InboxDir returns the absolute folder of a route's inbox.
	InboxDir func(route string) string
	// StatementsDir and ResultsDir are the absolute outbox folders.
	StatementsDir, ResultsDir string
	// OutboxDir, if set, is the outbox's real folder: each of its other
	// sub-folders (one per report) is shown as /outbox/<name> to the users
	// granted it. Empty shows statements and results only.
	OutboxDir string
	// Results, if set, says which route each result file belongs to; a user
	// then sees only its routes' results. Nil shows every result to every
	// user (tests of other things).
	Results ResultOwners
	// MaxFileSize, if set, returns a route's upload limit in bytes (0: none):
	// the write that crosses it fails and the partial upload is removed.
	MaxFileSize func(route string) int64

	// MaxSessions caps logged-in connections; default 64. Connections still
	// logging in are bounded by MaxStartups and MaxStartupsPerAddress.
	MaxSessions        int
	MaxSessionsPerUser int // default 8
	MaxAuthTries       int // auth attempts per connection; default 6
	BanAfter           int // failed logins per address before a ban; default 10

	IdleTimeout time.Duration // no SFTP traffic for this long closes a session; default 10m
	LoginDelay  time.Duration // wait after a failed password; default 1s
	BanWindow   time.Duration // failures counted over; default 10m
	BanFor      time.Duration // default 15m

	// LoginGraceTime is how long a connection may take to log in, in
	// wall-clock time like sshd's; one that never tried counts as a failed
	// login toward a ban. Default 20s.
	LoginGraceTime time.Duration
	// MaxStartups bounds the connections still logging in, as sshd's
	// start:rate:full (see startups.go); default 10:30:100. Full < 0
	// switches it off.
	MaxStartups MaxStartups
	// MaxStartupsPerAddress bounds those from one address (IPv6: one /64);
	// default 8, below MaxStartups.Start so that one address alone cannot
	// make others face the random drop.
	MaxStartupsPerAddress int
	// Rand returns a random number in [0, n) for the random early drop;
	// default math/rand/v2.IntN (tests inject their own).
	Rand func(n int) int

	// LegacyAlgorithms opts in, by name, to key exchanges, ciphers, MACs and
	// client key signatures beyond the defaults that x/crypto/ssh
	// implements, e.g. "diffie-hellman-group14-sha1", "aes128-cbc",
	// "hmac-sha1", "ssh-rsa" (SHA-1 RSA, also for the host key).
	LegacyAlgorithms []string

	Clock  clockwork.Clock // default: the real clock
	Logger *slog.Logger    // default: discard

	// OnSession, if set, is told +1 when a session opens and -1 when it
	// closes; OnAuthFailure of every failed login (metrics).
	OnSession     func(delta int)
	OnAuthFailure func()
}

// Defaults for zero Config values.
const (
	DefaultMaxSessions        = 64
	DefaultMaxSessionsPerUser = 8
	DefaultMaxAuthTries       = 6
	DefaultBanAfter           = 10
	DefaultIdleTimeout        = 10 * time.Minute
	DefaultLoginDelay         = time.Second
	DefaultBanWindow          = 10 * time.Minute
	DefaultBanFor             = 15 * time.Minute
	DefaultLoginGraceTime     = 20 * time.Second
	// DefaultMaxStartupsPerAddress is below DefaultMaxStartups.Start.
	DefaultMaxStartupsPerAddress = 8
)

func (c Config) withDefaults() Config {
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	setInt(&c.MaxSessions, DefaultMaxSessions)
	setInt(&c.MaxSessionsPerUser, DefaultMaxSessionsPerUser)
	setInt(&c.MaxAuthTries, DefaultMaxAuthTries)
	setInt(&c.BanAfter, DefaultBanAfter)
	setDur(&c.IdleTimeout, DefaultIdleTimeout)
	setDur(&c.LoginDelay, DefaultLoginDelay)
	setDur(&c.BanWindow, DefaultBanWindow)
	setDur(&c.BanFor, DefaultBanFor)
	setDur(&c.LoginGraceTime, DefaultLoginGraceTime)
	setInt(&c.MaxStartupsPerAddress, DefaultMaxStartupsPerAddress)
	if c.MaxStartups == (MaxStartups{}) {
		c.MaxStartups = DefaultMaxStartups
	}
	if c.Rand == nil {
		c.Rand = rand.IntN
	}
	if c.Clock == nil {
		c.Clock = clockwork.NewRealClock()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
