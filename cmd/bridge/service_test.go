package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kardianos/service"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeManager is a service manager that records what it was asked.
type fakeManager struct {
	cfg       *service.Config
	calls     []string
	status    service.Status
	statusErr error
	fail      map[string]error // by call name
}

var _ serviceManager = (*fakeManager)(nil)

func (f *fakeManager) do(name string) error {
	f.calls = append(f.calls, name)
	return f.fail[name]
}
func (f *fakeManager) Install() error   { return f.do("install") }
func (f *fakeManager) Uninstall() error { return f.do("uninstall") }
func (f *fakeManager) Start() error     { return f.do("start") }
func (f *fakeManager) Stop() error      { return f.do("stop") }
func (f *fakeManager) Restart() error   { return f.do("restart") }
func (f *fakeManager) Status() (service.Status, error) {
	f.calls = append(f.calls, "status")
	return f.status, f.statusErr
}

// serviceFixture replaces the OS service manager, the binary path, the
// Windows recovery step and the packaged-unit lookup for one test.
type serviceFixture struct {
	m         *fakeManager
	exe       string
	recovered []string
	recovery  error
}

func newServiceFixture(t *testing.T) *serviceFixture {
	t.Helper()
	fx := &serviceFixture{m: &fakeManager{status: service.StatusStopped}, exe: "/opt/atlar-bridge/atlar-bridge"}
	oldNew, oldExe, oldAfter, oldNI := newServiceManager, serviceExecutable, afterServiceInstall, serviceNotInstalled
	newServiceManager = func(c *service.Config) (serviceManager, error) {
		fx.m.cfg = c
		return fx.m, nil
	}
	serviceExecutable = func() (string, error) { return fx.exe, nil }
	afterServiceInstall = func(name string) error {
		fx.recovered = append(fx.recovered, name)
		return fx.recovery
	}
	serviceNotInstalled = func() bool { return false }
	setPackagedUnitPaths(t, filepath.Join(t.TempDir(), "none.service"))
	t.Cleanup(func() {
		newServiceManager, serviceExecutable, afterServiceInstall, serviceNotInstalled = oldNew, oldExe, oldAfter, oldNI
	})
	return fx
}

// writeServiceConfig writes a valid config.toml into a new folder and
// returns the folder.
func writeServiceConfig(t *testing.T) string {
	t.Helper()
	t.Setenv("TEST_ATLAR_SECRET", "s3cret")
	dir := t.TempDir()
	doc := "version = 1\n[atlar]\naccess_key = \"AK\"\nsecret_env = \"TEST_ATLAR_SECRET\"\n" +
		"[storage]\nroot = \"data\"\n[[routes]]\nname = \"payables\"\nformat = \"csv\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.toml"), []byte(doc), 0o600))
	return dir
}

