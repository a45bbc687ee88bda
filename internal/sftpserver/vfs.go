package sftpserver

import (
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pkg/sftp"
)

// nodeKind is what a virtual path names. Nothing outside these exists.
type nodeKind uint8

const (
	kindRoot       nodeKind = iota + 1 // /
	kindInboxRoot                      // /inbox
	kindOutboxRoot                     // /outbox
	kindInboxDir                       // /inbox/<route>
	kindOutboxDir                      // /outbox/statements, /outbox/results, /outbox/<report>
	kindInboxFile                      // /inbox/<route>/<name>
	kindOutboxFile                     // /outbox/<dir>/<name>
)

// Virtual folder names.
const (
	inboxName      = "inbox"
	outboxName     = "outbox"
	statementsName = "statements"
	resultsName    = "results"
)

// node is a resolved virtual path.
type node struct {
	kind   nodeKind
	vpath  string // cleaned virtual path
	route  string // inbox kinds only
	folder string // outbox kinds only: the outbox folder's name
	dir    string // real folder of a dir or file kind
	name   string // file kinds only: the base name
}

func (n node) isDir() bool { return n.kind != kindInboxFile && n.kind != kindOutboxFile }

// resolve maps a client path onto the user's virtual tree. pkg/sftp already
// cleaned the path against "/", so ".." can no longer climb; cleaning again
// keeps that true for paths it passes raw (symlink targets). Anything that
// is not one of the fixed shapes, including another user's routes, does not
// exist.
func (s *session) resolve(p string) (node, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return node{}, fs.ErrNotExist
	}
	p = path.Clean("/" + p)
	n := node{vpath: p}
	if p == "/" {
		n.kind = kindRoot
		return n, nil
	}
	parts := strings.Split(p[1:], "/")
	switch parts[0] {
	case inboxName:
		if len(parts) == 1 {
			n.kind = kindInboxRoot
			return n, nil
		}
		if !s.user.hasRoute(parts[1]) {
			return node{}, fs.ErrNotExist
		}
		n.route, n.dir, n.kind = parts[1], s.srv.cfg.InboxDir(parts[1]), kindInboxDir
	case outboxName:
		if len(parts) == 1 {
			n.kind = kindOutboxRoot
			return n, nil
		}
		dir, ok := s.outboxFolder(parts[1])
		if !ok {
			return node{}, fs.ErrNotExist
		}
		n.folder, n.dir = parts[1], dir
		n.kind = kindOutboxDir
	default:
		return node{}, fs.ErrNotExist
	}
	switch len(parts) {
	case 2:
		return n, nil
	case 3:
		if !validName(parts[2]) {
			return node{}, fs.ErrNotExist
		}
		n.name = parts[2]
		if n.kind == kindInboxDir {
			n.kind = kindInboxFile
		} else {
			n.kind = kindOutboxFile
		}
		return n, nil
	default:
		return node{}, fs.ErrNotExist
	}
}

// validName accepts a single path element that is the same file on every
// platform the bridge runs on: no separators (a backslash is one on
// Windows), no NUL or control characters, no "." or "..", at most 255 bytes.
func validName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 255 || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return false
		}
		if runtime.GOOS == "windows" && strings.ContainsRune(`<>:"|?*`, r) {
			return false
		}
	}
	if runtime.GOOS == "windows" && (strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ")) {
		return false
	}
	return true
}

// isClientTemp reports whether a name looks like a client's own temp file
// (WinSCP's *.filepart, FileZilla's *.part, *.tmp, ~*, dot-files): written
// as is, handed over only when renamed to a normal name. It matches the
// folder watcher's ignore patterns (SPEC §2).
func isClientTemp(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") ||
		strings.HasSuffix(lower, ".filepart") || strings.HasSuffix(lower, ".part") || strings.HasSuffix(lower, ".tmp")
}

// isOutboxHidden reports names in the outbox that are not finished files:
// the outbound writer's temp names.
func isOutboxHidden(name string) bool { return isClientTemp(name) }

// fileInfo is what clients see of a file or folder: name, size, a fixed
// mode and mtime. Real owners and modes stay private.
type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

var _ os.FileInfo = fileInfo{}

func (fi fileInfo) Name() string       { return fi.name }
func (fi fileInfo) Size() int64        { return fi.size }
func (fi fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi fileInfo) ModTime() time.Time { return fi.mtime }
func (fi fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi fileInfo) Sys() any           { return nil }

// Modes shown to clients. They are fixed: what a user may do is decided by
// the virtual tree, and some clients refuse to list a folder that does not
// look readable.
const (
	modeDir  = fs.ModeDir | 0o755
	modeFile = 0o644
)

func dirInfo(name string, mtime time.Time) fileInfo {
	return fileInfo{name: name, mode: modeDir, mtime: mtime}
}

func regularInfo(name string, size int64, mtime time.Time) fileInfo {
	return fileInfo{name: name, size: size, mode: modeFile, mtime: mtime}
}

// listerAt serves a fixed list of entries to pkg/sftp.
type listerAt []os.FileInfo

var _ sftp.ListerAt = listerAt(nil)

func (l listerAt) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}
