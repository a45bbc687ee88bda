package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/alert"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/outbound"
	"github.com/atlarbridge/bridge/internal/retention"
	"github.com/atlarbridge/bridge/internal/sftpserver"
	"github.com/atlarbridge/bridge/internal/state"
)

// journalSource feeds the metrics' scrape-time gauges from the journal.
type journalSource struct{ store *state.Store }

func (s journalSource) FileCounts() (map[string]map[string]int, error) {
	counts, err := s.store.Counts()
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]int, len(counts))
	for route, m := range counts {
		out[route] = map[string]int{}
		for st, n := range m {
			out[route][string(st)] = n
		}
	}
	return out, nil
}

func (s journalSource) OldestInFlight() (time.Time, bool, error) {
	f, err := oldestInFlight(s.store)
	if err != nil || f == nil {
		return time.Time{}, false, err
	}
	return f.ReceivedAt, true, nil
}

// inFlight are the states of a file not yet accepted by Atlar.
var inFlight = []state.State{state.Received, state.Validated, state.Submitting}

func oldestInFlight(s interface {
	List(state.Filter) ([]*state.File, error)
}) (*state.File, error) {
	files, err := s.List(state.Filter{States: inFlight, HeadersOnly: true})
	if err != nil {
		return nil, err
	}
	var oldest *state.File
	for _, f := range files {
		if oldest == nil || f.ReceivedAt.Before(oldest.ReceivedAt) {
			oldest = f
		}
	}
	return oldest, nil
}

// statementGaps lists the accounts whose last statement is older than gap.
func statementGaps(s interface {
	MetaPrefix(string) (map[string]string, error)
}, gap time.Duration, now time.Time) (map[string]time.Duration, error) {
	last, err := s.MetaPrefix(outbound.MetaStatementAccount)
	if err != nil {
		return nil, err
	}
	ages := map[string]time.Duration{}
	for acct, v := range last {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			continue
		}
		ages[acct] = now.Sub(t)
	}
	return ages, nil
}

