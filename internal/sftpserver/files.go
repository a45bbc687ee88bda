package sftpserver

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// stat describes one node as the client sees it.
func (s *session) stat(n node) (fileInfo, error) {
	switch n.kind {
	case kindRoot:
		return dirInfo("/", s.srv.started), nil
	case kindInboxRoot, kindOutboxRoot:
		return dirInfo(path.Base(n.vpath), s.srv.started), nil
	case kindInboxDir, kindOutboxDir:
		return dirInfo(path.Base(n.vpath), dirMtime(n.dir, s.srv.started)), nil
	case kindInboxFile:
		if u := s.openUpload(n.vpath); u != nil {
			return regularInfo(n.name, u.size(), s.srv.clock.Now()), nil
		}
		if e, ok := s.srv.recent.get(recentKey{s.user.Name, n.route, n.name}); ok && e.sess == s {
			return regularInfo(n.name, e.size, e.at), nil
		}
		if isHiddenTemp(n.name) {
			return fileInfo{}, fs.ErrNotExist
		}
	case kindOutboxFile:
		if isOutboxHidden(n.name) {
			return fileInfo{}, fs.ErrNotExist
		}
		if ok, _ := s.outboxVisible(n); !ok {
			return fileInfo{}, fs.ErrNotExist
		}
	}
	root, err := s.openRoot(n)
	if err != nil {
		return fileInfo{}, err
	}
	defer root.Close()
	fi, err := root.Lstat(n.name)
	if err != nil || !fi.Mode().IsRegular() {
		return fileInfo{}, fs.ErrNotExist
	}
	return regularInfo(n.name, fi.Size(), fi.ModTime()), nil
}

func dirMtime(dir string, fallback time.Time) time.Time {
	if fi, err := os.Stat(dir); err == nil {
		return fi.ModTime()
	}
	return fallback
}

