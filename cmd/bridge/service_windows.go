//go:build windows

package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/kardianos/service"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc/mgr"
)

const isLinux = false

// adminHint is the usual cause of a service manager error.
const adminHint = "managing services needs an elevated prompt: Run as administrator"

// serviceRecovery is what the SCM does when the bridge dies: restart it,
// a little later each time. kardianos/service sets a single action, so
// the second and later failures would leave the service down.
var serviceRecovery = []mgr.RecoveryAction{
	{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
	{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
	{Type: mgr.ServiceRestart, Delay: 2 * time.Minute},
}

// serviceRecoveryReset is how long without a failure before the SCM
// starts again from the first action.
const serviceRecoveryReset = 24 * time.Hour

// setServiceRecovery sets restart-on-failure on the installed service,
// also for "non-crash failures": the bridge stopping with an error (exit
// status not 0) counts as a failure too.
func setServiceRecovery(name string) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the service manager: %w", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(name)
	if err != nil {
		return fmt.Errorf("open service %s: %w", name, err)
	}
	defer s.Close()
	if err := s.SetRecoveryActions(serviceRecovery, uint32(serviceRecoveryReset/time.Second)); err != nil {
		return fmt.Errorf("recovery actions: %w", err)
	}
	if err := s.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return fmt.Errorf("recovery on non-crash failures: %w", err)
	}
	return nil
}

// checkServicePaths refuses, with a message that says what to do instead,
// folders a Windows service cannot use: see winPaths.check. Call it at
// install and at start-up.
func checkServicePaths(cfg *config.Config) error {
	account := "this account"
	if u, err := user.Current(); err == nil {
		account = u.Username
	}
	winDir, err := windows.GetWindowsDirectory()
	if err != nil {
		winDir = `C:\Windows`
	}
	return winPaths{
		systemDir: winDir,
		account:   account,
		driveType: func(root string) uint32 {
			p, err := windows.UTF16PtrFromString(root)
			if err != nil {
				return 0
			}
			return windows.GetDriveType(p)
		},
		probe: probeWritable,
	}.check(cfg)
}

// probeWritable creates dir if needed and a file in it, then removes the
// file.
func probeWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".atlar-bridge-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	_, werr := f.WriteString("probe")
	cerr := f.Close()
	rerr := os.Remove(name)
	for _, err := range []error{werr, cerr, rerr} {
		if err != nil {
			return err
		}
	}
	return nil
}

// serviceNotInstalled: the SCM says so itself (service.ErrNotInstalled).
var serviceNotInstalled = func() bool { return false }

// packagedUnitPaths are for Linux packages; Windows has none.
var packagedUnitPaths []string

// installedPackageUnit is for Linux packages; Windows has none.
func installedPackageUnit() string { return "" }

// prepareServiceUser has nothing to prepare on Windows: the account is
// passed to the SCM as is. Accounts that need no password work (NT
// AUTHORITY\LocalService, NT AUTHORITY\NetworkService, a gMSA such as
// DOMAIN\svc-bridge$); for a regular account, set it and its password in
// services.msc after install.
func prepareServiceUser(string, *config.Config) error { return nil }

// serviceLogger logs to the Windows Event Log (source atlar-bridge, which
// install registers), or to stderr if that cannot be opened.
func serviceLogger(s service.Service, c config.Log, stderr io.Writer) *slog.Logger {
	l, err := s.Logger(nil)
	if err != nil {
		return newLogger(c, stderr)
	}
	return slog.New(newEventLogHandler(l, serviceLogLevel(c)))
}
