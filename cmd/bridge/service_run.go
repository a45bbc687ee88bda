package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/kardianos/service"
)

// underServiceManager reports whether the OS service manager (systemd, the
// Windows SCM) started this process, rather than a terminal or a script.
var underServiceManager = func() bool { return !service.Interactive() }

// cmdServiceRun is `bridge run` when the OS service manager started it:
// the same serve as cmdRun, inside kardianos/service's Start and Stop, so
// that the Windows SCM sees the service start and stop, and logging goes
// where the service manager keeps it.
func cmdServiceRun(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("run")
	cfgPath := configFlag(fs)
	standby := fs.Bool("standby", false, "wait for the journal lock held by the active instance and take over when it stops")
	if _, err := env.parse(fs, args); err != nil {
		return err
	}
	abs, err := filepath.Abs(*cfgPath)
	if err != nil {
		return configErr(err)
	}
	// A Windows service starts in System32: work from the config's folder
	// so that nothing relative ever lands there.
	_ = os.Chdir(filepath.Dir(abs))
	p := newServiceProgram(ctx, abs, env.stderr)
	if *standby {
		p.serve = serveStandby
	}
	c, _ := serviceConfig(nil)
	s, err := service.New(p, c)
	if err != nil {
		// No service manager to talk to after all: run as from a terminal.
		return cmdRun(ctx, env, args)
	}
	return s.Run()
}

// serviceProgram runs serve as a kardianos service.Interface: Start
// launches it, Stop cancels it and waits for it to drain.
type serviceProgram struct {
	cfgPath string
	parent  context.Context
	stderr  io.Writer
	// serve and exit are the real ones but for tests.
	serve func(ctx context.Context, cfg *config.Config, log *slog.Logger, o appOptions) error
	exit  func(code int)

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan error
}

var _ service.Interface = (*serviceProgram)(nil)

func newServiceProgram(parent context.Context, cfgPath string, stderr io.Writer) *serviceProgram {
	return &serviceProgram{cfgPath: cfgPath, parent: parent, stderr: stderr, serve: serve, exit: os.Exit}
}

// Start loads the config and starts the bridge in the background. A
// config error fails the start, so the service manager reports it.
func (p *serviceProgram) Start(s service.Service) error {
	cfg, err := loadConfig(p.cfgPath)
	if err == nil {
		if perr := checkServicePaths(cfg); perr != nil {
			err = configErr(perr)
		}
	}
	if err != nil {
		serviceLogger(s, config.Log{}, p.stderr).Error("cannot start", "config", p.cfgPath, "err", err)
		return err
	}
	log := serviceLogger(s, cfg.Log, p.stderr)
	ctx, cancel := context.WithCancel(p.parent)
	done := make(chan error, 1)
	p.mu.Lock()
	p.cancel, p.done = cancel, done
	p.mu.Unlock()
	go func() {
		err := p.serve(ctx, cfg, log, appOptions{})
		if ctx.Err() == nil {
			// serve returns by itself only when the bridge failed. Exit
			// non-zero: that is what makes systemd (Restart=on-failure)
			// and the Windows recovery actions restart it.
			log.Error("bridge stopped unexpectedly", "err", err)
			code := exitCode(err)
			if code == exitOK {
				code = exitFailure
			}
			p.exit(code)
		}
		done <- err
	}()
	return nil
}

// Stop cancels the bridge and waits while it drains in-flight work, which
// serve bounds to 30 seconds.
func (p *serviceProgram) Stop(service.Service) error {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel = nil
	p.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	return <-done
}

// serviceLogLevel is log.level as slog's level (info when unset).
func serviceLogLevel(c config.Log) slog.Level {
	var level slog.Level
	_ = level.UnmarshalText([]byte(orDefault(c.Level, "info")))
	return level
}
