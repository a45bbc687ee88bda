package main

import (
	"os"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/layout"
)

// leases checks, per route without a done marker, that the bridge can tell
// a writer that paused longer than settle from one that finished (issue
// 12): a write lease on Linux, an open without write sharing on Windows.
// Where neither works (a network share, or on Linux files the ERP writes
// as another user while the bridge lacks CAP_LEASE) only done_marker is
// safe.
func (d *doctor) leases(cfg *config.Config) {
	lay := layout.Layout{Root: cfg.Storage.Root}
	for _, r := range cfg.Routes {
		if r.DoneMarker != "" {
			d.ok("route %s: done_marker %q tells complete files", r.Name, r.DoneMarker)
			continue
		}
		dir := lay.Inbox(r.Name)
		probe, err := os.CreateTemp(dir, ".doctor-lease-*")
		if err != nil {
			continue // folders already reported it
		}
		_ = probe.Close()
		_, supported, err := inbound.WriterOpen(probe.Name())
		_ = os.Remove(probe.Name())
		switch {
		case !supported:
			d.warn("route %s: cannot tell whether a writer still has files in %s open (%v): a writer pausing longer than settle would be taken for finished; set done_marker on the route", r.Name, dir, err)
		case !inbound.LeasesForOthers() && !ownedBySelf(dir):
			d.warn("route %s: write leases work only on files the bridge's user owns; if the ERP writes into %s as another user, grant the bridge CAP_LEASE (systemd: AmbientCapabilities=CAP_LEASE) or set done_marker on the route", r.Name, dir)
		default:
			d.ok("route %s: a writer still holding a file in %s is told from a finished one", r.Name, dir)
		}
	}
}
