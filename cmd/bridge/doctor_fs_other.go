//go:build !linux

package main

import (
	"path/filepath"
	"strings"
)

// networkFS names a network location ("" when local or unknown): off
// Linux only UNC paths (\\server\share) are recognised.
func networkFS(path string) string {
	if p := filepath.ToSlash(path); strings.HasPrefix(p, "//") {
		return "a network share (UNC path)"
	}
	return ""
}
