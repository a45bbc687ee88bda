package alert

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpSink is a tiny SMTP server for tests: EHLO, STARTTLS, AUTH PLAIN,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT. It refuses AUTH and MAIL before TLS
// so a client that skipped encryption fails the test.
type smtpSink struct {
	ln       net.Listener
	tlsCfg   *tls.Config
	implicit bool
	user     string
	pass     string

	mu   sync.Mutex
	mail []sunkMail
	got  chan sunkMail
}

type sunkMail struct {
	From, AuthUser string
	To             []string
	Data           string
	TLS            bool
}

// testCert makes a self-signed certificate for 127.0.0.1 and a pool
// trusting it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func startSMTPSink(t *testing.T, implicit bool, user, pass string) (*smtpSink, *x509.CertPool) {
	t.Helper()
	cert, pool := testCert(t)
	s := &smtpSink{tlsCfg: &tls.Config{Certificates: []tls.Certificate{cert}}, implicit: implicit,
		user: user, pass: pass, got: make(chan sunkMail, 16)}
	var err error
	if implicit {
		s.ln, err = tls.Listen("tcp", "127.0.0.1:0", s.tlsCfg)
	} else {
		s.ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { s.ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.serve(c) }()
		}
	}()
	return s, pool
}

func (s *smtpSink) Addr() string { return s.ln.Addr().String() }

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	secure := s.implicit
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 sink ESMTP")
	var m sunkMail
	authed := s.user == ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			w.WriteString("250-sink\r\n")
			if !secure {
				w.WriteString("250-STARTTLS\r\n")
			} else if s.user != "" {
				w.WriteString("250-AUTH PLAIN\r\n")
			}
			say("250 8BITMIME")
		case verb == "STARTTLS" && !secure:
			say("220 go ahead")
			tc := tls.Server(c, s.tlsCfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case verb == "AUTH":
			f := strings.Fields(line)
			if !secure || len(f) < 2 || strings.ToUpper(f[1]) != "PLAIN" {
				say("504 only AUTH PLAIN over TLS")
				continue
			}
			var resp string
			if len(f) == 3 {
				resp = f[2]
			} else {
				say("334 ")
				l, _ := r.ReadString('\n')
				resp = strings.TrimSpace(l)
			}
			raw, _ := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if len(parts) == 3 && parts[1] == s.user && parts[2] == s.pass {
				authed, m.AuthUser = true, parts[1]
				say("235 ok")
			} else {
				say("535 bad credentials")
			}
		case verb == "MAIL":
			if !secure || !authed {
				say("530 must STARTTLS and authenticate first")
				continue
			}
			m.From, m.TLS = strings.TrimPrefix(line[5:], "FROM:"), secure
			say("250 ok")
		case verb == "RCPT":
			m.To = append(m.To, strings.TrimPrefix(line[5:], "TO:"))
			say("250 ok")
		case verb == "DATA":
			say("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			m.Data = b.String()
			s.mu.Lock()
			s.mail = append(s.mail, m)
			s.mu.Unlock()
			s.got <- m
			m = sunkMail{AuthUser: m.AuthUser}
			say("250 queued")
		case verb == "RSET" || verb == "NOOP":
			say("250 ok")
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}
