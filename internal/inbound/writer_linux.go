//go:build linux

package inbound

import (
	"errors"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// WriterOpen reports whether another process still has the file at path
// open, so that a writer pausing longer than settle is not taken for one
// that finished. On Linux it asks for a write lease, which the kernel
// grants only while no other file descriptor of the file is open; the
// lease is given back at once (holding it would stall the ERP's next open).
//
// supported is false when the lease cannot be had at all: a file system
// without leases (EINVAL: NFS, SMB, FUSE), or a file the bridge neither
// owns nor holds CAP_LEASE for (EACCES: the ERP writes as another user).
// Such a drop can only be judged by settle; done_marker is the safe choice.
func WriterOpen(path string) (open, supported bool, err error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return false, true, err
	}
	defer unix.Close(fd)
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_WRLCK)
	switch {
	case err == nil:
		_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_UNLCK)
		return false, true, nil
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EBUSY):
		return true, true, nil
	default:
		return false, false, err
	}
}

// capLease is CAP_LEASE's bit in /proc/self/status CapEff.
const capLease = 28

// LeasesForOthers reports whether the bridge may lease files another user
// owns: as root, or with CAP_LEASE. Without it, drops the ERP writes as
// another user are judged by settle alone.
func LeasesForOthers() bool {
	if os.Geteuid() == 0 {
		return true
	}
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<capLease) != 0
		}
	}
	return false
}
