//go:build !windows

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"runtime"
	"strconv"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/kardianos/service"
)

const isLinux = runtime.GOOS == "linux"

// adminHint is the usual cause of a service manager error.
const adminHint = "managing services needs root: run it with sudo"

// setServiceRecovery has nothing to do here: the systemd unit restarts
// the bridge on failure (Restart=on-failure).
func setServiceRecovery(string) error { return nil }

// checkServicePaths checks what only a Windows service trips over; Unix
// has nothing of the kind.
func checkServicePaths(*config.Config) error { return nil }

// packagedUnitPaths are where the .deb and .rpm install the unit.
var packagedUnitPaths = []string{
	"/usr/lib/systemd/system/atlar-bridge.service",
	"/lib/systemd/system/atlar-bridge.service",
}

// installedPackageUnit returns the unit file the package installed, or
// "" when the bridge was not installed from a package. install and
// uninstall leave such a service to the package manager.
func installedPackageUnit() string {
	for _, p := range packagedUnitPaths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// serviceNotInstalled reports whether the init system kardianos falls
// back to when it finds no other (System V scripts) has no script for the
// bridge: its status command then fails without saying why.
var serviceNotInstalled = func() bool {
	if service.Platform() != "unix-systemv" {
		return false
	}
	_, err := os.Stat("/etc/init.d/" + serviceName)
	return errors.Is(err, fs.ErrNotExist)
}

// prepareServiceUser checks that the service account exists and gives it
// the storage root when install creates that folder (an existing folder
// keeps its owner).
func prepareServiceUser(name string, cfg *config.Config) error {
	if name == "" {
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return usageErr("install: --user %s: %v (create a system user first, e.g. "+
			"useradd --system --user-group --home-dir %s --shell /usr/sbin/nologin %s)", name, err, cfg.Storage.Root, name)
	}
	root := cfg.Storage.Root
	if _, err := os.Stat(root); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return fmt.Errorf("install: create storage root: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(root, uid, gid); err != nil {
		return fmt.Errorf("install: give %s to %s: %w", root, name, err)
	}
	return nil
}

// serviceLogger logs to stderr, which systemd's journal captures: JSON by
// default (log.format "auto"), so journalctl -o json keeps the fields.
func serviceLogger(_ service.Service, c config.Log, stderr io.Writer) *slog.Logger {
	return newLogger(c, stderr)
}
