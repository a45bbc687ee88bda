//go:build windows

package inbound

import (
	"errors"

	"golang.org/x/sys/windows"
)

// WriterOpen reports whether another process still has the file at path
// open for writing, so that a writer pausing longer than settle is not
// taken for one that finished: an open that does not share write access
// fails with a sharing violation while any writer holds the file; err is
// then that violation, for the log.
func WriterOpen(path string) (open, supported bool, err error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return false, true, err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil,
		windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
		return true, true, err // the system's words go into the log
	}
	if err != nil {
		return false, true, err
	}
	_ = windows.CloseHandle(h)
	return false, true, nil
}

// LeasesForOthers is true on Windows: the sharing check works on any
// file the bridge may read.
func LeasesForOthers() bool { return true }
