package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updateGolden reports -update, registering the flag unless another test
// file of the package already did.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// TestSystemdUnit_Packaged keeps packaging/atlar-bridge.service what the
// code renders for the packaged paths (-update rewrites it).
func TestSystemdUnit_Packaged(t *testing.T) {
	got, err := packagedUnit().render()
	require.NoError(t, err)
	path := filepath.Join(sharedtest.RepoRoot(t), "packaging", "atlar-bridge.service")
	if updateGolden() {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got, "run go test ./cmd/bridge -run TestSystemdUnit_Packaged -update")
	for _, line := range []string{
		"ExecStart=/usr/bin/atlar-bridge run --config /etc/atlar-bridge/config.toml",
		"ExecReload=/bin/kill -HUP $MAINPID", "User=atlar-bridge", "StateDirectory=atlar-bridge",
		"StateDirectoryMode=2750", "UMask=0027", "Restart=on-failure", "RestartSec=5", "NoNewPrivileges=yes",
		"ProtectSystem=strict", "ProtectHome=yes", "ReadWritePaths=/var/lib/atlar-bridge", "PrivateTmp=yes",
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "TimeoutStopSec=45",
	} {
		assert.Contains(t, got, "\n"+line+"\n")
	}
}

func TestSystemdUnit_For(t *testing.T) {
	tests := []struct {
		name           string
		exe, cfg, root string
		hostKeys       string
		reads          []string
		want, notWant  []string
	}{
		{name: "OptLayout", exe: "/opt/ab/atlar-bridge", cfg: "/opt/ab/config.toml", root: "/srv/bridge",
			want:    []string{"ReadWritePaths=/srv/bridge\n", "ProtectHome=yes\n", "WorkingDirectory=/opt/ab\n"},
			notWant: []string{"StateDirectory=", "User="}},
		{name: "HostKeysOutsideRoot", exe: "/usr/bin/atlar-bridge", cfg: "/etc/ab/config.toml", root: "/srv/bridge",
			hostKeys: "/etc/ab/hostkeys", want: []string{"ReadWritePaths=/srv/bridge /etc/ab/hostkeys\n"}},
		{name: "HostKeysInsideRoot", exe: "/usr/bin/atlar-bridge", cfg: "/etc/ab/config.toml", root: "/srv/bridge",
			hostKeys: "/srv/bridge/hostkeys", want: []string{"ReadWritePaths=/srv/bridge\n"}},
		{name: "PackagedRoot", exe: "/usr/bin/atlar-bridge", cfg: "/etc/ab/config.toml", root: "/var/lib/atlar-bridge",
			want: []string{"StateDirectory=atlar-bridge\n", "StateDirectoryMode=2750\n"}},
		{name: "SecretUnderHome", exe: "/usr/bin/atlar-bridge", cfg: "/etc/ab/config.toml", root: "/srv/b",
			reads: []string{"/home/ops/secret"}, want: []string{"ProtectHome=read-only\n"}},
		{name: "BlanksAndPercent", exe: "/opt/My Bridge/atlar-bridge", cfg: "/opt/My Bridge/50%.toml", root: "/srv/b",
			want: []string{`ExecStart="/opt/My Bridge/atlar-bridge" run --config "/opt/My Bridge/50%%.toml"` + "\n",
				"WorkingDirectory=/opt/My Bridge\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unitFor(tc.exe, tc.cfg, "", tc.root, tc.hostKeys, tc.reads).render()
			require.NoError(t, err)
			for _, w := range tc.want {
				assert.Contains(t, got, w)
			}
			for _, w := range tc.notWant {
				assert.NotContains(t, got, w)
			}
		})
	}
	t.Run("Refused", func(t *testing.T) {
		for _, root := range []string{"/srv/{{Name}}", "/srv/my data"} {
			_, err := unitFor("/usr/bin/atlar-bridge", "/etc/ab/config.toml", "", root, "", nil).render()
			assert.Error(t, err, root)
		}
	})
}
