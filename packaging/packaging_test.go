// Package packaging_test builds the release artefacts with build.sh and
// inspects them the way an operator's tools would: dpkg-deb, rpm, the zip,
// and systemd-analyze for the unit.
package packaging_test

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"debug/pe"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// version is distinctive, so finding it in a binary means it was stamped.
const version = "9.8.7-pkgtest.1"

func TestBuild_Artefacts(t *testing.T) {
	needTool(t, "bash")
	needTool(t, "dpkg-deb")
	root := sharedtest.RepoRoot(t)
	dist := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "packaging", "build.sh"), "v"+version)
	cmd.Env = append(os.Environ(), "DIST="+dist)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build.sh:\n%s", out)
	artefact := func(name string) string { return filepath.Join(dist, "atlar-bridge_"+version+"_"+name) }

	t.Run("Binaries", func(t *testing.T) {
		tests := []struct {
			name    string
			machine string
		}{
			{"linux_amd64", elf.EM_X86_64.String()},
			{"linux_arm64", elf.EM_AARCH64.String()},
			{"windows_amd64.exe", ""}, // PE, checked below
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				path := artefact(tc.name)
				data, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Contains(t, string(data), version, "version stamped with -X main.version")
				if strings.HasSuffix(tc.name, ".exe") {
					f, err := pe.Open(path)
					require.NoError(t, err)
					defer f.Close()
					assert.Equal(t, uint16(pe.IMAGE_FILE_MACHINE_AMD64), f.Machine)
					return
				}
				f, err := elf.Open(path)
				require.NoError(t, err)
				defer f.Close()
				assert.Equal(t, tc.machine, f.Machine.String())
				for _, p := range f.Progs {
					assert.NotEqual(t, elf.PT_INTERP, p.Type, "static: no dynamic loader (CGO_ENABLED=0)")
				}
			})
		}
		native := artefact(runtime.GOOS + "_" + runtime.GOARCH)
		if _, err := os.Stat(native); err != nil {
			t.Skipf("no binary for %s/%s to run", runtime.GOOS, runtime.GOARCH)
		}
		got, err := exec.Command(native, "version").CombinedOutput()
		require.NoError(t, err, "%s", got)
		assert.Equal(t, "atlar-bridge "+version+"\n", string(got))
	})

	for _, arch := range []string{"amd64", "arm64"} {
		t.Run("Deb_"+arch, func(t *testing.T) {
			deb := artefact(arch + ".deb")
			list := run(t, "dpkg-deb", "-c", deb)
			for _, p := range []string{"./usr/bin/atlar-bridge", "./etc/atlar-bridge/config.toml",
				"./usr/lib/systemd/system/atlar-bridge.service", "./usr/share/doc/atlar-bridge/config.toml.example"} {
				assert.Regexp(t, `(?m) `+regexp.QuoteMeta(p)+`$`, list)
			}
			assert.Regexp(t, `(?m)^-rwxr-xr-x root/root .* \./usr/bin/atlar-bridge$`, list)
			assert.Equal(t, arch+"\n", run(t, "dpkg-deb", "-f", deb, "Architecture"))
			assert.Contains(t, run(t, "dpkg-deb", "-f", deb, "Version"), "9.8.7")
			assert.Equal(t, "/etc/atlar-bridge/config.toml\n", run(t, "dpkg-deb", "-I", deb, "conffiles"),
				"the config is a conffile: kept on upgrade")
			postinst := run(t, "dpkg-deb", "-I", deb, "postinst")
			assert.Contains(t, postinst, "useradd --system")
			assert.Contains(t, postinst, "install -d -m 2750 -o \"$user\" -g \"$group\"")
			// A folder-based ERP in the group can drop and pick up files.
			assert.Contains(t, postinst, "groupadd --system \"$group\"")
			assert.Contains(t, postinst, "chmod 2770 \"$d\"")
			assert.Contains(t, postinst, "usermod -aG $group")
			assert.Contains(t, run(t, "dpkg-deb", "-I", deb, "prerm"), "systemctl disable --now atlar-bridge.service")
			fsys := t.TempDir()
			run(t, "dpkg-deb", "-x", deb, fsys)
			for installed, src := range map[string]string{
				"usr/lib/systemd/system/atlar-bridge.service": "atlar-bridge.service",
				"etc/atlar-bridge/config.toml":                "config.toml",
			} {
				got, err := os.ReadFile(filepath.Join(fsys, installed))
				require.NoError(t, err)
				want, err := os.ReadFile(filepath.Join(root, "packaging", src))
				require.NoError(t, err)
				assert.Equal(t, string(want), string(got), installed)
			}
		})
		t.Run("Rpm_"+arch, func(t *testing.T) {
			needTool(t, "rpm")
			rpm := artefact(arch + ".rpm")
			list := run(t, "rpm", "-qlp", rpm)
			for _, p := range []string{"/usr/bin/atlar-bridge", "/etc/atlar-bridge/config.toml",
				"/usr/lib/systemd/system/atlar-bridge.service"} {
				assert.Contains(t, strings.Split(list, "\n"), p)
			}
			assert.Equal(t, "/etc/atlar-bridge/config.toml\n", run(t, "rpm", "-qcp", rpm), "%config(noreplace)")
			assert.Equal(t, map[string]string{"amd64": "x86_64\n", "arm64": "aarch64\n"}[arch],
				run(t, "rpm", "-qp", "--qf", "%{ARCH}\n", rpm))
			assert.Contains(t, run(t, "rpm", "-qp", "--scripts", rpm), "useradd --system")
		})
	}

	t.Run("WindowsZip", func(t *testing.T) {
		zr, err := zip.OpenReader(artefact("windows_amd64.zip"))
		require.NoError(t, err)
		defer zr.Close()
		files := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			require.NoError(t, err)
			files[f.Name], err = io.ReadAll(rc)
			require.NoError(t, err)
			rc.Close()
		}
		require.ElementsMatch(t, []string{"atlar-bridge.exe", "config.toml.example", "INSTALL.txt"}, keys(files))
		exe, err := os.ReadFile(artefact("windows_amd64.exe"))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(exe, files["atlar-bridge.exe"]), "the zip holds the built exe")
		assert.Contains(t, string(files["INSTALL.txt"]), "atlar-bridge.exe install --config C:\\ProgramData\\AtlarBridge\\config.toml\r\n")

		example := files["config.toml.example"]
		assert.Contains(t, string(example), "\r\n", "Windows line endings")
		cfg, err := config.Parse(bytes.NewReader(example), "config.toml.example")
		require.NoError(t, err, "the Windows example config must validate")
		assert.Equal(t, `C:\ProgramData\AtlarBridge`, cfg.Storage.Root)
		assert.Equal(t, `C:\ProgramData\AtlarBridge\hostkeys`, cfg.SFTP.HostKeyDir)
	})

	t.Run("Checksums", func(t *testing.T) {
		sums, err := os.ReadFile(filepath.Join(dist, "SHA256SUMS"))
		require.NoError(t, err)
		assert.Len(t, strings.Split(strings.TrimSpace(string(sums)), "\n"), 8)
	})
}

