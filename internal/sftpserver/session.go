package sftpserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pkg/sftp"
)

// session serves one SFTP subsystem channel for a logged-in user. It
// implements the pkg/sftp request-server handlers.
type session struct {
	srv  *Server
	conn *connState
	user *User
	// ctx is what the Receiver is called with. pkg/sftp's handler methods
	// take no context, so the session carries the server's; it is not
	// cancelled when the client goes away, because a hand-over that started
	// must finish.
	ctx context.Context

	mu           sync.Mutex
	uploads      map[string]*upload // open write handles by virtual path
	lookupLogged time.Time          // last result owner look-up failure logged (outbox.go)
}

func newSession(ctx context.Context, srv *Server, c *connState) *session {
	return &session{srv: srv, conn: c, user: c.user, ctx: ctx, uploads: make(map[string]*upload)}
}

// handlers returns the pkg/sftp handlers backed by this session.
func (s *session) handlers() sftp.Handlers {
	return sftp.Handlers{FileGet: s, FilePut: s, FileCmd: s, FileList: s}
}

// attrs are the audit log's attributes for an operation on vpath.
func (s *session) attrs(vpath string, kv ...any) []any {
	return append([]any{"user", s.user.Name, "remote", s.conn.remote, "path", vpath}, kv...)
}

// refuse logs an operation the user is not allowed and returns err for the
// client.
func (s *session) refuse(op, vpath string, err error) error {
	s.srv.log.Warn("operation refused", s.attrs(vpath, "op", op, "reason", err.Error())...)
	return err
}

func (s *session) logUploadAborted(n node, size int64, reason error) {
	s.srv.log.Warn("upload aborted", s.attrs(n.vpath, "size", size, "reason", reason.Error())...)
}

// deniedError is a refusal sent to the client as SSH_FX_PERMISSION_DENIED
// with a reason it can show.
type deniedError struct{ why string }

func (e *deniedError) Error() string { return "permission denied: " + e.why }
func (e *deniedError) Unwrap() error { return sftp.ErrSSHFxPermissionDenied }

var (
	errReadOnly      = &deniedError{"the outbox is read-only"}
	errNotInbox      = &deniedError{"files can only be uploaded into /inbox/<route>"}
	errNoLinks       = &deniedError{"links are not supported"}
	errNoDirs        = &deniedError{"folders cannot be created or removed"}
	errRenameScope   = &deniedError{"files can only be renamed within one inbox folder"}
	errRenameSource  = &deniedError{"only a file uploaded under a temporary name can be renamed"}
	errInboxNoDelete = &deniedError{"inbox files cannot be deleted"}
	errReservedName  = &deniedError{"the name is reserved for the server's own temp files"}
	errStillOpen     = &deniedError{"the file is still open for writing"}
)

// uploadTempSuffix marks the server's hidden temp uploads:
// .<name>.<16 hex digits>.upload.
const uploadTempSuffix = ".upload"

// hiddenTempName returns a fresh hidden temp name for an upload of name.
// The visible name is shortened so the temp name stays within 255 bytes.
func hiddenTempName(name string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return "." + name + "." + hex.EncodeToString(b[:]) + uploadTempSuffix
}

// isHiddenTemp reports whether name is one of this server's temp uploads.
func isHiddenTemp(name string) bool {
	if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, uploadTempSuffix) {
		return false
	}
	inner := strings.TrimSuffix(name[1:], uploadTempSuffix)
	i := strings.LastIndexByte(inner, '.')
	if i < 0 || len(inner)-i-1 != 16 {
		return false
	}
	_, err := hex.DecodeString(inner[i+1:])
	return err == nil
}

func (s *session) uploadOpened(u *upload) {
	s.mu.Lock()
	s.uploads[u.node.vpath] = u
	s.mu.Unlock()
	s.conn.openUploads.Add(1)
}

func (s *session) uploadClosed(u *upload) {
	s.mu.Lock()
	if s.uploads[u.node.vpath] == u {
		delete(s.uploads, u.node.vpath)
	}
	s.mu.Unlock()
	s.conn.openUploads.Add(-1)
	s.conn.afterActivity()
}

// openUpload returns the write handle open on vpath in this session, if any.
func (s *session) openUpload(vpath string) *upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads[vpath]
}

// handOver gives a complete file to the Receiver (see Receiver for what
// its errors mean). srcName is the file's name on disk in n.dir.
func (s *session) handOver(n node, srcName string, size int64, sum string) error {
	up := Upload{
		User: s.user.Name, RemoteAddr: s.conn.remote, Route: n.route,
		Name: n.name, Path: filepath.Join(n.dir, srcName), Size: size, SHA256: sum,
	}
	id, err := s.srv.recv.Receive(s.ctx, up)
	var rej *RejectError
	switch {
	case err == nil:
		s.srv.recent.add(recentKey{s.user.Name, n.route, n.name}, s, id, size)
		s.srv.log.Info("upload", s.attrs(n.vpath, "size", size, "sha256", sum, "file_id", id)...)
		return nil
	case errors.As(err, &rej):
		s.srv.log.Warn("upload rejected", s.attrs(n.vpath, "size", size, "sha256", sum, "reason", rej.Reason)...)
		return fmt.Errorf("file rejected: %w", rej)
	}
	visible, perr := publish(n.dir, srcName, n.name)
	if perr != nil {
		s.srv.log.Error("upload lost: hand-over and publish failed", s.attrs(n.vpath, "size", size, "sha256", sum, "err", err.Error(), "publish_err", perr.Error())...)
		if isHiddenTemp(srcName) {
			s.removeTemp(n, srcName)
		}
		return fmt.Errorf("upload not accepted, send it again: %w", err)
	}
	s.srv.log.Error("upload hand-over failed; left in the inbox for the folder watcher",
		s.attrs(n.vpath, "size", size, "sha256", sum, "err", err.Error(), "file", visible)...)
	return nil
}

// publish renames srcName to name in dir, or to a variant of name when a
// file of that name is already waiting there: never overwrite an upload.
func publish(dir, srcName, name string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer root.Close()
	target := name
	if _, err := root.Lstat(target); err == nil {
		var b [4]byte
		_, _ = rand.Read(b[:])
		ext := path.Ext(name)
		target = strings.TrimSuffix(name, ext) + "-" + hex.EncodeToString(b[:]) + ext
	}
	if err := root.Rename(srcName, target); err != nil {
		return "", err
	}
	return target, nil
}

func (s *session) removeTemp(n node, name string) {
	root, err := os.OpenRoot(n.dir)
	if err == nil {
		err = root.Remove(name)
		root.Close()
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.srv.log.Error("remove temp upload", s.attrs(n.vpath, "file", name, "err", err.Error())...)
	}
}

// hashFile returns the hex sha256 of dir/name.
func (s *session) hashFile(dir, name string) (string, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", fmt.Errorf("hash upload: %w", err)
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return "", fmt.Errorf("hash upload: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash upload: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
