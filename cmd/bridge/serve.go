package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"golang.org/x/term"
)

// cmdRun runs the bridge in the foreground until SIGINT/SIGTERM.
func cmdRun(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("run")
	cfgPath := configFlag(fs)
	newJournal := fs.Bool("new-journal", false, "start a new journal although archive/, failed/ or the outbox hold earlier files (only when no backup of state/bridge.db exists: duplicates of earlier files are then not recognised)")
	standby := fs.Bool("standby", false, "wait for the journal lock held by the active instance and take over when it stops")
	cfg, _, err := env.parseConfig(fs, cfgPath, args)
	if err != nil {
		return err
	}
	o, err := crashHook(cfg, env.stderr) // test-only; see crashhook.go
	if err != nil {
		return err
	}
	o.NewJournal = *newJournal
	stopProfile, err := startProfile(env.stderr) // benchmarks only; see profile.go
	if err != nil {
		return err
	}
	defer stopProfile()
	logTo, closeLog, err := logOutput(cfg.Log, env.stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	if *standby {
		return serveStandby(ctx, cfg, newLogger(cfg.Log, logTo), o)
	}
	return serve(ctx, cfg, newLogger(cfg.Log, logTo), o)
}

// serve starts the bridge, waits for ctx and stops it, draining in-flight
// work for at most 30 seconds.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, o appOptions) error {
	o.Logger = log
	a, err := startApp(ctx, cfg, o)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-hup:
			log.Info("SIGHUP: reloading config")
			_ = a.reload() // a refused reload is logged; the old config keeps running
		}
	}
	log.Info("stopping")
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Close(cctx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("stopped")
	return nil
}

// loadConfig loads and checks a config; its errors exit with 2.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		if _, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) {
			// Say what to do, not only what is missing.
			return nil, configErr(fmt.Errorf("%w; name the config with --config F (the packages install /etc/atlar-bridge/config.toml; %s demo writes a complete example)", err, cmdName()))
		}
		return nil, configErr(err)
	}
	return cfg, nil
}

// newLogger logs text on a terminal and JSON otherwise (under a service
// manager, whose journal indexes the fields).
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(orDefault(c.Level, "info")))
	opts := &slog.HandlerOptions{Level: level}
	format := c.Format
	if format == "" || format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
