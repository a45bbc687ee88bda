package sftpserver

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/pkg/sftp"
)

var (
	_ sftp.FileReader           = (*session)(nil)
	_ sftp.OpenFileWriter       = (*session)(nil)
	_ sftp.PosixRenameFileCmder = (*session)(nil)
	_ sftp.StatVFSFileCmder     = (*session)(nil)
	_ sftp.LstatFileLister      = (*session)(nil)
	_ sftp.RealPathFileLister   = (*session)(nil)
	_ sftp.ReadlinkFileLister   = (*session)(nil)
	_ sftp.NameLookupFileLister = (*session)(nil)
)

var (
	errNotDir      = errors.New("not a folder")
	errNotFile     = errors.New("not a file")
	errNotSymlink  = errors.New("not a symbolic link")
	errUnavailable = errors.New("folder unavailable, try again later")
)

// Fileread opens an outbox file for download.
func (s *session) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	n, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, err
	}
	switch n.kind {
	case kindOutboxFile:
	case kindInboxFile:
		return nil, s.refuse("read", n.vpath, errUploadWriteOnly)
	default:
		return nil, errNotFile
	}
	if isOutboxHidden(n.name) {
		return nil, fs.ErrNotExist
	}
	if ok, why := s.outboxVisible(n); !ok {
		s.srv.log.Warn("operation refused", s.attrs(n.vpath, "op", "read", "reason", why)...)
		return nil, fs.ErrNotExist
	}
	root, err := s.openRoot(n)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fi, err := root.Lstat(n.name)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	f, err := root.Open(n.name)
	if err != nil {
		return nil, fs.ErrNotExist
	}
	// The name could have been swapped for a link between Lstat and Open.
	if fi2, err := f.Stat(); err != nil || !os.SameFile(fi, fi2) {
		f.Close()
		return nil, fs.ErrNotExist
	}
	return &download{sess: s, node: n, f: f, size: fi.Size()}, nil
}

// Filewrite opens an upload (pkg/sftp "Put").
func (s *session) Filewrite(r *sftp.Request) (io.WriterAt, error) { return s.openForWrite(r) }

// OpenFile opens an upload for a client that asked for read and write;
// reads on it are refused.
func (s *session) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	return s.openForWrite(r)
}

func (s *session) openForWrite(r *sftp.Request) (*upload, error) {
	n, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, s.refuse("write", r.Filepath, errNotInbox)
	}
	switch n.kind {
	case kindInboxFile:
	case kindOutboxFile, kindOutboxDir, kindOutboxRoot:
		return nil, s.refuse("write", n.vpath, errReadOnly)
	default:
		return nil, s.refuse("write", n.vpath, errNotInbox)
	}
	if isHiddenTemp(n.name) {
		return nil, s.refuse("write", n.vpath, errReservedName)
	}
	root, err := s.openRoot(n)
	if err != nil {
		return nil, err
	}
	defer root.Close()

	var u *upload
	if isClientTemp(n.name) {
		if fi, err := root.Lstat(n.name); err == nil && !fi.Mode().IsRegular() {
			return nil, s.refuse("write", n.vpath, errNotFile)
		}
		// Without truncate the client resumes (WinSCP does with .filepart).
		flags := os.O_WRONLY | os.O_CREATE
		if pf := r.Pflags(); pf.Trunc {
			flags |= os.O_TRUNC
		}
		if r.Pflags().Excl {
			flags |= os.O_EXCL
		}
		f, err := root.OpenFile(n.name, flags, 0o600)
		if err != nil {
			return nil, s.ioError("open upload", n, err)
		}
		u = newUpload(s, n, f, n.name, true)
	} else {
		tmp := hiddenTempName(n.name)
		// Read and write: bytes that arrive out of order are read back to
		// extend the running sha256.
		f, err := root.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, s.ioError("open upload", n, err)
		}
		u = newUpload(s, n, f, tmp, false)
	}
	if max := s.srv.cfg.MaxFileSize; max != nil {
		u.limit = max(n.route)
	}
	u.quota = s.user.Quota
	s.uploadOpened(u)
	s.srv.log.Debug("upload started", s.attrs(n.vpath, "file", u.fileName)...)
	return u, nil
}

