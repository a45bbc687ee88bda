package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/atlarbridge/bridge/internal/layout"
)

// journalHistory says which folders show that files went through this
// bridge before ("" when none do): a missing or empty journal is then a
// lost one, and starting afresh would deliver and pay again what it
// remembered (issue 12).
func journalHistory(lay layout.Layout) string {
	var found []string
	for _, rel := range []string{layout.ArchiveDir, layout.FailedDir,
		filepath.Join(layout.OutboxDir, "statements"), filepath.Join(layout.OutboxDir, "results")} {
		entries, err := os.ReadDir(filepath.Join(lay.Root, rel))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				found = append(found, filepath.ToSlash(rel)+"/")
				break
			}
		}
	}
	if len(found) == 0 {
		return ""
	}
	return strings.Join(found, ", ") + " hold files from earlier runs"
}