// watchdog raises the alerts an operator sees without a monitoring stack:
// an error log line (once per file or account and episode), a status
// warning and a metric.
func (a *app) watchdog(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	reported := map[string]bool{}
	for {
		a.checkAlerts(reported, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *app) checkAlerts(reported map[string]bool, now time.Time) {
	cfg := a.config()
	stuckAfter, gap := cfg.Alerts.StuckAfter.Duration, cfg.Alerts.StatementGap.Duration
	stillStuck := map[string]bool{}
	a.checkDisk()
	a.checkJournalSize()
	// One-off file alerts keep their key a day (repeat suppression), not
	// for the life of the process.
	for _, p := range []string{alert.FileRejected + "/", alert.FileFailed + "/", "payments/"} {
		a.alerts.Expire(p, now.Add(-24*time.Hour))
	}
	if files, err := a.store.List(state.Filter{States: inFlight, HeadersOnly: true}); err == nil && stuckAfter > 0 {
		stuck := 0
		for _, f := range files {
			if now.Sub(f.ReceivedAt) <= stuckAfter {
				continue
			}
			stuck++
			stillStuck["stuck/"+f.ID] = true
			if !reported["file/"+f.ID] {
				reported["file/"+f.ID] = true
				a.log.Error("file stuck in processing", "file_id", f.ID, "route", f.Route, "name", f.Name,
					"state", string(f.State), "since", f.ReceivedAt.Format(time.RFC3339), "stuck_after", stuckAfter.String())
			}
			a.alerts.Raise("stuck/"+f.ID, alert.Event{Kind: alert.FileStuck, Severity: alert.Warning, FileID: f.ID, Route: f.Route, Name: f.Name,
				Message: fmt.Sprintf("file %s (route %s) is still %s since %s (alerts.stuck_after %s)", f.Name, f.Route, f.State, f.ReceivedAt.Format(time.RFC3339), stuckAfter)})
		}
		a.metrics.SetStuck(stuck)
		for _, key := range a.alerts.Active("stuck/") {
			if !stillStuck[key] {
				a.alerts.Resolve(key, "the file moved on")
			}
		}
	}
	a.reportAges(now)
	if ages, err := statementGaps(a.store, gap, now); err == nil && gap > 0 {
		for acct, age := range ages {
			a.metrics.SetStatementAge(acct, age)
			key := "statement/" + acct
			if age > gap && !reported[key] {
				reported[key] = true
				a.log.Error("no statement for account", "account", acct, "last", now.Add(-age).Format(time.RFC3339), "statement_gap", gap.String())
			} else if age <= gap {
				delete(reported, key)
			}
			if age > gap {
				a.alerts.Raise(key, alert.Event{Kind: alert.StatementGap, Severity: alert.Warning,
					Message: fmt.Sprintf("no statement for account %s since %s (alerts.statement_gap %s)", acct, now.Add(-age).Format(time.RFC3339), gap)})
			} else {
				a.alerts.Resolve(key, fmt.Sprintf("a statement for account %s arrived", acct))
			}
		}
	}
}

// housekeeping applies outbox.retention and archive.retention once at
// start and then hourly.
func (a *app) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		a.prune(time.Now())
		a.pruneJournal(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *app) prune(now time.Time) {
	cfg := a.config()
	sweep := func(what string, n int, err error) {
		if err != nil {
			a.log.Warn("retention", "what", what, "err", err)
		}
		if n > 0 {
			a.log.Info("retention removed old files", "what", what, "count", n)
		}
	}
	if r := cfg.Outbox.Retention.Duration; r > 0 {
		for _, dir := range []string{a.lay.Results(), a.lay.Statements()} {
			n, err := retention.SweepFiles(dir, now.Add(-r))
			sweep(dir, n, err)
		}
	}
	if r := cfg.Archive.Retention.Duration; r > 0 {
		for _, dir := range []string{layout.ArchiveDir, layout.FailedDir} {
			n, err := retention.SweepDays(filepath.Join(a.lay.Root, dir), now.Add(-r))
			sweep(dir, n, err)
		}
	}
	if age := cfg.SFTP.ClientTempMaxAge.Duration; a.sftp != nil && age > 0 {
		// Client temp files (*.part, ~*, dot-files) an SFTP client left
		// behind are never taken by the pipeline; each is named in the log.
		removed, err := sftpserver.CleanClientTemps(inboxDirs(a.lay, cfg), now.Add(-age))
		for _, t := range removed {
			a.log.Info("removed stale client temp file", "path", t.Path, "size", t.Size, "modified", t.ModTime)
		}
		sweep("client temp files", len(removed), err)
	}
}

// inboxDirs lists every route's inbox folder.
func inboxDirs(lay layout.Layout, cfg *config.Config) []string {
	var dirs []string
	for _, r := range cfg.RouteNames() {
		dirs = append(dirs, lay.Inbox(r))
	}
	return dirs
}

// reloadMu serialises reloads (SIGHUP and the control endpoint).
var reloadMu sync.Mutex

// reload re-reads the config file and applies users, keys, routes and
// credentials without a restart. A config that does not validate is
// refused and the running one stays.
func (a *app) reload() error {
	reloadMu.Lock()
	defer reloadMu.Unlock()
	old := a.config()
	if old.File == "" {
		return fmt.Errorf("reload: this bridge was not started from a config file")
	}
	cfg, err := config.Load(old.File)
	if err != nil {
		a.log.Error("reload refused: the new config is invalid; the running config stays", "err", err)
		return fmt.Errorf("reload refused: %w", err)
	}
	if cfg.Storage.Root != old.Storage.Root || cfg.SFTP.Listen != old.SFTP.Listen ||
		cfg.SFTP.Enabled != old.SFTP.Enabled || cfg.HTTP.Listen != old.HTTP.Listen {
		a.log.Warn("reload: storage.root, sftp.enabled, sftp.listen and http.listen take effect at the next restart")
	}
	ins, outs, err := buildRoutes(cfg)
	if err != nil {
		return fmt.Errorf("reload refused: %w", err)
	}
	var users []sftpserver.User
	if a.sftp != nil {
		if users, err = sftpUsers(cfg); err != nil {
			return fmt.Errorf("reload refused: %w", err)
		}
	}
	if err := a.lay.Ensure(cfg.RouteNames()); err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	if err := a.in.SetRoutes(ins); err != nil {
		return fmt.Errorf("reload refused: %w", err)
	}
	a.out.SetRoutes(outs)
	if err := a.watcher.SetDirs(watchDirs(a.lay, cfg)); err != nil {
		a.log.Error("reload: watch folders", "err", err)
	}
	if a.sftp != nil {
		a.sftp.SetUsers(users)
	}
	a.api.SetCredentials(cfg.Atlar.AccessKey, cfg.Secret)
	a.cfgMu.Lock()
	a.cfg = cfg
	a.cfgMu.Unlock()
	a.log.Info("config reloaded", "file", cfg.File, "routes", len(ins), "sftp_users", len(cfg.SFTP.Users))
	return nil
}

// config returns the config in force.
func (a *app) config() *config.Config {
	a.cfgMu.Lock()
	defer a.cfgMu.Unlock()
	return a.cfg
}
