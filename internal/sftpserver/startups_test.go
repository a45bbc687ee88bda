package sftpserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/pkg/sftp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// These tests open connections from distinct loopback addresses: Linux
// routes all of 127/8 to lo, so a net.Dialer with a LocalAddr of 127.0.0.x
// is a distinct client address to the server.

// dialFrom opens a TCP connection to the server from source address ip.
func (e *env) dialFrom(t *testing.T, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", e.addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// banner reads the server's SSH version line. A connection refused before
// login is closed without one: it returns an error then.
func banner(c net.Conn) (string, error) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer func() { _ = c.SetReadDeadline(time.Time{}) }()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// loginFrom logs in over SFTP from source address ip.
func (e *env) loginFrom(t *testing.T, ip, user string, auth ...ssh.AuthMethod) (*sftp.Client, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tcp, err := d.Dial("tcp", e.addr)
	if err != nil {
		return nil, err
	}
	conn, chans, reqs, err := ssh.NewClientConn(tcp, e.addr, &ssh.ClientConfig{
		User: user, Auth: auth, HostKeyCallback: e.hostKeyCallback(), Timeout: 10 * time.Second,
	})
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
	t.Cleanup(func() { c.Close(); sc.Close() })
	return c, nil
}

// startups is the server's count of connections not logged in yet.
func (s *Server) startups() (total int, bySource map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bySource = make(map[string]int)
	for k, n := range s.pending {
		bySource[k.String()] = n
	}
	return s.handshakes, bySource
}

// TestServer_IdleFloodDoesNotLockOthersOut is issue 12's repro: many idle
// TCP connections from one address, sending nothing, used to fill the
// global limit of connections still logging in and lock everyone out.
func TestServer_IdleFloodDoesNotLockOthersOut(t *testing.T) {
	k := newClientKey(t)
	var draws atomic.Int64
	e := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) {
		c.Clock = clockwork.NewFakeClock() // refusal logging; the grace time is wall-clock
		c.LoginGraceTime = time.Minute     // the flood stays held during the test
		c.Rand = func(n int) int { draws.Add(1); return n - 1 }
	})

	const flood = 60
	held, refused := 0, 0
	for range flood {
		c := e.dialFrom(t, "127.0.0.3")
		if line, err := banner(c); err == nil {
			require.Equal(t, serverVersion, line)
			held++
		} else {
			refused++
		}
	}
	assert.Equal(t, DefaultMaxStartupsPerAddress, held, "one address holds at most max_startups_per_address")
	assert.Equal(t, flood-DefaultMaxStartupsPerAddress, refused)
	total, bySource := e.srv.startups()
	assert.Equal(t, DefaultMaxStartupsPerAddress, total)
	assert.Equal(t, map[string]int{"127.0.0.3": DefaultMaxStartupsPerAddress}, bySource)

	// While the flood is held open, a user from another address logs in
	// and works, and never faced the random drop.
	c, err := e.loginFrom(t, "127.0.0.4", "erp", ssh.PublicKeys(k.signer))
	require.NoError(t, err, "a legitimate user from another address logs in during the flood")
	_, err = c.ReadDir("/inbox/payables")
	require.NoError(t, err)
	assert.Zero(t, draws.Load(), "one address alone stays below max_startups' start")

	// The flood's refusals are logged once, not once per connection.
	recs := e.logs.records("connection refused before login")
	require.Len(t, recs, 1)
	assert.Equal(t, "max_startups_per_address", recs[0]["limit"])
	assert.Contains(t, recs[0]["remote"], "127.0.0.3:")
}

