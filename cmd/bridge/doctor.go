package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/sftpserver"
	"github.com/atlarbridge/bridge/internal/state"
)

// doctor runs checks and prints one line per check.
type doctor struct {
	w      io.Writer
	failed int
}

func (d *doctor) ok(format string, a ...any) { fmt.Fprintf(d.w, "OK    "+format+"\n", a...) }
func (d *doctor) warn(format string, a ...any) {
	fmt.Fprintf(d.w, "WARN  "+format+"\n", a...)
}
func (d *doctor) fail(format string, a ...any) {
	d.failed++
	fmt.Fprintf(d.w, "FAIL  "+format+"\n", a...)
}

// cmdDoctor checks config, folders, the journal, the clock, Atlar
// credentials, connections and account ids. Exit 1 if anything failed.
func cmdDoctor(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("doctor")
	cfgPath := configFlag(fs)
	online := fs.Bool("online", false, "also check, with read-only calls, every Atlar permission the configured features need")
	if _, err := env.parse(fs, args); err != nil {
		return err
	}
	d := &doctor{w: env.stdout}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		d.fail("config %s: %v", *cfgPath, err)
		return &exitError{code: exitUsage}
	}
	d.ok("config %s is valid (%d routes)", cfg.File, len(cfg.Routes))
	d.folders(cfg)
	d.leases(cfg)
	d.journal(cfg)
	d.journalFS(cfg)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if d.placeholders(cfg) {
		d.atlar(ctx, cfg, *online)
	}
	if cfg.SFTP.Enabled {
		if keys, err := sftpserver.HostKeys(cfg.SFTP.HostKeyDir); err != nil {
			d.fail("sftp host keys in %s: %v", cfg.SFTP.HostKeyDir, err)
		} else {
			d.ok("sftp host keys in %s (%d)", cfg.SFTP.HostKeyDir, len(keys))
		}
		if _, err := sftpUsers(cfg); err != nil {
			d.fail("sftp users: %v", err)
		} else {
			d.ok("sftp users: %d", len(cfg.SFTP.Users))
		}
	}
	if d.failed > 0 {
		fmt.Fprintf(env.stdout, "\n%d check(s) failed.\n", d.failed)
		return &exitError{code: exitFailure}
	}
	fmt.Fprintln(env.stdout, "\nAll checks passed.")
	return nil
}