// Filecmd handles setstat, rename, remove and refuses the rest.
func (s *session) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Setstat":
		return s.setstat(r.Filepath)
	case "Rename":
		return s.rename(r.Filepath, r.Target)
	case "Remove":
		return s.remove(r.Filepath)
	case "Mkdir", "Rmdir":
		return s.refuse(strings.ToLower(r.Method), r.Filepath, errNoDirs)
	case "Symlink", "Link":
		// For links pkg/sftp puts the new name in Target.
		return s.refuse(strings.ToLower(r.Method), r.Target, errNoLinks)
	default:
		return s.refuse(strings.ToLower(r.Method), r.Filepath, sftp.ErrSSHFxOpUnsupported)
	}
}

// PosixRename is rename with the posix-rename@openssh.com semantics, which
// are the same here.
func (s *session) PosixRename(r *sftp.Request) error { return s.rename(r.Filepath, r.Target) }

// StatVFS reports the free space of the folder behind a path, so clients
// that check before uploading see the real disk.
func (s *session) StatVFS(r *sftp.Request) (*sftp.StatVFS, error) {
	n, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, err
	}
	dir := n.dir
	if dir == "" {
		dir = s.srv.cfg.ResultsDir
	}
	st, err := statVFS(dir)
	if err != nil {
		s.srv.log.Error("statvfs", s.attrs(n.vpath, "err", err.Error())...)
		return nil, errUnavailable
	}
	return st, nil
}

// setstat succeeds without changing anything: clients set modes and times
// after uploading, and neither may change what the pipeline receives.
func (s *session) setstat(p string) error {
	n, err := s.resolve(p)
	if err != nil {
		return err
	}
	if n.kind == kindOutboxFile {
		if _, err := s.stat(n); err != nil {
			return err
		}
	}
	return nil
}

// Filelist lists folders and answers stat.
func (s *session) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	n, err := s.resolve(r.Filepath)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case "List":
		if !n.isDir() {
			return nil, errNotDir
		}
		return s.list(n)
	case "Stat":
		fi, err := s.stat(n)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	default:
		return nil, sftp.ErrSSHFxOpUnsupported
	}
}

// Lstat is Stat: nothing in the virtual tree is a link.
func (s *session) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	r.Method = "Stat"
	return s.Filelist(r)
}

// Readlink fails: nothing in the virtual tree is a link.
func (s *session) Readlink(p string) (string, error) {
	if _, err := s.resolve(p); err != nil {
		return "", err
	}
	return "", errNotSymlink
}

// RealPath makes a client path absolute in the virtual tree, whose start
// directory is "/".
func (s *session) RealPath(p string) (string, error) { return path.Clean("/" + p), nil }

// LookupUserName shows the logged-in user as every file's owner in ls -l.
func (s *session) LookupUserName(string) string { return s.user.Name }

// LookupGroupName shows the logged-in user as every file's group in ls -l.
func (s *session) LookupGroupName(string) string { return s.user.Name }

// openRoot opens a real folder so that no name can leave it.
func (s *session) openRoot(n node) (*os.Root, error) {
	root, err := os.OpenRoot(n.dir)
	if err != nil {
		s.srv.log.Error("open folder", s.attrs(n.vpath, "err", err.Error())...)
		return nil, errUnavailable
	}
	return root, nil
}

// ioError logs a local I/O failure with its detail and gives the client a
// message without server paths.
func (s *session) ioError(op string, n node, err error) error {
	s.srv.log.Error(op, s.attrs(n.vpath, "err", err.Error())...)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", op, pe.Err)
	}
	return fmt.Errorf("%s failed", op)
}
