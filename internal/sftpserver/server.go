package sftpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// Server is the embedded SFTP server. Its life is New → Start → Close.
type Server struct {
	cfg     Config
	recv    Receiver
	log     *slog.Logger
	clock   clockwork.Clock
	signers []ssh.Signer
	algos   algorithms
	users   atomic.Pointer[userTable]
	bans    *banList
	recent  *recentUploads
	quota   quotaTable // bytes of open uploads per user (quota.go)
	started time.Time
	done    chan struct{} // closed by Close: wakes login delays and watchdogs

	mu         sync.Mutex
	ln         net.Listener
	closing    bool
	conns      map[*connState]struct{}
	handshakes int                          // connections not logged in yet
	pending    map[netip.Addr]int           // handshakes by sourceKey
	refusals   map[netip.Addr]*refusalCount // by sourceKey, for logRefusal
	sessions   int
	perUser    map[string]int
	wg         sync.WaitGroup
}

// New checks the configuration and loads or generates the host keys.
func New(cfg Config, r Receiver) (*Server, error) {
	cfg = cfg.withDefaults()
	switch {
	case r == nil:
		return nil, errors.New("sftp server: no receiver")
	case cfg.Listen == "":
		return nil, errors.New("sftp server: no listen address")
	case cfg.InboxDir == nil:
		return nil, errors.New("sftp server: no inbox folders")
	case cfg.StatementsDir == "" || cfg.ResultsDir == "":
		return nil, errors.New("sftp server: no outbox folders")
	}
	seen := make(map[string]bool)
	for _, u := range cfg.Users {
		if err := validateUser(u); err != nil {
			return nil, fmt.Errorf("sftp server: %w", err)
		}
		if seen[u.Name] {
			return nil, fmt.Errorf("sftp server: user %s listed twice", u.Name)
		}
		seen[u.Name] = true
	}
	algos, err := buildAlgorithms(cfg.LegacyAlgorithms)
	if err != nil {
		return nil, fmt.Errorf("sftp server: %w", err)
	}
	keys, err := HostKeys(cfg.HostKeyDir)
	if err != nil {
		return nil, fmt.Errorf("sftp server: %w", err)
	}
	signers, err := algos.hostSigners(keys)
	if err != nil {
		return nil, fmt.Errorf("sftp server: %w", err)
	}
	s := &Server{
		cfg: cfg, recv: r, log: cfg.Logger, clock: cfg.Clock,
		signers: signers, algos: algos,
		bans:     newBanList(cfg.Clock, cfg.BanAfter, cfg.BanWindow, cfg.BanFor),
		recent:   newRecentUploads(cfg.Clock),
		started:  cfg.Clock.Now(),
		done:     make(chan struct{}),
		conns:    make(map[*connState]struct{}),
		perUser:  make(map[string]int),
		pending:  make(map[netip.Addr]int),
		refusals: make(map[netip.Addr]*refusalCount),
	}
	s.SetUsers(cfg.Users)
	return s, nil
}

// Start listens on Config.Listen and serves in the background; it returns
// once the listener is open.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || s.ln != nil {
		return errors.New("sftp server: already started or closed")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("sftp server: %w", err)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.acceptLoop(context.WithoutCancel(ctx), ln)
	s.log.Info("sftp server listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the listening address, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// SetUsers replaces the users for new logins; sessions already open keep
// the user they logged in as. Invalid or duplicate entries are logged and
// left out, so a typo locks that user out rather than keeping a revoked key.
func (s *Server) SetUsers(users []User) {
	t := &userTable{byName: make(map[string]*User, len(users)), dummyCost: passwordCost}
	dup := make(map[string]bool)
	for _, u := range users {
		if err := validateUser(u); err != nil {
			s.log.Error("sftp user ignored", "user", u.Name, "err", err.Error())
			continue
		}
		if _, ok := t.byName[u.Name]; ok || dup[u.Name] {
			s.log.Error("sftp user ignored", "user", u.Name, "err", "listed twice")
			delete(t.byName, u.Name)
			dup[u.Name] = true
			continue
		}
		t.byName[u.Name] = cloneUser(u)
		if cost, err := bcrypt.Cost([]byte(u.PasswordHash)); err == nil {
			t.dummyCost = cost
		}
	}
	s.users.Store(t)
	s.log.Info("sftp users loaded", "count", len(t.byName))
}

func (s *Server) user(name string) *User { return s.users.Load().byName[name] }

func (s *Server) anyPasswords() bool {
	for _, u := range s.users.Load().byName {
		if u.PasswordHash != "" {
			return true
		}
	}
	return false
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Close stops accepting, closes each session as soon as it has no upload
// open and no request unanswered (at once for idle ones), closes the rest
// when ctx expires, and waits for all connections to finish.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.done)
		if s.ln != nil {
			s.ln.Close()
		}
		for c := range s.conns {
			c.closeWhenQuiet()
		}
	}
	s.mu.Unlock()

	finished := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	<-finished
	return fmt.Errorf("close sftp server: %w", ctx.Err())
}

func (s *Server) acceptLoop(ctx context.Context, ln net.Listener) {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosing() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Error("sftp accept", "err", err.Error(), "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-s.done:
				return
			}
			continue
		}
		backoff = 0
		s.wg.Add(1)
		go s.serveConn(ctx, nc)
	}
}

// connState is one TCP connection, from accept to close.
type connState struct {
	nc          net.Conn
	remote      string     // "ip:port", as logged
	addr        netip.Addr // unmapped source address
	user        *User      // set once authenticated
	authed      bool       // counted in sessions (guarded by Server.mu)
	openUploads atomic.Int64
	requests    atomic.Int64 // SFTP requests received
	responses   atomic.Int64 // SFTP answers sent
	draining    atomic.Bool  // close once quiet (see drain.go)
	lastActive  atomic.Int64 // UnixNano on the server clock
	closeOnce   sync.Once
}

func (c *connState) close() { c.closeOnce.Do(func() { c.nc.Close() }) }

// track registers a new connection, refusing it when closing or when the
// limits on connections still logging in say so (see startups.go), which
// bound what unauthenticated clients can hold.
func (s *Server) track(c *connState) (ok bool, limit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false, "closing"
	}
	if ok, limit := s.admitStartup(c); !ok {
		return false, limit
	}
	s.conns[c] = struct{}{}
	return true, ""
}

func (s *Server) untrack(c *connState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if c.authed {
		if s.cfg.OnSession != nil {
			s.cfg.OnSession(-1)
		}
		s.sessions--
		if s.perUser[c.user.Name]--; s.perUser[c.user.Name] <= 0 {
			delete(s.perUser, c.user.Name)
		}
	} else {
		s.startupEnded(c)
	}
}

// acquire turns an authenticated connection into a session if the global
// and per-user limits allow.
func (s *Server) acquire(c *connState) (ok bool, limit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.MaxSessions > 0 && s.sessions >= s.cfg.MaxSessions {
		return false, "max_sessions"
	}
	if s.cfg.MaxSessionsPerUser > 0 && s.perUser[c.user.Name] >= s.cfg.MaxSessionsPerUser {
		return false, "max_sessions_per_user"
	}
	s.startupEnded(c)
	s.sessions++
	s.perUser[c.user.Name]++
	c.authed = true
	if s.cfg.OnSession != nil {
		s.cfg.OnSession(+1)
	}
	return true, ""
}
