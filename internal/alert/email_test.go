package alert

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"
)

func TestEmailDeliversOverTLSWithAuth(t *testing.T) {
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			sink, pool := startSMTPSink(t, mode == "tls", "bridge", "s3cret")
			m := &Email{Addr: sink.Addr(), From: "bridge@example.com", To: []string{"treasury@example.com", "ops@example.com"},
				Username: "bridge", Password: "s3cret", TLS: mode, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			e := Event{Kind: FileFailed, Severity: Error, Time: time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC),
				Message: "file pay.csv failed: Atlar rejected the batch", FileID: "01J", Route: "payables", Name: "pay.csv"}
			if err := m.Send(ctx, e); err != nil {
				t.Fatalf("send: %v", err)
			}
			got := <-sink.got
			if !got.TLS || got.AuthUser != "bridge" {
				t.Fatalf("mail not sent over TLS with auth: %+v", got)
			}
			if len(got.To) != 2 || !strings.Contains(got.From, "bridge@example.com") {
				t.Fatalf("envelope: from %q to %q", got.From, got.To)
			}
			for _, want := range []string{"Subject: [atlar-bridge] error: file_failed pay.csv", "file pay.csv failed", "route:", "payables", "2026-12-04T09:30:00Z"} {
				if !strings.Contains(got.Data, want) {
					t.Errorf("mail lacks %q:\n%s", want, got.Data)
				}
			}
		})
	}
}

func TestEmailWrongPasswordFailsWithoutLeakingIt(t *testing.T) {
	sink, pool := startSMTPSink(t, false, "bridge", "right")
	m := &Email{Addr: sink.Addr(), From: "bridge@example.com", To: []string{"t@example.com"},
		Username: "bridge", Password: "wrong-pass-xyz", TLS: "starttls", TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := m.Send(ctx, Event{Kind: DiskLow, Severity: Warning, Time: time.Now()})
	if err == nil {
		t.Fatal("send with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "wrong-pass-xyz") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func TestEmailStartTLSIsMandatory(t *testing.T) {
	// A relay whose certificate the bridge does not trust: the mail must
	// not go out in clear text instead.
	sink, _ := startSMTPSink(t, false, "", "")
	m := &Email{Addr: sink.Addr(), From: "bridge@example.com", To: []string{"t@example.com"}, TLS: "starttls",
		TLSConfig: &tls.Config{ServerName: "127.0.0.1"}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.Send(ctx, Event{Kind: DiskLow, Time: time.Now()}); err == nil {
		t.Fatal("sent although the relay's certificate is untrusted")
	}
	if len(sink.mail) != 0 {
		t.Fatalf("mail reached the relay: %+v", sink.mail)
	}
}
