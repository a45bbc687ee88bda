// Package layout names the folders under storage.root (SPEC §2), so every
// component agrees on where a file is at each step of its journey.
package layout

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"
)

// Layout is the folder tree under one storage root.
type Layout struct {
	Root string
}

// Folder names relative to the root.
const (
	InboxDir      = "inbox"
	ProcessingDir = "processing"
	ArchiveDir    = "archive"
	FailedDir     = "failed"
	OutboxDir     = "outbox"
	StateDir      = "state"
)

// Inbox is where the ERP drops files for a route.
func (l Layout) Inbox(route string) string { return filepath.Join(l.Root, InboxDir, route) }

// Processing holds claimed files of a route while they are in flight.
func (l Layout) Processing(route string) string {
	return filepath.Join(l.Root, ProcessingDir, route)
}

// Statements is the outbox folder for camt.053 files.
func (l Layout) Statements() string { return filepath.Join(l.Root, OutboxDir, "statements") }

// Results is the outbox folder for acks and results.
func (l Layout) Results() string { return filepath.Join(l.Root, OutboxDir, "results") }

// StateFile is the bbolt journal.
func (l Layout) StateFile() string { return filepath.Join(l.Root, StateDir, "bridge.db") }

// ControlSocket is the local control endpoint of a running bridge.
func (l Layout) ControlSocket() string { return filepath.Join(l.Root, StateDir, "control.sock") }

// Abs turns a slash-separated path relative to the root into an OS path.
func (l Layout) Abs(rel string) string { return filepath.Join(l.Root, filepath.FromSlash(rel)) }

// Rel turns an OS path under the root into the slash-separated relative
// form the journal stores.
func (l Layout) Rel(abs string) (string, error) {
	r, err := filepath.Rel(l.Root, abs)
	if err != nil {
		return "", err
	}
	if r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is outside storage root %s", abs, l.Root)
	}
	return filepath.ToSlash(r), nil
}

// MaxNameBytes bounds every name the bridge makes on disk from an ERP's
// file name. File systems allow 255 bytes per name; a name must leave room
// for what is added to it later (".error.txt", an atomic write's
// ".<random>.tmp"), so an ERP name of 255 bytes still fits.
const MaxNameBytes = 200

// FitName shortens name to at most room bytes: it keeps the extension and
// whole UTF-8 characters, and marks the cut with "~". Names that fit are
// returned unchanged. The journal always keeps the full name.
func FitName(name string, room int) string {
	if len(name) <= room {
		return name
	}
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		stem, ext = name[:i], name[i:]
	}
	keep := max(room-len(ext)-1, 1)
	for keep > 0 && keep < len(stem) && !utf8.RuneStart(stem[keep]) {
		keep--
	}
	return stem[:min(keep, len(stem))] + "~" + ext
}

// ProcessingName is a claimed file's name in processing/: the file id keeps
// two drops of the same name apart.
func ProcessingName(id, name string) string {
	return id + "_" + FitName(name, MaxNameBytes-len(id)-1)
}

// FinalName is an original's name in archive/ and failed/:
// <UTC stamp>_<file id>_<name>.
func FinalName(received time.Time, id, name string) string {
	prefix := received.UTC().Format("20060102T150405Z") + "_" + id + "_"
	return prefix + FitName(name, MaxNameBytes-len(prefix))
}

// Day is the archive/failed sub-folder for a time.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// ProcessingRel, ArchiveRel and FailedRel are the journal's relative paths of
// a file at each resting place.
func ProcessingRel(route, id, name string) string {
	return ProcessingDir + "/" + route + "/" + ProcessingName(id, name)
}

// ArchiveRel is where a submitted original rests.
func ArchiveRel(received time.Time, id, name string) string {
	return ArchiveDir + "/" + Day(received) + "/" + FinalName(received, id, name)
}

// FailedRel is where a rejected original rests.
func FailedRel(received time.Time, id, name string) string {
	return FailedDir + "/" + Day(received) + "/" + FinalName(received, id, name)
}

// Folder modes under the storage root (Unix). A folder-based ERP runs as
// another user in the bridge's group (packaged: atlar-bridge): it drops
// into inbox/ (group-writable; setgid so every drop belongs to the group)
// and reads outbox/ and failed/ (group-readable); the journal and host
// keys stay the bridge's alone.
const (
	ModeInbox   fs.FileMode = 0o770 | fs.ModeSetgid
	ModeOutbox  fs.FileMode = 0o750 | fs.ModeSetgid
	ModePrivate fs.FileMode = 0o700
	modeOther   fs.FileMode = 0o750
)

// Ensure creates the folder tree for the given routes. A folder it creates
// gets its mode whatever the umask; an existing folder keeps the mode the
// operator gave it, except state/, which is always private.
func (l Layout) Ensure(routes []string) error {
	type dirMode struct {
		path string
		mode fs.FileMode
	}
	dirs := []dirMode{
		{l.Root, modeOther},
		{filepath.Join(l.Root, ArchiveDir), modeOther}, {filepath.Join(l.Root, FailedDir), ModeOutbox},
		{filepath.Join(l.Root, OutboxDir), ModeOutbox}, {l.Statements(), ModeOutbox}, {l.Results(), ModeOutbox},
		{filepath.Join(l.Root, StateDir), ModePrivate}, {filepath.Join(l.Root, InboxDir), ModeInbox},
		{filepath.Join(l.Root, ProcessingDir), modeOther},
	}
	for _, r := range routes {
		dirs = append(dirs, dirMode{l.Inbox(r), ModeInbox}, dirMode{l.Processing(r), modeOther})
	}
	for _, d := range dirs {
		if err := mkdirMode(d.path, d.mode); err != nil {
			return fmt.Errorf("create folder: %w", err)
		}
	}
	return os.Chmod(filepath.Join(l.Root, StateDir), 0o700)
}

// mkdirMode creates dir (and missing parents) and, when it created dir,
// sets mode exactly: mkdir applies the umask and ignores setgid.
func mkdirMode(dir string, mode fs.FileMode) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	// Anything else (missing, or a file in the folder's place, which
	// MkdirAll reports as "not a directory") goes through MkdirAll.
	if err := os.MkdirAll(dir, mode.Perm()); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil // ACLs decide there (INSTALL.txt)
	}
	return os.Chmod(dir, mode)
}
