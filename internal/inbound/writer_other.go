//go:build !linux && !windows

package inbound

import "errors"

// WriterOpen cannot tell on this system whether another process has the
// file open: drops are judged by settle alone (done_marker is the safe
// choice).
func WriterOpen(path string) (open, supported bool, err error) {
	return false, false, errors.New("no write leases on this system")
}

// LeasesForOthers is false: there is no check at all on this system.
func LeasesForOthers() bool { return false }
