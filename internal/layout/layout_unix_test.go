//go:build unix

package layout

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// The folders a folder-based ERP (another user, in the bridge's group)
// uses are group-writable (inbox, setgid) and group-readable (outbox,
// failed) whatever the umask; state/ stays private; an existing folder
// keeps the mode the operator gave it.
func TestEnsure_FolderModes(t *testing.T) {
	old := syscall.Umask(0o077) // the strictest umask a service may run with
	t.Cleanup(func() { syscall.Umask(old) })

	root := filepath.Join(t.TempDir(), "data")
	custom := filepath.Join(root, InboxDir, "custom")
	require.NoError(t, os.MkdirAll(custom, 0o700))
	l := Layout{Root: root}
	require.NoError(t, l.Ensure([]string{"payables", "custom"}))

	tests := []struct {
		rel  string
		want fs.FileMode
	}{
		{".", 0o700}, // existed (made above): kept
		{"inbox", 0o700},
		{"inbox/payables", 0o770 | fs.ModeSetgid},
		{"inbox/custom", 0o700},
		{"outbox", 0o750 | fs.ModeSetgid},
		{"outbox/results", 0o750 | fs.ModeSetgid},
		{"outbox/statements", 0o750 | fs.ModeSetgid},
		{"failed", 0o750 | fs.ModeSetgid},
		{"archive", 0o750},
		{"processing/payables", 0o750},
		{"state", 0o700},
	}
	for _, tt := range tests {
		fi, err := os.Stat(filepath.Join(root, tt.rel))
		require.NoError(t, err, tt.rel)
		require.Equal(t, (tt.want | fs.ModeDir).String(), fi.Mode().String(), tt.rel)
	}

	// A fresh root: every folder gets its mode.
	root2 := filepath.Join(t.TempDir(), "data")
	require.NoError(t, Layout{Root: root2}.Ensure([]string{"payables"}))
	for rel, want := range map[string]fs.FileMode{
		".": 0o750, "inbox": 0o770 | fs.ModeSetgid, "inbox/payables": 0o770 | fs.ModeSetgid, "state": 0o700,
	} {
		fi, err := os.Stat(filepath.Join(root2, rel))
		require.NoError(t, err, rel)
		require.Equal(t, (want | fs.ModeDir).String(), fi.Mode().String(), rel)
	}
}

// A file where a folder belongs is an error, not a folder taken as made.
func TestEnsure_FileInAFoldersPlace(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, ArchiveDir), []byte("not a folder\n"), 0o644))
	err := Layout{Root: root}.Ensure([]string{"payables"})
	require.ErrorContains(t, err, "archive: not a directory")
}
