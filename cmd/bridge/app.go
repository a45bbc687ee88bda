package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/alert"
	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/metrics"
	"github.com/atlarbridge/bridge/internal/outbound"
	"github.com/atlarbridge/bridge/internal/sftpserver"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/atlarbridge/bridge/internal/watch"
	"github.com/jonboulle/clockwork"
)

// appOptions are what tests may inject into a bridge.
type appOptions struct {
	Logger *slog.Logger
	Clock  clockwork.Clock
	// HTTPClient talks to Atlar (tests point it at the fake).
	HTTPClient *http.Client
	// BeforeWrite and AfterCommit are the journal's crash-injection hooks
	// (tests).
	BeforeWrite func(op string) error
	AfterCommit func(op string, f *state.File) error
	// NewJournal allows starting a new journal although archive/, failed/
	// or the outbox show earlier files (bridge run --new-journal).
	NewJournal bool
}

// app is one running bridge: every component, started in order and closed
// in reverse.
type app struct {
	cfgMu   sync.Mutex // guards cfg, which reload replaces
	cfg     *config.Config
	metrics *metrics.Metrics
	alerts  *alert.Notifier
	log     *slog.Logger
	lay     layout.Layout
	store   *state.Store
	api     *atlar.Client
	in      *inbound.Pipeline
	out     *outbound.Outbound
	watcher *watch.Watcher
	sftp    *sftpserver.Server
	control *controlServer
	closers []func(context.Context) error
}

// startApp starts a bridge from a validated config. A failed start closes
// what already started.
func startApp(ctx context.Context, cfg *config.Config, o appOptions) (_ *app, err error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	// a is not the named result: the closers below refer to a, and a
	// failed return (which sets the result to nil) must still let the
	// clean-up close what did start.
	a := &app{cfg: cfg, log: o.Logger, lay: layout.Layout{Root: cfg.Storage.Root}}
	defer func() {
		if err != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if cerr := a.Close(cctx); cerr != nil {
				a.log.Warn("closing a bridge that failed to start", "err", cerr)
			}
		}
	}()
	inRoutes, outRoutes, err := buildRoutes(cfg)
	if err != nil {
		return nil, configErr(err)
	}
	if err := a.lay.Ensure(cfg.RouteNames()); err != nil {
		return nil, err
	}
	history := journalHistory(a.lay)
	if o.NewJournal {
		history = ""
	}
	a.store, err = state.Open(a.lay.StateFile(), state.Options{Clock: o.Clock, BeforeWrite: o.BeforeWrite, AfterCommit: o.AfterCommit,
		History: history})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.store.Close)
	a.metrics = metrics.New(journalSource{a.store})
	a.alerts = newNotifier(cfg, a.log, o.Clock, a.metrics)
	a.alerts.Start()
	a.closers = append(a.closers, a.alerts.Close)

	a.api, err = atlar.New(atlar.Config{
		BaseURL: cfg.Atlar.BaseURL, AccessKey: cfg.Atlar.AccessKey, Secret: cfg.Secret, Auth: cfg.Atlar.Auth,
		HTTPClient: o.HTTPClient, Timeout: cfg.Atlar.Timeout.Duration, MaxRetries: cfg.Atlar.MaxRetries,
		Clock: o.Clock, Logger: a.log.With("component", "atlar"), UserAgent: "atlar-bridge/" + version,
		Observe: a.observeAtlar,
	})
	if err != nil {
		return nil, configErr(err)
	}

	a.in, err = inbound.New(inbound.Options{
		Journal: a.store, API: a.api, Layout: a.lay, Routes: inRoutes, Clock: o.Clock,
		Logger: a.log.With("component", "inbound"), Workers: cfg.Inbound.Workers,
		PollInterval: cfg.Results.PollInterval.Duration, MaxPoll: cfg.Results.MaxPoll.Duration,
		MaxWait: cfg.Results.MaxWait.Duration, AccountsTTL: cfg.Atlar.AccountsRefresh.Duration,
		ParseBudget: int64(cfg.Inbound.ParseBudget),
		OnSubmitted: func(f *state.File) { a.metrics.Submitted(f.Route, f.SubmittedAt.Sub(f.ReceivedAt)) },
		Command:     cmdName(),
		OnFinal: func(f *state.File) {
			for _, p := range f.Payments {
				a.metrics.Payment(f.Route, p.Status)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	a.out, err = outbound.New(outbound.Options{
		Journal: a.store, API: a.api, Layout: a.lay, Routes: outRoutes, Clock: o.Clock,
		Logger: a.log.With("component", "outbound"), OnDelivered: a.metrics.Delivered,
		Statements: outbound.Statements{
			Enabled: cfg.Statements.Enabled, Format: cfg.Statements.Format,
			ExternalIDAsEndToEndID: cfg.Statements.ExternalIDAsEndToEndID,
			PollInterval:           cfg.Statements.PollInterval.Duration, Backfill: cfg.Statements.Backfill.Duration,
			Connections: cfg.Statements.Connections,
		},
		Reports: outboundReports(cfg), OnReportHeld: a.reportHeld, OnReportReleased: a.reportReleased,
	})
	if err != nil {
		return nil, err
	}
	// The journal decides: resume every file and delivery before anything
	// new comes in.
	if err := a.in.Recover(); err != nil {
		return nil, err
	}
	if err := a.out.Recover(); err != nil {
		return nil, err
	}
	if err := a.in.Start(ctx); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.in.Close)
	if err := a.out.Start(ctx); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.out.Close)

	if cfg.SFTP.Enabled {
		if err := a.startSFTP(ctx, o.Clock); err != nil {
			return nil, err
		}
	}
	a.watcher = watch.New(watchDirs(a.lay, cfg), a.onDrop, watch.Options{
		Settle: cfg.Watch.Settle.Duration, Rescan: cfg.Watch.Rescan.Duration, Clock: o.Clock,
		Logger: a.log.With("component", "watch"),
		// Claims side by side share journal commits: a backlog of
		// thousands of files is taken several times faster.
		Handlers: claimHandlers,
	})
	if err := a.watcher.Start(ctx); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.watcher.Close)

	bg, stopBG := context.WithCancel(ctx)
	var bgWG sync.WaitGroup
	for _, loop := range []func(context.Context){a.watchdog, a.housekeeping, a.alertFiles} {
		bgWG.Add(1)
		go func() { defer bgWG.Done(); loop(bg) }()
	}
	a.closers = append(a.closers, func(context.Context) error { stopBG(); bgWG.Wait(); return nil })

	a.control, err = startControl(ctx, a)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.control.Close)
	if cfg.HTTP.Listen != "" {
		closeHTTP, err := startHTTP(a, cfg.HTTP.Listen)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, closeHTTP)
	}
	a.log.Info("bridge started", "version", version, "root", cfg.Storage.Root, "routes", len(inRoutes),
		"sftp", cfg.SFTP.Enabled, "statements", cfg.Statements.Enabled)
	return a, nil
}

