package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/kardianos/service"
)

// The service as the OS service manager knows it.
const (
	serviceName        = "atlar-bridge"
	serviceDisplayName = "Atlar Bridge"
	serviceDescription = "Exchanges payment files between an ERP and the Atlar treasury API."
)

// serviceManager is the OS service manager (systemd, the Windows SCM) as
// the service commands use it. kardianos/service implements it; tests
// replace newServiceManager with a fake.
type serviceManager interface {
	Install() error
	Uninstall() error
	Start() error
	Stop() error
	Restart() error
	Status() (service.Status, error)
}

// newServiceManager connects to the OS service manager for the service c
// describes.
var newServiceManager = func(c *service.Config) (serviceManager, error) {
	return service.New(idleProgram{}, c)
}

// idleProgram is the service.Interface for commands that only manage the
// service; it never runs.
type idleProgram struct{}

func (idleProgram) Start(service.Service) error { return nil }
func (idleProgram) Stop(service.Service) error  { return nil }

// serviceExecutable is the binary the service will run; tests replace it.
var serviceExecutable = func() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}

// afterServiceInstall completes an install the service manager left
// unfinished: on Windows, restart-on-failure (service_windows.go). Tests
// replace it.
var afterServiceInstall = setServiceRecovery

// serviceSpec is what `bridge install` registers.
type serviceSpec struct {
	Exe        string
	ConfigPath string // absolute
	User       string
	Config     *config.Config
}

// serviceConfig describes the service to kardianos/service. Without a
// spec it names the service only, which is all that start, stop and
// status need.
func serviceConfig(spec *serviceSpec) (*service.Config, error) {
	c := &service.Config{Name: serviceName, DisplayName: serviceDisplayName, Description: serviceDescription}
	if spec == nil {
		return c, nil
	}
	cfg := spec.Config
	hostKeys := ""
	if cfg.SFTP.Enabled {
		hostKeys = cfg.SFTP.HostKeyDir
	}
	reads := []string{cfg.Atlar.SecretFile}
	for _, u := range cfg.SFTP.Users {
		reads = append(reads, u.AuthorizedKeysFile)
	}
	unit, err := unitFor(spec.Exe, spec.ConfigPath, spec.User, cfg.Storage.Root, hostKeys, reads).render()
	if err != nil && isLinux {
		return nil, err
	}
	c.Executable = spec.Exe
	c.Arguments = []string{"run", "--config", spec.ConfigPath}
	c.UserName = spec.User
	// The config's folder, against which its relative paths resolve, not
	// wherever install ran. The SCM ignores it and starts services in
	// System32: cmdServiceRun changes to the same folder there.
	c.WorkingDirectory = filepath.Dir(spec.ConfigPath)
	c.Option = service.KeyValue{
		// systemd: our own hardened unit (which also restarts on failure).
		"SystemdScript": unit,
		// Other Unix init systems kardianos supports.
		"Restart":      "on-failure",
		"ReloadSignal": "HUP",
		// Windows: start at boot, once the network is up (a UNC storage
		// root). The recovery actions are set by setServiceRecovery.
		"StartType":        "automatic",
		"DelayedAutoStart": true,
	}
	return c, nil
}

// cmdInstall registers `bridge run --config <abs>` with the OS service
// manager.
func cmdInstall(_ context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("install")
	cfgPath := fs.String("config", "config.toml", "config file the service runs with")
	user := fs.String("user", "", "account the service runs as (Linux: an existing system user such as atlar-bridge)")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("usage: %s install [--config F] [--user U]", cmdName())
	}
	abs, err := filepath.Abs(*cfgPath)
	if err != nil {
		return configErr(fmt.Errorf("config path: %w", err))
	}
	cfg, err := loadConfig(abs)
	if err != nil {
		return err
	}
	if err := checkServicePaths(cfg); err != nil {
		return configErr(err)
	}
	if unit := installedPackageUnit(); unit != "" {
		return usageErr("the atlar-bridge package already installed the service (%s): "+
			"enable it with `systemctl enable --now atlar-bridge`", unit)
	}
	exe, err := serviceExecutable()
	if err != nil {
		return fmt.Errorf("install: find the bridge binary: %w", err)
	}
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return usageErr("install: %s is a temporary build (go run): build the binary, put it where it will stay and run its install", exe)
	}
	if err := prepareServiceUser(*user, cfg); err != nil {
		return err
	}
	sc, err := serviceConfig(&serviceSpec{Exe: exe, ConfigPath: abs, User: *user, Config: cfg})
	if err != nil {
		return configErr(err)
	}
	m, err := newServiceManager(sc)
	if err != nil {
		return serviceErr("install", err)
	}
	if err := m.Install(); err != nil {
		return serviceErr("install", err)
	}
	if err := afterServiceInstall(serviceName); err != nil {
		// Without restart-on-failure the service would quietly stay down
		// after a crash: undo the install rather than leave it so.
		if uerr := m.Uninstall(); uerr != nil {
			err = errors.Join(err, fmt.Errorf("undo install: %w", uerr))
		}
		return serviceErr("install: set restart on failure", err)
	}
	fmt.Fprintf(env.stdout, "installed service %s (%s)\n  runs:  %s run --config %s\n", serviceName, serviceDisplayName, exe, abs)
	if *user != "" {
		fmt.Fprintf(env.stdout, "  as:    %s\n", *user)
	}
	fmt.Fprintf(env.stdout, "start it with: %s start\n", exe)
	return nil
}

