// Package atomicfile writes files so that a reader never sees half of one:
// temp file in the same folder → write → fsync → close → rename → fsync the
// folder. The two halves are exposed separately so a caller can journal the
// intent between them.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// TempSuffix ends every temp file name, so start-up clean-up can find them.
const TempSuffix = ".tmp"

// TempName returns a hidden temp name beside final.
func TempName(final string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	dir, base := filepath.Split(final)
	return filepath.Join(dir, "."+base+"."+hex.EncodeToString(b[:])+TempSuffix)
}

// WriteTemp writes data to temp and syncs it to disk.
func WriteTemp(temp string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(temp)
		return fmt.Errorf("write %s: %w", temp, err)
	}
	return nil
}

// Commit renames temp to final and syncs the folder so the rename survives
// a power cut. A folder that cannot be synced after the rename is not an
// error: the file is in place, and only its durability is as good as the
// file system makes it.
func Commit(temp, final string) error {
	if err := os.Rename(temp, final); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	_ = SyncDir(filepath.Dir(final))
	return nil
}

// Write writes data to final atomically.
func Write(final string, data []byte, perm os.FileMode) error {
	temp := TempName(final)
	if err := WriteTemp(temp, data, perm); err != nil {
		return err
	}
	return Commit(temp, final)
}

// SyncDir fsyncs a folder so that a rename into it survives a power cut.
// On Windows, which cannot open a folder for sync and makes renames durable
// once they return, it only checks that the folder exists.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	if runtime.GOOS == "windows" {
		return d.Close()
	}
	serr := d.Sync()
	if err := errors.Join(serr, d.Close()); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// IsTemp reports whether a base name is one of our temp files.
func IsTemp(base string) bool {
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, TempSuffix)
}

// Exists reports whether path exists (any error other than not-exist
// counts as existing, so callers never overwrite on a transient error).
func Exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil || !errors.Is(err, os.ErrNotExist)
}