// list returns a folder's entries, sorted by name.
func (s *session) list(n node) (listerAt, error) {
	var out listerAt
	switch n.kind {
	case kindRoot:
		out = listerAt{dirInfo(inboxName, s.srv.started), dirInfo(outboxName, s.srv.started)}
	case kindOutboxRoot:
		out = s.outboxRootList()
	case kindInboxRoot:
		routes := slices.Sorted(slices.Values(s.user.Routes))
		for _, r := range slices.Compact(routes) {
			out = append(out, dirInfo(r, dirMtime(s.srv.cfg.InboxDir(r), s.srv.started)))
		}
	case kindInboxDir, kindOutboxDir:
		files, err := s.readDir(n)
		if err != nil {
			return nil, err
		}
		out = files
	}
	slices.SortFunc(out, func(a, b os.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// readDir lists the regular files of a real folder that the user may see.
// An inbox also shows the user's uploads in progress (on disk under a
// hidden temp name), but not the files the bridge claimed: those are gone
// from the inbox, and listing them made clients believe an rm worked.
func (s *session) readDir(n node) (listerAt, error) {
	entries, err := os.ReadDir(n.dir)
	if err != nil {
		s.srv.log.Error("list folder", s.attrs(n.vpath, "err", err.Error())...)
		return nil, errUnavailable
	}
	seen := make(map[string]bool, len(entries))
	var out listerAt
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || isHiddenTemp(name) || (n.kind == kindOutboxDir && isOutboxHidden(name)) {
			continue
		}
		if n.kind == kindOutboxDir {
			if ok, _ := s.outboxVisible(node{kind: kindOutboxFile, vpath: path.Join(n.vpath, name), folder: n.folder, dir: n.dir, name: name}); !ok {
				continue
			}
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		seen[name] = true
		out = append(out, regularInfo(name, fi.Size(), fi.ModTime()))
	}
	if n.kind != kindInboxDir {
		return out, nil
	}
	s.mu.Lock()
	for _, u := range s.uploads {
		if u.node.route == n.route && !seen[u.node.name] {
			out = append(out, regularInfo(u.node.name, u.size(), s.srv.clock.Now()))
		}
	}
	s.mu.Unlock()
	return out, nil
}

// rename moves a file within one inbox folder. Renaming a client temp file
// to a normal name is how WinSCP and FileZilla finish an upload, so that
// is the hand-over; renaming a file the bridge already claimed fails,
// saying so.
func (s *session) rename(src, dst string) error {
	op := "rename"
	sn, err := s.resolve(src)
	if err != nil {
		return err
	}
	dn, err := s.resolve(dst)
	if err != nil {
		return s.refuse(op, src+" -> "+dst, errRenameScope)
	}
	switch {
	case sn.kind == kindOutboxFile:
		return s.refuse(op, sn.vpath+" -> "+dn.vpath, errReadOnly)
	case sn.kind != kindInboxFile || dn.kind != kindInboxFile || sn.route != dn.route:
		return s.refuse(op, sn.vpath+" -> "+dn.vpath, errRenameScope)
	case isHiddenTemp(sn.name) || isHiddenTemp(dn.name):
		return s.refuse(op, sn.vpath+" -> "+dn.vpath, errReservedName)
	case sn.name == dn.name:
		return nil
	case s.openUpload(sn.vpath) != nil:
		return s.refuse(op, sn.vpath, errStillOpen)
	}
	if !isClientTemp(sn.name) {
		if e, ok := s.srv.recent.get(recentKey{s.user.Name, sn.route, sn.name}); ok {
			return s.refuse(op, sn.vpath, claimedError(e))
		}
		return s.refuse(op, sn.vpath, errRenameSource)
	}
	root, err := s.openRoot(sn)
	if err != nil {
		return err
	}
	defer root.Close()
	fi, err := root.Lstat(sn.name)
	if err != nil {
		return fs.ErrNotExist
	}
	if !fi.Mode().IsRegular() {
		return s.refuse(op, sn.vpath, errNotFile)
	}
	if isClientTemp(dn.name) {
		if err := root.Rename(sn.name, dn.name); err != nil {
			return s.ioError(op, sn, err)
		}
		s.srv.log.Info("rename", s.attrs(sn.vpath, "target", dn.vpath)...)
		return nil
	}
	// The client closed the file before renaming it, but never asked for it
	// to be durable: sync once before it becomes the pipeline's.
	if err := syncFile(root, sn.name); err != nil {
		return s.ioError(op, sn, err)
	}
	sum, err := s.hashFile(sn.dir, sn.name)
	if err != nil {
		return s.ioError(op, sn, err)
	}
	return s.handOver(dn, sn.name, fi.Size(), sum)
}

func syncFile(root *os.Root, name string) error {
	f, err := root.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// remove deletes an outbox file or a client temp file in the inbox. Removing
// a file the bridge already claimed fails, saying so: pretending it worked
// told the ERP a payment file was withdrawn when it was being paid.
func (s *session) remove(p string) error {
	n, err := s.resolve(p)
	if err != nil {
		return err
	}
	switch n.kind {
	case kindOutboxFile:
		if isOutboxHidden(n.name) {
			return fs.ErrNotExist
		}
		if ok, why := s.outboxVisible(n); !ok {
			// Audited like any refusal, but answered as if the file were
			// not there: another route's file names are not the user's.
			s.srv.log.Warn("operation refused", s.attrs(n.vpath, "op", "remove", "reason", why)...)
			return fs.ErrNotExist
		}
	case kindInboxFile:
		if e, ok := s.srv.recent.get(recentKey{s.user.Name, n.route, n.name}); ok {
			return s.refuse("remove", n.vpath, claimedError(e))
		}
		if isHiddenTemp(n.name) {
			return fs.ErrNotExist
		}
		if s.openUpload(n.vpath) != nil {
			return s.refuse("remove", n.vpath, errStillOpen)
		}
	default:
		return s.refuse("remove", n.vpath, errNoDirs)
	}
	root, err := s.openRoot(n)
	if err != nil {
		return err
	}
	defer root.Close()
	fi, err := root.Lstat(n.name)
	if err != nil {
		return fs.ErrNotExist
	}
	if !fi.Mode().IsRegular() {
		return s.refuse("remove", n.vpath, errNotFile)
	}
	if n.kind == kindInboxFile && !isClientTemp(n.name) {
		return s.refuse("remove", n.vpath, errInboxNoDelete)
	}
	if err := root.Remove(n.name); err != nil {
		return s.ioError("remove", n, err)
	}
	s.srv.log.Info("delete", s.attrs(n.vpath, "size", fi.Size())...)
	return nil
}
