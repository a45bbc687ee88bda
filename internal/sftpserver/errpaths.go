package sftpserver

import (
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Error texts sent to SFTP clients must not show the server's own paths
// (`write /var/lib/atlar-bridge/inbox/payables/.x.csv.0123….upload: no space
// left on device`): they tell a client where the data lives and confuse an
// ERP operator who knows only /inbox/payables. The handlers return ordinary
// wrapped Go errors, whose *fs.PathError and *os.LinkError texts name real
// paths, and pkg/sftp sends err.Error() as the status message. Rather than
// wrap every handler, reader and writer (and miss the next one added), the
// one place every status answer passes, the session's outgoing stream, maps
// real paths in status messages to the client's virtual ones. The server's
// log keeps the real paths for the operator.

var errEmptyPacket = errors.New("sftp answer without a type")

// sshFxpStatus is the SFTP packet type of a status answer, sshFxOK the
// status code of success.
const (
	sshFxpStatus = 101
	sshFxOK      = 0
)

// maxStatusPacket bounds a status answer held for rewriting; pkg/sftp's are
// a few hundred bytes. A larger one (never expected) passes unchanged.
const maxStatusPacket = 64 << 10

// clientPaths maps the server's folders to what a session's user sees.
type clientPaths struct {
	sep  string     // the server's path separator
	dirs []pathPair // longest real folder first
	// root is the deepest folder holding all of them (the storage root) or
	// "" when that is the file system's root; anything else under it
	// (processing, archive, the journal) is never shown.
	root string
}

type pathPair struct{ real, virtual string }

// hiddenTempRE matches the server's temp upload names (see hiddenTempName)
// at the start of a path element, to show the name the client uploaded.
var hiddenTempRE = regexp.MustCompile(`(^|[/\\\s])\.([^/\\]+?)\.[0-9a-f]{16}\.upload`)

// hiddenPath is what a server path outside the user's folders becomes.
const hiddenPath = "(server folder)"

func (s *Server) clientPaths(u *User) clientPaths {
	pairs := []pathPair{
		{s.cfg.StatementsDir, "/" + outboxName + "/" + statementsName},
		{s.cfg.ResultsDir, "/" + outboxName + "/" + resultsName},
	}
	for _, r := range u.Routes {
		pairs = append(pairs, pathPair{s.cfg.InboxDir(r), "/" + inboxName + "/" + r})
	}
	return newClientPaths(string(filepath.Separator), pairs)
}

func newClientPaths(sep string, pairs []pathPair) clientPaths {
	p := clientPaths{sep: sep}
	for _, d := range pairs {
		if real := strings.TrimSuffix(d.real, sep); real != "" {
			p.dirs = append(p.dirs, pathPair{real, d.virtual})
		}
	}
	// Longest first, so that a folder nested in another maps to its own
	// virtual path.
	slices.SortFunc(p.dirs, func(a, b pathPair) int { return len(b.real) - len(a.real) })
	for i, d := range p.dirs {
		if i == 0 {
			p.root = d.real
			continue
		}
		for p.root != "" && p.root != d.real && !strings.HasPrefix(d.real, p.root+sep) {
			p.root = parentDir(p.root, sep)
		}
	}
	return p
}

// parentDir is the folder holding dir, or "" at the top (/, C:\, a share).
func parentDir(dir, sep string) string {
	i := strings.LastIndex(dir, sep)
	if i <= 0 {
		return ""
	}
	parent := dir[:i]
	if strings.HasSuffix(parent, ":") || strings.Trim(parent, sep) == "" {
		return ""
	}
	return parent
}

// text returns msg with the server's paths replaced by the client's.
func (p clientPaths) text(msg string) string {
	for _, d := range p.dirs {
		msg = replacePathPrefix(msg, d.real, p.sep, func(rest string) string {
			return d.virtual + strings.ReplaceAll(rest, p.sep, "/")
		})
	}
	if strings.Contains(msg, uploadTempSuffix) {
		msg = hiddenTempRE.ReplaceAllString(msg, "$1$2")
	}
	if p.root != "" {
		msg = replacePathPrefix(msg, p.root, p.sep, func(string) string { return hiddenPath })
	}
	return msg
}

// replacePathPrefix replaces each path in msg that is dir or lies under it
// with repl(the part after dir). A path ends where Go's error texts end
// one: at ": ", a quote, a line break, or the end.
func replacePathPrefix(msg, dir, sep string, repl func(rest string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, dir)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		after := msg[i+len(dir):]
		if after != "" && !strings.HasPrefix(after, sep) && !strings.ContainsAny(after[:1], ": \"'\n") {
			// Only a prefix of a longer name (/data/inbox2 for /data/inbox).
			b.WriteString(msg[:i+len(dir)])
			msg = after
			continue
		}
		end := pathEnd(after)
		b.WriteString(msg[:i])
		b.WriteString(repl(after[:end]))
		msg = after[end:]
	}
}

// windowsPathRE is the start of a second, Windows, absolute path.
var windowsPathRE = regexp.MustCompile(` [A-Za-z]:\\`)

