package alert

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"

	mail "github.com/wneessen/go-mail"
)

// Email sends each event as a plain-text mail through an SMTP relay.
// go-mail does the protocol: STARTTLS (mandatory, not opportunistic) or
// implicit TLS, AUTH negotiation and RFC 5322 encoding.
type Email struct {
	Addr     string // host:port
	From     string
	To       []string
	Username string
	Password string
	// TLS is "starttls", "tls" (implicit, usually port 465) or "none"
	// (config allows it only for a loopback relay).
	TLS string
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
}

// Channel implements Sender.
func (m *Email) Channel() string { return "email" }

// Send implements Sender.
func (m *Email) Send(ctx context.Context, e Event) error {
	host, portStr, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("email: smtp address %q: %w", m.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("email: smtp port %q: %w", portStr, err)
	}
	opts := []mail.Option{mail.WithPort(port)}
	switch m.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if m.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(m.TLSConfig))
	}
	if m.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.Username), mail.WithPassword(m.Password))
	}
	c, err := mail.NewClient(host, opts...)
	if err != nil {
		return fmt.Errorf("email: smtp client for %s: %w", m.Addr, err)
	}
	msg := mail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return fmt.Errorf("email: from %q: %w", m.From, err)
	}
	if err := msg.To(m.To...); err != nil {
		return fmt.Errorf("email: to: %w", err)
	}
	msg.Subject(e.Subject())
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, e.Text())
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("email: send %s alert via %s: %w", e.Kind, m.Addr, err)
	}
	return nil
}
