//go:build !windows

package main

import (
	"os"
	"syscall"
)

// ownedBySelf reports whether dir belongs to the bridge's user and no
// one else may write into it: then every file in it is the bridge user's.
func ownedBySelf(dir string) bool {
	st, err := os.Stat(dir)
	if err != nil {
		return false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	return ok && int(sys.Uid) == os.Geteuid() && st.Mode().Perm()&0o022 == 0
}
