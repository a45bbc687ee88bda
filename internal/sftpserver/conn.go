package sftpserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// maxChannelsPerConn bounds the SFTP sessions one connection may open at
// once (sshd's MaxSessions per connection is 10 too).
const maxChannelsPerConn = 10

// channelReadBuffer batches the small reads from the SSH channel: pkg/sftp
// reads each packet's 4-byte length and then its body, and every read of
// the channel takes its lock. It is kept small on purpose: bufio hands a
// read at least this large straight to the channel, so the 32 KiB bodies
// of uploads are not copied twice.
const channelReadBuffer = 4 << 10

func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	defer s.wg.Done()
	c := &connState{nc: nc, remote: nc.RemoteAddr().String()}
	if ap, err := netip.ParseAddrPort(c.remote); err == nil {
		c.addr = ap.Addr().Unmap()
	}
	// A banned address is turned away before it takes a startup slot.
	if until, banned := s.bans.bannedUntil(c.addr); banned {
		s.logRefusal(c, "connection refused: address banned", "until", until)
		nc.Close()
		return
	}
	if ok, limit := s.track(c); !ok {
		s.logRefusal(c, "connection refused before login", "limit", limit)
		nc.Close()
		return
	}
	defer s.untrack(c)
	defer c.close()

	// Wall-clock, like sshd's LoginGraceTime: a deadline on the socket also
	// cuts a client that trickles bytes to keep the handshake alive.
	grace := s.cfg.LoginGraceTime
	var deadline time.Time
	if grace > 0 {
		deadline = time.Now().Add(grace)
		_ = nc.SetDeadline(deadline)
	}
	auth := &connAuth{srv: s, conn: c}
	sconn, chans, reqs, err := ssh.NewServerConn(nc, s.serverConfig(auth))
	if err != nil {
		auth.graceExpired = grace > 0 && !time.Now().Before(deadline)
		auth.finish(err)
		return
	}
	defer sconn.Close()
	_ = nc.SetDeadline(time.Time{})

	u, _ := sconn.Permissions.ExtraData[userKey{}].(*User)
	if u == nil {
		s.log.Error("login without a user", "remote", c.remote) // cannot happen: every callback sets it
		return
	}
	c.user = u
	ext := sconn.Permissions.Extensions
	if ok, limit := s.acquire(c); !ok {
		s.log.Warn("session refused: too many sessions", "user", u.Name, "remote", c.remote, "limit", limit)
		return
	}
	s.log.Info("login", "user", u.Name, "remote", c.remote, "method", ext[extMethod], "fingerprint", ext[extFingerprint])
	start := s.clock.Now()
	c.lastActive.Store(start.UnixNano())

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.watchIdle(c, stop) })
	go ssh.DiscardRequests(reqs)
	open := make(chan struct{}, maxChannelsPerConn)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			s.log.Warn("operation refused", "user", u.Name, "remote", c.remote, "op", "channel "+nch.ChannelType())
			_ = nch.Reject(ssh.Prohibited, "only SFTP sessions are allowed")
			continue
		}
		select {
		case open <- struct{}{}:
		default:
			_ = nch.Reject(ssh.ResourceShortage, "too many sessions on this connection")
			continue
		}
		ch, chReqs, err := nch.Accept()
		if err != nil {
			<-open
			continue
		}
		wg.Go(func() {
			defer func() { <-open }()
			s.serveChannel(ctx, c, ch, chReqs)
		})
	}
	// chans is closed: the connection is gone. Stop the watchdog, then
	// wait for the channels' SFTP servers, which close uploads.
	close(stop)
	c.close()
	wg.Wait()
	s.log.Info("logout", "user", u.Name, "remote", c.remote, "duration", s.clock.Since(start).Round(time.Millisecond))
}

// serveChannel answers a session channel's requests: the sftp subsystem
// is started once; shells, commands, ptys and the rest are refused.
func (s *Server) serveChannel(ctx context.Context, c *connState, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	var serving sync.WaitGroup
	started := false
	for req := range reqs {
		ok := false
		switch {
		case req.Type == "subsystem" && !started && subsystemName(req.Payload) == "sftp":
			ok, started = true, true
			serving.Go(func() {
				s.serveSFTP(ctx, c, ch)
				ch.Close() // ends reqs
			})
		case req.Type == "exec" || req.Type == "shell" || req.Type == "subsystem":
			s.log.Warn("operation refused", "user", c.user.Name, "remote", c.remote, "op", req.Type)
		}
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
	}
	serving.Wait()
}

func subsystemName(payload []byte) string {
	var msg struct{ Name string }
	if err := ssh.Unmarshal(payload, &msg); err != nil {
		return ""
	}
	return msg.Name
}

func (s *Server) serveSFTP(ctx context.Context, c *connState, ch ssh.Channel) {
	sess := newSession(ctx, s, c)
	bw := newBatchWriter(ch, c)
	limits := &limitsRequests{}
	status := newStatusRewriter(bw, s.clientPaths(c.user))
	status.limits = limits
	rw := &channelRW{r: bufio.NewReaderSize(ch, channelReadBuffer), w: bw, conn: c, srv: s,
		status: status, limits: limitsSniffer{reqs: limits}}
	defer rw.Close()
	// Reads are answered in full up to what limits@openssh.com announces.
	rs := sftp.NewRequestServer(rw, sess.handlers(), sftp.WithRSAllocator(), sftp.WithRSMaxTxPacket(limitsMaxRead))
	if err := rs.Serve(); err != nil && !errors.Is(err, io.EOF) {
		s.log.Debug("sftp session ended", "user", c.user.Name, "remote", c.remote, "err", err.Error())
	}
}

// channelRW is the SFTP server's stream: buffered reads that mark the
// connection active for the idle watchdog and count requests for graceful
// shutdown, and batched writes (see batchWriter). pkg/sftp reads from one
// goroutine only, so the read side needs no lock.
type channelRW struct {
	r      *bufio.Reader
	w      *batchWriter
	status *statusRewriter // writes to w, with client paths in error texts
	conn   *connState
	srv    *Server
	in     packetCounter
	limits limitsSniffer // notes limits@openssh.com requests (sftplimits.go)
}

func (rw *channelRW) Read(p []byte) (int, error) {
	n, err := rw.r.Read(p)
	if n > 0 {
		rw.conn.lastActive.Store(rw.srv.clock.Now().UnixNano())
		if started, _ := rw.in.feed(p[:n]); started > 0 {
			rw.conn.requests.Add(int64(started))
		}
		rw.limits.feed(p[:n])
	}
	return n, err
}

func (rw *channelRW) Write(p []byte) (int, error) { return rw.status.Write(p) }
func (rw *channelRW) Close() error                { return rw.w.Close() }

// watchIdle closes the connection once no SFTP traffic came in for
// IdleTimeout, which also ends a transfer that stalled.
func (s *Server) watchIdle(c *connState, stop <-chan struct{}) {
	timeout := s.cfg.IdleTimeout
	if timeout <= 0 {
		return
	}
	t := s.clock.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.Chan():
		}
		idle := s.clock.Since(time.Unix(0, c.lastActive.Load()))
		if idle >= timeout {
			s.log.Info("idle timeout", "user", c.user.Name, "remote", c.remote, "idle", idle.Round(time.Second))
			c.close()
			return
		}
		t.Reset(timeout - idle)
	}
}