func TestService_Install(t *testing.T) {
	t.Run("RelativeConfigMadeAbsolute", func(t *testing.T) {
		fx := newServiceFixture(t)
		dir := writeServiceConfig(t)
		t.Chdir(dir)
		out, errOut, code := runCLI(t, "install", "--config", "config.toml")
		require.Equal(t, 0, code, errOut)

		abs := filepath.Join(dir, "config.toml")
		assert.Equal(t, []string{"install"}, fx.m.calls)
		assert.Equal(t, []string{serviceName}, fx.recovered, "restart-on-failure set after install")
		c := fx.m.cfg
		assert.Equal(t, "atlar-bridge", c.Name)
		assert.Equal(t, "Atlar Bridge", c.DisplayName)
		assert.Equal(t, fx.exe, c.Executable)
		assert.Equal(t, []string{"run", "--config", abs}, c.Arguments)
		assert.Equal(t, dir, c.WorkingDirectory)
		assert.Empty(t, c.UserName)
		assert.Equal(t, "on-failure", c.Option["Restart"])
		assert.Equal(t, "automatic", c.Option["StartType"])
		assert.Contains(t, out, "installed service atlar-bridge")
		assert.Contains(t, out, abs)
		if runtime.GOOS == "linux" {
			unit, _ := c.Option["SystemdScript"].(string)
			assert.Contains(t, unit, fmt.Sprintf("ExecStart=%s run --config %s\n", fx.exe, abs))
			assert.Contains(t, unit, "ReadWritePaths="+filepath.Join(dir, "data")+"\n")
			assert.Contains(t, unit, "Restart=on-failure\n")
			assert.NotContains(t, unit, "{{", "kardianos would try to expand it")
		}
	})
	t.Run("User", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("Windows takes the account as is")
		}
		fx := newServiceFixture(t)
		me, err := user.Current()
		require.NoError(t, err)
		dir := writeServiceConfig(t)
		_, errOut, code := runCLI(t, "install", "--config", filepath.Join(dir, "config.toml"), "--user", me.Username)
		require.Equal(t, 0, code, errOut)
		assert.Equal(t, me.Username, fx.m.cfg.UserName)
		assert.Contains(t, fx.m.cfg.Option["SystemdScript"], "User="+me.Username+"\n")
		info, err := os.Stat(filepath.Join(dir, "data"))
		require.NoError(t, err, "install creates the storage root for the service user")
		assert.Equal(t, fs.FileMode(0o700), info.Mode().Perm())
	})

	refusals := []struct {
		name     string
		setup    func(t *testing.T, fx *serviceFixture) []string // returns the arguments
		code     int
		contains string
	}{
		{"MissingConfig", func(t *testing.T, _ *serviceFixture) []string {
			return []string{"--config", filepath.Join(t.TempDir(), "nope.toml")}
		}, exitUsage, "nope.toml"},
		{"InvalidConfig", func(t *testing.T, _ *serviceFixture) []string {
			dir := writeServiceConfig(t)
			path := filepath.Join(dir, "config.toml")
			require.NoError(t, os.WriteFile(path, []byte("version = 1\n[atlar]\naccess_key = \"AK\"\n"), 0o600))
			return []string{"--config", path}
		}, exitUsage, "atlar.secret_env"},
		{"UnknownUser", func(t *testing.T, _ *serviceFixture) []string {
			if runtime.GOOS == "windows" {
				t.Skip("Windows takes the account as is")
			}
			return []string{"--config", filepath.Join(writeServiceConfig(t), "config.toml"), "--user", "no-such-user-x9"}
		}, exitUsage, "no-such-user-x9"},
		{"PackageInstalledTheUnit", func(t *testing.T, _ *serviceFixture) []string {
			unit := filepath.Join(t.TempDir(), "atlar-bridge.service")
			require.NoError(t, os.WriteFile(unit, []byte("[Service]\n"), 0o644))
			setPackagedUnitPaths(t, unit)
			return []string{"--config", filepath.Join(writeServiceConfig(t), "config.toml")}
		}, exitUsage, "systemctl enable --now atlar-bridge"},
		{"GoRunBinary", func(t *testing.T, fx *serviceFixture) []string {
			fx.exe = "/tmp/go-build123/b001/exe/bridge"
			return []string{"--config", filepath.Join(writeServiceConfig(t), "config.toml")}
		}, exitUsage, "temporary build"},
		{"StrayArgument", func(t *testing.T, _ *serviceFixture) []string {
			return []string{"now"}
		}, exitUsage, "usage: bridge install"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			fx := newServiceFixture(t)
			args := tc.setup(t, fx)
			_, errOut, code := runCLI(t, append([]string{"install"}, args...)...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.contains)
			assert.Empty(t, fx.m.calls, "nothing registered")
		})
	}

	t.Run("RecoveryFailsUndoesInstall", func(t *testing.T) {
		fx := newServiceFixture(t)
		fx.recovery = errors.New("access is denied")
		_, errOut, code := runCLI(t, "install", "--config", filepath.Join(writeServiceConfig(t), "config.toml"))
		assert.Equal(t, exitFailure, code)
		assert.Equal(t, []string{"install", "uninstall"}, fx.m.calls)
		assert.Contains(t, errOut, "restart on failure")
		assert.Contains(t, errOut, adminHint)
	})
	t.Run("ManagerRefuses", func(t *testing.T) {
		fx := newServiceFixture(t)
		fx.m.fail = map[string]error{"install": fmt.Errorf("open unit: %w", fs.ErrPermission)}
		_, errOut, code := runCLI(t, "install", "--config", filepath.Join(writeServiceConfig(t), "config.toml"))
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, adminHint)
		assert.Empty(t, fx.recovered)
	})
}