// folders checks every folder can be created and written.
func (d *doctor) folders(cfg *config.Config) {
	lay := layout.Layout{Root: cfg.Storage.Root}
	if err := lay.Ensure(cfg.RouteNames()); err != nil {
		d.fail("folders under %s: %v", cfg.Storage.Root, err)
		return
	}
	dirs := []string{lay.Results(), lay.Statements(), filepath.Join(lay.Root, layout.ArchiveDir),
		filepath.Join(lay.Root, layout.FailedDir), filepath.Join(lay.Root, layout.StateDir)}
	for _, r := range cfg.RouteNames() {
		dirs = append(dirs, lay.Inbox(r), lay.Processing(r))
	}
	bad := 0
	for _, dir := range dirs {
		f, err := os.CreateTemp(dir, ".doctor-*")
		if err != nil {
			d.fail("folder %s is not writable: %v", dir, err)
			bad++
			continue
		}
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	if bad == 0 {
		d.ok("folders under %s are writable (%d)", cfg.Storage.Root, len(dirs))
	}
}

func (d *doctor) journal(cfg *config.Config) {
	lay := layout.Layout{Root: cfg.Storage.Root}
	path := lay.StateFile()
	var (
		st  *state.Store
		err = os.ErrNotExist // an empty journal is as good as none
	)
	if fi, serr := os.Stat(path); serr != nil || fi.Size() > 0 {
		st, err = state.Open(path, state.Options{ReadOnly: true, Timeout: time.Second})
	}
	if err == nil {
		// Every page: bbolt's own check, safe on a damaged file.
		if verr := st.Verify(); verr != nil {
			_ = st.Close(context.Background())
			st, err = nil, verr
		}
	}
	switch {
	case errors.Is(err, state.ErrLocked):
		d.ok("journal %s is in use by the running bridge", path)
	case errors.Is(err, os.ErrNotExist) && journalHistory(lay) != "":
		d.fail("journal %s is missing or empty, but %s: restore state/bridge.db from a backup "+
			"(only if there is none: bridge run --new-journal)", path, journalHistory(lay))
	case errors.Is(err, os.ErrNotExist):
		d.ok("journal %s will be created at the first start", path)
	case err != nil:
		d.fail("journal %s: %v", path, err)
	default:
		problems, err := st.Check()
		_ = st.Close(context.Background())
		switch {
		case err != nil:
			d.fail("journal %s: %v", path, err)
		case len(problems) > 0:
			d.fail("journal %s is inconsistent: %v", path, problems)
		default:
			d.ok("journal %s is consistent", path)
		}
	}
}

// atlar checks the clock against Atlar's, the credentials, and that every
// connection and account the config names exists.
func (d *doctor) atlar(ctx context.Context, cfg *config.Config, online bool) {
	if req, err := http.NewRequestWithContext(ctx, http.MethodHead, cfg.Atlar.BaseURL, nil); err == nil {
		if resp, err := http.DefaultClient.Do(req); err != nil {
			d.fail("Atlar at %s is unreachable: %v", cfg.Atlar.BaseURL, err)
			return
		} else {
			_ = resp.Body.Close()
			if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				skew := time.Since(t).Round(time.Second)
				switch {
				case skew > 2*time.Minute || skew < -2*time.Minute:
					d.fail("clock is off by %s from Atlar's: fix NTP (dates and token expiry depend on it)", skew)
				case skew > 30*time.Second || skew < -30*time.Second:
					d.warn("clock is off by %s from Atlar's", skew)
				default:
					d.ok("clock agrees with Atlar's (skew %s)", skew)
				}
			}
		}
	}
	api, err := atlar.New(atlar.Config{BaseURL: cfg.Atlar.BaseURL, AccessKey: cfg.Atlar.AccessKey, Secret: cfg.Secret,
		Auth: cfg.Atlar.Auth, Timeout: 15 * time.Second, MaxRetries: 1})
	if err != nil {
		d.fail("Atlar client: %v", err)
		return
	}
	if err := api.Token(ctx); err != nil {
		d.fail("Atlar credentials (access key %s, %s): %v", cfg.Atlar.AccessKey, cfg.Atlar.Auth, err)
		return
	}
	d.ok("Atlar accepts the credentials (access key %s, %s)", cfg.Atlar.AccessKey, cfg.Atlar.Auth)
	if online {
		defer d.permissions(ctx, api, cfg)
	}
	conns, err := api.ListConnections(ctx)
	if err != nil {
		d.fail("list connections: %v", err)
	} else {
		ids := make([]string, len(conns))
		for i, c := range conns {
			ids[i] = c.ID
		}
		d.ok("%d connection(s) in Atlar", len(conns))
		want := append([]string(nil), cfg.Statements.Connections...)
		for _, r := range cfg.Routes {
			if r.ConnectionID != "" && r.ConnectionID != "auto" {
				want = append(want, r.ConnectionID)
			}
		}
		for _, id := range want {
			if !slices.Contains(ids, id) {
				d.fail("connection %s named in the config does not exist in Atlar", id)
			}
		}
	}
	accounts, err := api.ListAccounts(ctx)
	if err != nil {
		d.fail("list accounts: %v", err)
		return
	}
	d.ok("%d account(s) in Atlar", len(accounts))
	for _, r := range cfg.Routes {
		if r.SourceAccountID == "" {
			continue
		}
		if !slices.ContainsFunc(accounts, func(a atlar.Account) bool { return a.ID == r.SourceAccountID }) {
			d.fail("route %s: source_account_id %s does not exist in Atlar", r.Name, r.SourceAccountID)
		}
	}
}

// journalFS says whether the journal's file system can be trusted with the
// lock that keeps a standby from running beside the active instance.
func (d *doctor) journalFS(cfg *config.Config) {
	dir := filepath.Join(cfg.Storage.Root, layout.StateDir)
	if kind := networkFS(dir); kind != "" {
		d.warn("journal folder %s is on %s: its file lock may not reach other hosts; run one bridge at a time "+
			"(no second active, no --standby on another host) unless that file system's locks are known to work across hosts", dir, kind)
		return
	}
	d.ok("journal folder %s is on a local file system (its lock keeps a standby waiting)", dir)
}
