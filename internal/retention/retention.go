// Package retention removes old files the operator no longer needs:
// delivered outbox files the ERP never collected, and archived originals
// past archive.retention. The journal keeps every record.
package retention

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SweepFiles removes regular files directly in dir last modified before
// cutoff, skipping hidden (temp) files. It returns how many it removed.
func SweepFiles(dir string, cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("retention %s: %w", dir, err)
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// SweepDays removes the YYYY-MM-DD sub-folders of dir (archive/, failed/)
// for days before cutoff's day, with everything in them.
func SweepDays(dir string, cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("retention %s: %w", dir, err)
	}
	limit := cutoff.UTC().Format(time.DateOnly)
	n := 0
	var errs []error
	for _, e := range entries {
		day, err := time.Parse(time.DateOnly, e.Name())
		if !e.IsDir() || err != nil || day.Format(time.DateOnly) >= limit {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
