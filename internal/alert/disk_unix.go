//go:build !windows

package alert

import "golang.org/x/sys/unix"

// FreeBytes is the space available to this (unprivileged) process on the
// volume holding path.
func FreeBytes(path string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
