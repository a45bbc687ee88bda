package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/kardianos/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeService is the service.Service a program's Start and Stop receive;
// only its Logger is used (the Event Log on Windows).
type fakeService struct {
	service.Service
	log *fakeLogger
}

func (s fakeService) Logger(chan<- error) (service.Logger, error) { return s.log, nil }

// fakeLogger records what a service.Logger was given.
type fakeLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *fakeLogger) add(kind string, v ...any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, kind+": "+fmt.Sprint(v...))
	return nil
}
func (l *fakeLogger) Error(v ...any) error   { return l.add("error", v...) }
func (l *fakeLogger) Warning(v ...any) error { return l.add("warning", v...) }
func (l *fakeLogger) Info(v ...any) error    { return l.add("info", v...) }
func (l *fakeLogger) Errorf(f string, a ...any) error {
	return l.add("error", fmt.Sprintf(f, a...))
}
func (l *fakeLogger) Warningf(f string, a ...any) error {
	return l.add("warning", fmt.Sprintf(f, a...))
}
func (l *fakeLogger) Infof(f string, a ...any) error { return l.add("info", fmt.Sprintf(f, a...)) }

// programFixture is a serviceProgram whose serve and exit are fakes.
type programFixture struct {
	p       *serviceProgram
	started chan *config.Config
	fail    chan error // serve returns this when sent
	exited  chan int
}

func newProgramFixture(t *testing.T, cfgPath string) *programFixture {
	t.Helper()
	fx := &programFixture{started: make(chan *config.Config, 1), fail: make(chan error, 1), exited: make(chan int, 1)}
	fx.p = newServiceProgram(context.Background(), cfgPath, io.Discard)
	fx.p.serve = func(ctx context.Context, cfg *config.Config, _ *slog.Logger, _ appOptions) error {
		fx.started <- cfg
		select {
		case <-ctx.Done():
			return nil
		case err := <-fx.fail:
			return err
		}
	}
	fx.p.exit = func(code int) { fx.exited <- code }
	return fx
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		require.FailNow(t, "timed out")
	}
	panic("unreachable")
}

func TestServiceProgram_StartStop(t *testing.T) {
	path := filepath.Join(writeServiceConfig(t), "config.toml")
	fx := newProgramFixture(t, path)
	s := fakeService{log: &fakeLogger{}}
	require.NoError(t, fx.p.Start(s))
	cfg := receive(t, fx.started)
	assert.Equal(t, path, cfg.File)
	require.NoError(t, fx.p.Stop(s), "Stop cancels serve and waits for it")
	require.NoError(t, fx.p.Stop(s), "a second Stop is harmless")
	select {
	case code := <-fx.exited:
		t.Fatalf("a requested stop must not exit the process (code %d)", code)
	default:
	}
}

func TestServiceProgram_ServeFailsExitsNonZero(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"RuntimeFailure", errors.New("listen tcp 127.0.0.1:2222: address already in use"), exitFailure},
		{"ConfigError", configErr(errors.New("routes.x.csv_profile: no table")), exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newProgramFixture(t, filepath.Join(writeServiceConfig(t), "config.toml"))
			s := fakeService{log: &fakeLogger{}}
			require.NoError(t, fx.p.Start(s))
			receive(t, fx.started)
			fx.fail <- tc.err
			assert.Equal(t, tc.code, receive(t, fx.exited), "the service manager restarts a process that exits non-zero")
			assert.ErrorIs(t, fx.p.Stop(s), tc.err)
		})
	}
}

func TestServiceProgram_StartRefusesBadConfig(t *testing.T) {
	fx := newProgramFixture(t, filepath.Join(t.TempDir(), "missing.toml"))
	err := fx.p.Start(fakeService{log: &fakeLogger{}})
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err))
	select {
	case <-fx.started:
		t.Fatal("serve must not run without a config")
	default:
	}
}

func TestEventLogHandler_Handle(t *testing.T) {
	out := &fakeLogger{}
	log := slog.New(newEventLogHandler(out, slog.LevelInfo))
	log.Debug("hidden")
	log.Info("bridge started", "version", "1.2.3", "root", `C:\ProgramData\AtlarBridge`)
	log.With("component", "inbound").WithGroup("file").Warn("slow", "id", "F1")
	log.Error("submit failed", "err", errors.New("boom"))
	assert.Equal(t, []string{
		`info: bridge started version=1.2.3 root=C:\ProgramData\AtlarBridge`,
		"warning: slow component=inbound file.id=F1",
		"error: submit failed err=boom",
	}, out.lines)
}
