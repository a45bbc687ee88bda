package sftpserver

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzSession_Resolve feeds client paths to the virtual tree: whatever it
// resolves must be a fixed folder or a single valid name inside one.
func FuzzSession_Resolve(f *testing.F) {
	for _, seed := range []string{
		"/", ".", "..", "/inbox/payables/pay.csv", "../../etc/passwd", "/inbox/other/x",
		"/outbox/results/../../inbox/payables/x", `/inbox/payables/..\..\x`, "/inbox/payables/a\x00b", "//inbox//payables//x",
	} {
		f.Add(seed)
	}
	srv := &Server{cfg: Config{
		InboxDir:      func(r string) string { return "/data/inbox/" + r },
		StatementsDir: "/data/outbox/statements", ResultsDir: "/data/outbox/results",
	}}
	s := &session{srv: srv, user: &User{Name: "erp", Routes: []string{"payables"}}}
	f.Fuzz(func(t *testing.T, p string) {
		n, err := s.resolve(p)
		if err != nil {
			return
		}
		switch n.kind {
		case kindRoot, kindInboxRoot, kindOutboxRoot:
			if n.dir != "" {
				t.Fatalf("%q: virtual folder with a real dir %q", p, n.dir)
			}
		case kindInboxDir, kindOutboxDir:
			if n.dir != "/data/inbox/payables" && n.dir != "/data/outbox/statements" && n.dir != "/data/outbox/results" {
				t.Fatalf("%q: dir %q", p, n.dir)
			}
		case kindInboxFile, kindOutboxFile:
			if !validName(n.name) || strings.ContainsAny(n.name, `/\`) {
				t.Fatalf("%q: name %q", p, n.name)
			}
			if full := filepath.Join(n.dir, n.name); filepath.Dir(full) != n.dir {
				t.Fatalf("%q: %q leaves %q", p, full, n.dir)
			}
		default:
			t.Fatalf("%q: kind %d", p, n.kind)
		}
	})
}

// FuzzParseAuthorizedKeys checks that no config line makes the parser
// panic or accept a key it cannot use.
func FuzzParseAuthorizedKeys(f *testing.F) {
	f.Add("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGBrRhUpNCWMAJYw4Hp1CbVYAhcRm6A2eGBM1vKi5L/O erp@host")
	f.Add(`from="10.0.0.1",restrict ssh-ed25519 AAAA x`)
	f.Add("# comment")
	f.Fuzz(func(t *testing.T, line string) {
		keys, err := ParseAuthorizedKeys([]string{line}, "")
		if err != nil {
			return
		}
		for _, k := range keys {
			if k == nil || len(k.Marshal()) == 0 {
				t.Fatalf("%q: empty key", line)
			}
		}
	})
}