func (a *app) startSFTP(ctx context.Context, clock clockwork.Clock) error {
	users, err := sftpUsers(a.cfg)
	if err != nil {
		return configErr(err)
	}
	s := a.cfg.SFTP
	startups, err := sftpserver.ParseMaxStartups(s.MaxStartups)
	if err != nil {
		return configErr(err)
	}
	a.sftp, err = sftpserver.New(sftpserver.Config{
		Listen: s.Listen, HostKeyDir: s.HostKeyDir, Users: users,
		InboxDir: a.lay.Inbox, StatementsDir: a.lay.Statements(), ResultsDir: a.lay.Results(),
		MaxSessions: s.MaxSessions, MaxSessionsPerUser: s.MaxSessionsPerUser, MaxAuthTries: s.MaxAuthTries,
		BanAfter: s.BanAfter, IdleTimeout: s.IdleTimeout.Duration, LoginDelay: s.LoginDelay.Duration,
		BanWindow: s.BanWindow.Duration, BanFor: s.BanFor.Duration, LegacyAlgorithms: s.LegacyAlgorithms,
		LoginGraceTime: s.LoginGraceTime.Duration, MaxStartups: startups, MaxStartupsPerAddress: s.MaxStartupsPerAddress,
		Clock: clock, Logger: a.log.With("component", "sftp"),
		OnSession: a.metrics.SFTPSession, OnAuthFailure: a.metrics.SFTPAuthFailure,
		OutboxDir: filepath.Join(a.lay.Root, layout.OutboxDir), Results: resultOwners{a.lay, a.store}, MaxFileSize: a.routeMaxFileSize,
	}, sftpReceiver{a.in})
	if err != nil {
		return err
	}
	var dirs []string
	for _, r := range a.cfg.RouteNames() {
		dirs = append(dirs, a.lay.Inbox(r))
	}
	// After inbound recovery: temp uploads the journal took are gone by now.
	if err := sftpserver.CleanStaleTemps(dirs); err != nil {
		a.log.Warn("could not clean stale SFTP uploads", "err", err)
	}
	if err := a.sftp.Start(ctx); err != nil {
		// Name the key to change (a port in use, a bad address).
		return fmt.Errorf("sftp.listen %s: %w", s.Listen, err)
	}
	a.closers = append(a.closers, a.sftp.Close)
	a.log.Info("sftp listening", "addr", a.sftp.Addr().String())
	return nil
}