func pathEnd(s string) int {
	end := len(s)
	for _, stop := range []string{": ", "\"", "'", "\n", " -> "} {
		if j := strings.Index(s, stop); j >= 0 && j < end {
			end = j
		}
	}
	// os.LinkError reads "rename OLD NEW: err": a second absolute path
	// after a space starts a new path.
	if j := strings.Index(s[:end], " /"); j >= 0 {
		end = j
	}
	if j := strings.Index(s[:end], ` \\`); j >= 0 {
		end = j
	}
	if j := windowsPathRE.FindStringIndex(s[:end]); j != nil {
		end = j[0]
	}
	return end
}

// statusRewriter is the SFTP server's outgoing stream: it follows the packet
// framing and rewrites the message of each status answer with
// clientPaths.text; every other byte passes through unchanged. pkg/sftp
// serialises its writes (one answer's header and payload under one lock);
// mu makes that an invariant of this type too.
type statusRewriter struct {
	out   io.Writer
	paths clientPaths

	mu   sync.Mutex
	head []byte // the current packet's first bytes, up to its type
	left uint32 // bytes of the current packet still to come (after head)
	hold []byte // a status packet being collected, from its length on
	// spare is hold's memory between status answers: an upload gets one
	// per write, and the writer below copies what it is given.
	spare []byte
	pass  bool // the current packet passes through
	// limits, when set, has the version answer announce limits@openssh.com
	// and answers its requests (sftplimits.go).
	limits *limitsRequests
}

func newStatusRewriter(out io.Writer, paths clientPaths) *statusRewriter {
	return &statusRewriter{out: out, paths: paths}
}

func (w *statusRewriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		switch {
		case w.left == 0 && !w.pass && w.hold == nil && len(w.head) == 0 && len(p) >= 5 && (!w.heldType(p[4]) || binary.BigEndian.Uint32(p) > maxStatusPacket):
			// Fast path for everything but status answers, header and all
			// in p: one write, as pkg/sftp made it (downloads stay at two
			// writes per data answer).
			length := uint64(binary.BigEndian.Uint32(p))
			if length == 0 {
				return 0, errEmptyPacket // pkg/sftp never sends one
			}
			take := min(uint64(len(p)), 4+length)
			if _, err := w.out.Write(p[:take]); err != nil {
				return 0, err
			}
			w.left = uint32(4 + length - take)
			w.pass = w.left > 0
			p = p[take:]
		case w.left == 0 && !w.pass && w.hold == nil:
			// Reading a header: 4 bytes of length and the type byte.
			take := min(5-len(w.head), len(p))
			w.head = append(w.head, p[:take]...)
			p = p[take:]
			if len(w.head) < 5 {
				continue
			}
			length := binary.BigEndian.Uint32(w.head[:4])
			if length == 0 {
				return 0, errEmptyPacket // pkg/sftp never sends one
			}
			w.left = length - 1
			if w.heldType(w.head[4]) && length <= maxStatusPacket {
				w.hold = append(w.spare[:0], w.head...)
			} else {
				w.pass = true
				if _, err := w.out.Write(w.head); err != nil {
					return 0, err
				}
			}
			w.head = w.head[:0]
			if w.left == 0 {
				if err := w.finish(); err != nil {
					return 0, err
				}
			}
		default:
			take := int(min(uint32(len(p)), w.left))
			chunk := p[:take]
			p = p[take:]
			w.left -= uint32(take)
			if w.pass {
				if _, err := w.out.Write(chunk); err != nil {
					return 0, err
				}
			} else {
				w.hold = append(w.hold, chunk...)
			}
			if w.left == 0 {
				if err := w.finish(); err != nil {
					return 0, err
				}
			}
		}
	}
	return n, nil
}

// finish ends the current packet, writing a held status answer rewritten.
func (w *statusRewriter) finish() error {
	held := w.hold
	w.hold, w.pass = nil, false
	if held == nil {
		return nil
	}
	_, err := w.out.Write(w.rewriteAnswer(held))
	if cap(held) <= maxStatusPacket {
		w.spare = held[:0]
	}
	return err
}

// rewriteStatus returns the status packet pkt (length, type 101, id, code,
// message, language tag) with its message passed through f. A packet that
// does not parse is returned unchanged.
func rewriteStatus(pkt []byte, f func(string) string) []byte {
	const msgAt = 4 + 1 + 4 + 4 // length, type, id, code
	if len(pkt) < msgAt+4 || binary.BigEndian.Uint32(pkt[msgAt-4:]) == sshFxOK {
		// An upload gets an OK answer per write: leave those alone.
		return pkt
	}
	msgLen := binary.BigEndian.Uint32(pkt[msgAt:])
	if uint64(msgAt+4)+uint64(msgLen) > uint64(len(pkt)) {
		return pkt
	}
	msg := string(pkt[msgAt+4 : msgAt+4+int(msgLen)])
	mapped := f(msg)
	if mapped == msg {
		return pkt
	}
	rest := pkt[msgAt+4+int(msgLen):] // the language tag
	out := make([]byte, 0, len(pkt)-len(msg)+len(mapped))
	out = append(out, pkt[:msgAt]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(mapped)))
	out = append(out, mapped...)
	out = append(out, rest...)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out
}