func TestService_Uninstall(t *testing.T) {
	tests := []struct {
		name      string
		status    service.Status
		statusErr error
		code      int
		calls     []string
		contains  string
	}{
		{"Running", service.StatusRunning, nil, 0, []string{"status", "stop", "uninstall"}, "uninstalled service atlar-bridge"},
		{"Stopped", service.StatusStopped, nil, 0, []string{"status", "uninstall"}, "uninstalled"},
		{"NotInstalled", service.StatusUnknown, service.ErrNotInstalled, exitFailure, []string{"status"}, "not installed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newServiceFixture(t)
			fx.m.status, fx.m.statusErr = tc.status, tc.statusErr
			out, errOut, code := runCLI(t, "uninstall")
			assert.Equal(t, tc.code, code, errOut)
			assert.Equal(t, tc.calls, fx.m.calls)
			assert.Contains(t, out+errOut, tc.contains)
		})
	}
	t.Run("PackageInstalledTheUnit", func(t *testing.T) {
		fx := newServiceFixture(t)
		unit := filepath.Join(t.TempDir(), "atlar-bridge.service")
		require.NoError(t, os.WriteFile(unit, []byte("[Service]\n"), 0o644))
		setPackagedUnitPaths(t, unit)
		_, errOut, code := runCLI(t, "uninstall")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errOut, "remove the package")
		assert.Empty(t, fx.m.calls)
	})
}

func TestService_Control(t *testing.T) {
	for _, action := range []string{"start", "stop", "restart"} {
		t.Run(action, func(t *testing.T) {
			fx := newServiceFixture(t)
			out, errOut, code := runCLI(t, action, "--config", "ignored.toml")
			require.Equal(t, 0, code, errOut)
			assert.Equal(t, []string{action}, fx.m.calls)
			assert.Contains(t, out, "service atlar-bridge")
		})
		t.Run(action+"/NotInstalled", func(t *testing.T) {
			fx := newServiceFixture(t)
			fx.m.fail = map[string]error{action: errors.New("exit status 5")}
			fx.m.statusErr = service.ErrNotInstalled
			_, errOut, code := runCLI(t, action)
			assert.Equal(t, exitFailure, code)
			assert.Contains(t, errOut, "not installed (run `bridge install` first)")
		})
	}
}

func TestService_State(t *testing.T) {
	tests := []struct {
		status service.Status
		err    error
		want   string
	}{
		{service.StatusRunning, nil, "running"},
		{service.StatusStopped, nil, "stopped"},
		{service.StatusUnknown, service.ErrNotInstalled, "not installed"},
		{service.StatusUnknown, errors.New("service in failed state"), "unknown (service in failed state)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			fx := newServiceFixture(t)
			fx.m.status, fx.m.statusErr = tc.status, tc.err
			assert.Equal(t, tc.want, serviceState())
		})
	}
	t.Run("PrintedByStatus", func(t *testing.T) {
		var b strings.Builder
		printStatus(&b, &statusReport{Root: "/data", Service: "running"})
		assert.Contains(t, b.String(), "Service:             running\n")
	})
}

// setPackagedUnitPaths points the packaged-unit lookup at paths for one
// test.
func setPackagedUnitPaths(t *testing.T, paths ...string) {
	t.Helper()
	old := packagedUnitPaths
	packagedUnitPaths = paths
	t.Cleanup(func() { packagedUnitPaths = old })
}