// claimHandlers is how many folder drops are claimed at once.
const claimHandlers = 8

// onDrop hands a complete folder drop to inbound.
func (a *app) onDrop(ctx context.Context, c watch.Candidate) error {
	_, err := a.in.Claim(ctx, inbound.Drop{Route: c.Route, Path: c.Path, Name: c.Name, Marker: c.Marker, Source: "folder"})
	return err
}

// sftpReceiver adapts inbound to the SFTP server's Receiver.
type sftpReceiver struct{ in *inbound.Pipeline }

func (r sftpReceiver) Receive(ctx context.Context, u sftpserver.Upload) (string, error) {
	// The server hashed the bytes as they arrived: the claim need not
	// read a large upload again before the client's close is answered.
	id, err := r.in.Receive(ctx, inbound.Drop{Route: u.Route, Path: u.Path, Name: u.Name, Source: "sftp:" + u.User, SHA256: u.SHA256})
	var rej *inbound.RejectedError
	if errors.As(err, &rej) {
		return id, &sftpserver.RejectError{Reason: rej.Reason}
	}
	return id, err
}

// resultOwners tells the SFTP server which route a result file belongs to,
// from the journal's record of what outbound delivered where.
type resultOwners struct {
	lay   layout.Layout
	store *state.Store
}

func (o resultOwners) ResultRoute(name string) (string, error) {
	rel, err := o.lay.Rel(filepath.Join(o.lay.Results(), name))
	if err != nil {
		return "", err
	}
	route, err := o.store.OutboxRoute(rel)
	if errors.Is(err, state.ErrNotFound) {
		return "", nil
	}
	return route, err
}

// routeMaxFileSize is a route's max_file_size as the running config has it
// (reload may change it), for the SFTP server's upload limit.
func (a *app) routeMaxFileSize(route string) int64 {
	r, ok := a.config().Route(route)
	switch {
	case !ok:
		return 0
	case r.MaxFileSize <= 0:
		return int64(config.DefaultMaxFileSize) // as inbound reads it
	}
	return int64(r.MaxFileSize)
}

// Close stops everything in reverse start order.
func (a *app) Close(ctx context.Context) error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	a.closers = nil
	return errors.Join(errs...)
}

func watchDirs(lay layout.Layout, cfg *config.Config) []watch.Dir {
	var dirs []watch.Dir
	for _, r := range cfg.Routes {
		dirs = append(dirs, watch.Dir{Route: r.Name, Path: lay.Inbox(r.Name), DoneMarker: r.DoneMarker})
	}
	return dirs
}

// buildRoutes turns config routes into what inbound and outbound need.
func buildRoutes(cfg *config.Config) ([]inbound.Route, []outbound.Route, error) {
	var ins []inbound.Route
	var outs []outbound.Route
	for i := range cfg.Routes {
		r := &cfg.Routes[i]
		in, err := inbound.RouteFromConfig(cfg, r)
		if err != nil {
			return nil, nil, err
		}
		ins = append(ins, in)
		outs = append(outs, outbound.Route{Name: r.Name, Format: in.Format, Results: r.Results,
			Pain002Version: r.Pain002Version, CSV: in.CSV, MaxFileSize: in.MaxFileSize,
			KeepFormulas: r.ResultCSVFormulas == config.FormulasKeep})
	}
	return ins, outs, nil
}

func sftpUsers(cfg *config.Config) ([]sftpserver.User, error) {
	var users []sftpserver.User
	for _, u := range cfg.SFTP.Users {
		keys, err := sftpserver.ParseAuthorizedKeys(u.AuthorizedKeys, u.AuthorizedKeysFile)
		if err != nil {
			return nil, fmt.Errorf("sftp.users %s: %w", u.Name, err)
		}
		su := sftpserver.User{Name: u.Name, Keys: keys, PasswordHash: u.PasswordHash, Routes: u.Routes,
			Reports: u.Reports, Accounts: u.Accounts, Quota: int64(u.Quota)}
		for _, c := range u.AllowFrom {
			pfx, err := parsePrefix(c)
			if err != nil {
				return nil, fmt.Errorf("sftp.users %s: allow_from: %w", u.Name, err)
			}
			su.AllowFrom = append(su.AllowFrom, pfx)
		}
		users = append(users, su)
	}
	return users, nil
}