// TestConfig_Packaged checks the config the packages install: it
// validates, and points where the unit lets the service write.
func TestConfig_Packaged(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedtest.RepoRoot(t), "packaging", "config.toml"))
	require.NoError(t, err)
	defer f.Close()
	cfg, err := config.Parse(f, "/etc/atlar-bridge/config.toml")
	require.NoError(t, err)
	assert.Equal(t, "/var/lib/atlar-bridge", cfg.Storage.Root)
	assert.Equal(t, "/etc/atlar-bridge/secret", cfg.Atlar.SecretFile)
	assert.Empty(t, cfg.Atlar.SecretEnv)
	assert.False(t, cfg.SFTP.Enabled, "SFTP is off until the operator needs it")
	assert.True(t, strings.HasPrefix(cfg.SFTP.HostKeyDir, cfg.Storage.Root+"/"), "host keys under ReadWritePaths")
	assert.NotEmpty(t, cfg.Routes)

	var read string
	require.NoError(t, cfg.ResolveSecret(func(string) string { return "" }, func(p string) ([]byte, error) {
		read = p
		return []byte("s3cret\n"), nil
	}))
	assert.Equal(t, "/etc/atlar-bridge/secret", read)
	assert.Equal(t, "s3cret", cfg.Secret)
}

// TestUnit_Verify runs systemd-analyze verify on the packaged unit (with
// ExecStart pointing at a binary that exists here), and checks the
// directives the package promises in any case.
func TestUnit_Verify(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedtest.RepoRoot(t), "packaging", "atlar-bridge.service"))
	require.NoError(t, err)
	unit := string(data)
	for _, line := range []string{
		"ExecStart=/usr/bin/atlar-bridge run --config /etc/atlar-bridge/config.toml",
		"ExecReload=/bin/kill -HUP $MAINPID", "User=atlar-bridge", "StateDirectory=atlar-bridge",
		"StateDirectoryMode=2750", "UMask=0027", "Restart=on-failure", "RestartSec=5", "TimeoutStopSec=45",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "ReadWritePaths=/var/lib/atlar-bridge",
		"PrivateTmp=yes", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "ProtectKernelTunables=yes",
		"ProtectControlGroups=yes", "LockPersonality=yes", "RestrictRealtime=yes", "SystemCallArchitectures=native",
		"WantedBy=multi-user.target",
	} {
		assert.Contains(t, "\n"+unit, "\n"+line+"\n")
	}

	needTool(t, "systemd-analyze")
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "atlar-bridge.service")
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(unit, "ExecStart=/usr/bin/atlar-bridge ", "ExecStart="+exe+" ", 1)), 0o644))
	cmd := exec.Command("systemd-analyze", "verify", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	// verify exits 0 on unknown keys and bad values: it only warns.
	assert.Empty(t, strings.TrimSpace(stderr.String()), "systemd-analyze verify warnings")
}

// TestScripts_Syntax parses the package scripts with sh -n.
func TestScripts_Syntax(t *testing.T) {
	needTool(t, "sh")
	for _, s := range []string{"postinstall.sh", "preremove.sh", "postremove.sh", "build.sh"} {
		t.Run(s, func(t *testing.T) {
			shell := "sh"
			if s == "build.sh" {
				needTool(t, "bash")
				shell = "bash"
			}
			out, err := exec.Command(shell, "-n", filepath.Join(sharedtest.RepoRoot(t), "packaging", s)).CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}

// needTool skips without name, except in CI (CI=true), where a missing
// tool is a failure: .ci/run installs it.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing: .ci/run must install it", name)
	}
	t.Skipf("%s is not installed", name)
}

// run runs a command and returns its standard output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), stderr.String())
	return string(out)
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
