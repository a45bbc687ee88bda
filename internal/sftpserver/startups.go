package sftpserver

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Connections that have not logged in yet ("startups", as sshd calls them)
// are what an unauthenticated client can hold. They are bounded three ways,
// as sshd bounds them, so that one address cannot lock everyone out:
//   - per source (an IPv4 address, an IPv6 /64): MaxStartupsPerAddress;
//   - in total, sshd's MaxStartups start:rate:full: from start on, a new
//     connection is dropped at random with a chance rising linearly from
//     rate% to 100% at full;
//   - in time: LoginGraceTime, after which a connection that never tried to
//     log in counts as a failed login toward a ban of its address.
// With the per-source limit below start, one address alone never makes
// others face the random drop; many addresses can, as with sshd, until
// their silent connections get them banned.

// MaxStartups is sshd's MaxStartups start:rate:full.
type MaxStartups struct {
	Start int // unauthenticated connections before random early drop begins
	Rate  int // drop chance in percent at Start
	Full  int // no more unauthenticated connections than this
}

// DefaultMaxStartups is sshd's default, 10:30:100.
var DefaultMaxStartups = MaxStartups{Start: 10, Rate: 30, Full: 100}

func (m MaxStartups) String() string { return fmt.Sprintf("%d:%d:%d", m.Start, m.Rate, m.Full) }

// ParseMaxStartups reads "start:rate:full" or a single "full" (no random
// early drop), as sshd_config does.
func ParseMaxStartups(s string) (MaxStartups, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		// A rate may be 0; a start or full must be at least 1.
		if err != nil || n < 0 || (n == 0 && i != 1) {
			return MaxStartups{}, fmt.Errorf("max_startups %q: want start:rate:full with positive whole numbers, e.g. \"10:30:100\"", s)
		}
		nums[i] = n
	}
	var m MaxStartups
	switch len(nums) {
	case 1:
		m = MaxStartups{Start: nums[0], Rate: 100, Full: nums[0]}
	case 3:
		m = MaxStartups{Start: nums[0], Rate: nums[1], Full: nums[2]}
	default:
		return MaxStartups{}, fmt.Errorf("max_startups %q: want start:rate:full, e.g. \"10:30:100\"", s)
	}
	if m.Start > m.Full || m.Rate > 100 {
		return MaxStartups{}, fmt.Errorf("max_startups %q: want start <= full and rate <= 100", s)
	}
	return m, nil
}

// dropChance is the percent chance that a new connection is dropped while
// n others are still unauthenticated (sshd's drop_connection).
func (m MaxStartups) dropChance(n int) int {
	switch {
	case m.Full <= 0 || n < m.Start:
		return 0
	case n >= m.Full:
		return 100
	}
	return m.Rate + (100-m.Rate)*(n-m.Start)/(m.Full-m.Start)
}

// sourceKey is what the per-source limit counts by: the address, or its
// /64 for IPv6, where one client commonly holds the whole prefix.
func sourceKey(a netip.Addr) netip.Addr {
	if a.Is6() && !a.Is4In6() {
		if p, err := a.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return a
}

// admitStartup decides whether a new connection from c.addr may start
// logging in; on success it is counted until startupEnded or acquire.
// s.mu must be held.
func (s *Server) admitStartup(c *connState) (ok bool, limit string) {
	key := sourceKey(c.addr)
	if per := s.cfg.MaxStartupsPerAddress; per > 0 && s.pending[key] >= per {
		return false, "max_startups_per_address"
	}
	if chance := s.cfg.MaxStartups.dropChance(s.handshakes); chance >= 100 {
		return false, "max_startups"
	} else if chance > 0 && s.cfg.Rand(100) < chance {
		return false, "max_startups (random early drop)"
	}
	s.handshakes++
	s.pending[key]++
	return true, ""
}

// startupEnded uncounts a connection that stopped being unauthenticated
// (it logged in or went away). s.mu must be held.
func (s *Server) startupEnded(c *connState) {
	s.handshakes--
	key := sourceKey(c.addr)
	if s.pending[key]--; s.pending[key] <= 0 {
		delete(s.pending, key)
	}
}

// refusalLogEvery bounds the log lines a flood of refused connections from
// one source writes: the first, then one per interval with the count.
const refusalLogEvery = time.Minute

type refusalCount struct {
	logged time.Time
	since  int // refusals not logged since then
}

// logRefusal logs a refused connection, at most once per source and
// interval, so that a flood cannot fill the disk with log lines.
func (s *Server) logRefusal(c *connState, msg string, attrs ...any) {
	now := s.clock.Now()
	key := sourceKey(c.addr)
	s.mu.Lock()
	r := s.refusals[key]
	if r == nil {
		if len(s.refusals) > banPruneAt {
			for k, v := range s.refusals {
				if now.Sub(v.logged) >= refusalLogEvery {
					delete(s.refusals, k)
				}
			}
		}
		r = &refusalCount{}
		s.refusals[key] = r
	}
	if !r.logged.IsZero() && now.Sub(r.logged) < refusalLogEvery {
		r.since++
		s.mu.Unlock()
		return
	}
	more := r.since
	r.logged, r.since = now, 0
	s.mu.Unlock()
	s.log.Warn(msg, append([]any{"remote", c.remote}, append(attrs, "refused_unlogged", more)...)...)
}