// cmdUninstall stops the service if it runs and removes it. The journal
// and every folder stay.
func cmdUninstall(_ context.Context, env *cmdEnv, args []string) error {
	if err := serviceFlags(env, "uninstall", args); err != nil {
		return err
	}
	if unit := installedPackageUnit(); unit != "" {
		return usageErr("the atlar-bridge package installed the service (%s): remove the package instead "+
			"(apt remove atlar-bridge, or dnf remove atlar-bridge)", unit)
	}
	m, err := connectService()
	if err != nil {
		return err
	}
	st, err := serviceStatus(m)
	if errors.Is(err, service.ErrNotInstalled) {
		return fmt.Errorf("uninstall: service %s is not installed", serviceName)
	}
	if err == nil && st == service.StatusRunning {
		if err := m.Stop(); err != nil {
			return serviceErr("uninstall: stop", err)
		}
	}
	if err := m.Uninstall(); err != nil {
		return serviceErr("uninstall", err)
	}
	fmt.Fprintf(env.stdout, "uninstalled service %s (its folders and journal are kept)\n", serviceName)
	return nil
}

// cmdServiceControl runs start, stop or restart.
func cmdServiceControl(_ context.Context, env *cmdEnv, action string, args []string) error {
	if err := serviceFlags(env, action, args); err != nil {
		return err
	}
	m, err := connectService()
	if err != nil {
		return err
	}
	do, done := m.Start, "started"
	switch action {
	case "stop":
		do, done = m.Stop, "stopped"
	case "restart":
		do, done = m.Restart, "restarted"
	}
	if err := do(); err != nil {
		if _, serr := serviceStatus(m); errors.Is(serr, service.ErrNotInstalled) {
			return fmt.Errorf("%s: service %s is not installed (run `bridge install` first)", action, serviceName)
		}
		return serviceErr(action, err)
	}
	fmt.Fprintf(env.stdout, "%s service %s\n", done, serviceName)
	return nil
}

// serviceFlags parses the flags of uninstall, start, stop and restart:
// only --config, which every command accepts and these ignore (they act
// on the installed service).
func serviceFlags(env *cmdEnv, name string, args []string) error {
	fs := env.flags(name)
	fs.String("config", "config.toml", "ignored: the service runs with the config it was installed with")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("usage: %s %s", cmdName(), name)
	}
	return nil
}

func connectService() (serviceManager, error) {
	c, _ := serviceConfig(nil)
	m, err := newServiceManager(c)
	if err != nil {
		return nil, serviceErr("service manager", err)
	}
	return m, nil
}

// serviceStatusTimeout bounds how long `bridge status` waits for the
// service manager.
const serviceStatusTimeout = 5 * time.Second

// serviceState says what the OS service manager reports about the
// service, for `bridge status`: running, stopped, not installed, or why it
// cannot tell.
func serviceState() string {
	c, _ := serviceConfig(nil)
	m, err := newServiceManager(c)
	if err != nil {
		return "unknown (no service manager found)"
	}
	type result struct {
		st  service.Status
		err error
	}
	ch := make(chan result, 1)
	go func() {
		st, err := serviceStatus(m)
		ch <- result{st, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-time.After(serviceStatusTimeout):
		return "unknown (the service manager did not answer)"
	}
	switch {
	case errors.Is(r.err, service.ErrNotInstalled):
		return "not installed"
	case r.err != nil:
		return "unknown (" + r.err.Error() + ")"
	case r.st == service.StatusRunning:
		return "running"
	case r.st == service.StatusStopped:
		return "stopped"
	}
	return "unknown"
}

// serviceStatus asks m for the service's status. Some init systems only
// fail when the service is not installed; this says ErrNotInstalled then.
func serviceStatus(m serviceManager) (service.Status, error) {
	st, err := m.Status()
	if err != nil && !errors.Is(err, service.ErrNotInstalled) && serviceNotInstalled() {
		return service.StatusUnknown, service.ErrNotInstalled
	}
	return st, err
}

// serviceErr wraps a service manager error, with the usual cause spelled
// out: managing services takes root or an elevated prompt.
func serviceErr(op string, err error) error {
	msg := strings.ToLower(err.Error())
	if errors.Is(err, fs.ErrPermission) || strings.Contains(msg, "denied") || strings.Contains(msg, "not permitted") {
		return fmt.Errorf("%s: %w (%s)", op, err, adminHint)
	}
	return fmt.Errorf("%s: %w", op, err)
}