// TestServer_LoginGraceTime: connections that never try to log in are cut
// after the grace time, each counts toward a ban of its address, and other
// addresses are not affected.
func TestServer_LoginGraceTime(t *testing.T) {
	k := newClientKey(t)
	const grace = 400 * time.Millisecond
	e := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) {
		c.Clock = clockwork.NewFakeClock() // the ban window does not move
		c.LoginGraceTime = grace
		c.BanAfter = 3
	})

	// Connecting and leaving at once (a health check) is not counted.
	quick := e.dialFrom(t, "127.0.0.5")
	_, err := banner(quick)
	require.NoError(t, err)
	quick.Close()
	eventually(t, func() bool { return len(e.logs.records("ssh handshake ended")) == 1 }, "the quick connection ended")

	conns := make([]net.Conn, 3)
	opened := time.Now()
	for i := range conns {
		conns[i] = e.dialFrom(t, "127.0.0.5")
		_, err := banner(conns[i])
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	cutAfter := make([]time.Duration, len(conns))
	for i, c := range conns {
		wg.Go(func() {
			// Blocks until the server closes the connection (EOF), or the
			// deadline makes the test fail below.
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			_, err := c.Read(make([]byte, 1))
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			cutAfter[i] = time.Since(opened)
		})
	}
	wg.Wait()
	for i, d := range cutAfter {
		require.NotZero(t, d, "idle connection %d was cut", i)
		assert.GreaterOrEqual(t, d, grace, "not before the grace time")
	}

	eventually(t, func() bool { return len(e.logs.records("address banned")) == 1 }, "the silent connections got the address banned")
	failed := e.logs.records("login failed")
	require.Len(t, failed, 3)
	for _, r := range failed {
		assert.Equal(t, "no login attempt within login_grace_time", r["reason"])
		assert.Equal(t, "none", r["method"])
	}
	for range 5 {
		_, err = banner(e.dialFrom(t, "127.0.0.5"))
		require.Error(t, err, "the banned address is turned away before the banner")
	}
	assert.Len(t, e.logs.records("connection refused: address banned"), 1, "logged once per source and minute")
	total, _ := e.srv.startups()
	assert.Zero(t, total, "a banned address holds no startup slot")

	c, err := e.loginFrom(t, "127.0.0.6", "erp", ssh.PublicKeys(k.signer))
	require.NoError(t, err, "other addresses are not affected")
	_, err = c.ReadDir("/inbox/payables")
	require.NoError(t, err)
}

// TestServer_MaxStartupsRandomEarlyDrop drives the random early drop with
// scripted draws, one connection per address so that only the global limit
// decides.
func TestServer_MaxStartupsRandomEarlyDrop(t *testing.T) {
	var mu sync.Mutex
	draws := []int{50, 74, 75, 0} // the scripted results, consumed in order
	calls := 0
	e := startServer(t, nil, func(c *Config) {
		c.LoginGraceTime = time.Minute
		c.MaxStartups = MaxStartups{Start: 2, Rate: 50, Full: 4}
		c.MaxStartupsPerAddress = 1
		c.Rand = func(n int) int {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if n != 100 || len(draws) == 0 {
				return -1 // unexpected: fails the calls count below
			}
			d := draws[0]
			draws = draws[1:]
			return d
		}
	})
	steps := []struct {
		admitted bool
		why      string
	}{
		{true, "0 pending: below start"},
		{true, "1 pending: below start"},
		{true, "2 pending: 50% chance, drew 50"},
		{false, "3 pending: 75% chance, drew 74"},
		{true, "3 pending: 75% chance, drew 75"},
		{false, "4 pending: full, no draw"},
	}
	conns := make([]net.Conn, 0, len(steps))
	for i, st := range steps {
		c := e.dialFrom(t, fmt.Sprintf("127.0.1.%d", 10+i))
		_, err := banner(c)
		assert.Equal(t, st.admitted, err == nil, st.why)
		if err == nil {
			conns = append(conns, c)
		}
	}
	// One leaves: the next is again a 75% chance.
	conns[0].Close()
	eventually(t, func() bool { n, _ := e.srv.startups(); return n == 3 }, "the closed connection is uncounted")
	_, err := banner(e.dialFrom(t, "127.0.1.99"))
	require.Error(t, err, "3 pending: 75% chance, drew 0")

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 4, calls, "a draw only between start and full")
	assert.Empty(t, draws)
}

func TestMaxStartups(t *testing.T) {
	parse := []struct {
		in   string
		want MaxStartups
		err  string
	}{
		{"10:30:100", MaxStartups{10, 30, 100}, ""},
		{" 5:0:5 ", MaxStartups{5, 0, 5}, ""},
		{"20", MaxStartups{20, 100, 20}, ""},
		{"10:30", MaxStartups{}, "want start:rate:full"},
		{"0:30:100", MaxStartups{}, "positive whole numbers"},
		{"10:-1:100", MaxStartups{}, "positive whole numbers"},
		{"100:30:10", MaxStartups{}, "start <= full"},
		{"10:130:100", MaxStartups{}, "rate <= 100"},
		{"ten", MaxStartups{}, "positive whole numbers"},
	}
	for _, tt := range parse {
		got, err := ParseMaxStartups(tt.in)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}

	m := DefaultMaxStartups
	for _, tt := range []struct{ n, want int }{{0, 0}, {9, 0}, {10, 30}, {55, 65}, {99, 99}, {100, 100}, {500, 100}} {
		assert.Equal(t, tt.want, m.dropChance(tt.n), "10:30:100 with %d pending", tt.n)
	}
	assert.Zero(t, MaxStartups{Full: -1}.dropChance(1000), "switched off")
}

func TestSourceKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"::ffff:192.0.2.7", "::ffff:192.0.2.7"},
	} {
		assert.Equal(t, tt.want, sourceKey(netip.MustParseAddr(tt.in)).String(), tt.in)
	}
}
