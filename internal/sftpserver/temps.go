package sftpserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CleanStaleTemps removes this server's hidden temp uploads from dirs:
// uploads cut off by a crash, which no client will finish. Call it at start
// (after inbound recovery), never while a server serves these folders.
// Missing folders are skipped; client temp files are left for resuming.
func CleanStaleTemps(dirs []string) error {
	var errs []error
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("clean temps: %w", err))
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !isHiddenTemp(e.Name()) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("clean temps: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}
