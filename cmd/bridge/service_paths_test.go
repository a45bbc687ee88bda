package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWinPaths_Check(t *testing.T) {
	const fixedDrive = 3 // DRIVE_FIXED
	drives := map[string]uint32{`C:\`: fixedDrive, `Z:\`: driveRemote, `Y:\`: driveNoRootDir}
	tests := []struct {
		name   string
		mutate func(c *config.Config)
		want   []string // substrings of the error; none for no error
	}{
		{"LocalFolder", func(c *config.Config) {}, nil},
		{"UNCWritable", func(c *config.Config) { c.Storage.Root = `\\fs01\erp\bridge` }, nil},
		{"UNCNotWritable", func(c *config.Config) { c.Storage.Root = `\\fs02\erp\bridge` },
			[]string{`storage.root: \\fs02\erp\bridge cannot be written by CORP\svc-bridge: Access is denied`, "computer account"}},
		{"MappedDrive", func(c *config.Config) { c.Storage.Root = `Z:\bridge` },
			[]string{`storage.root: Z:\bridge is on Z:, a mapped network drive`, `UNC path (\\server\share\...)`}},
		{"DriveMissingForAccount", func(c *config.Config) { c.Storage.Root = `y:\bridge` },
			[]string{"storage.root: drive Y: does not exist for CORP\\svc-bridge", "UNC path"}},
		{"SecretOnMappedDrive", func(c *config.Config) {
			c.Atlar.SecretEnv, c.Atlar.SecretFile = "", `Z:\keys\secret`
		}, []string{"atlar.secret_file: ", "mapped network drive"}},
		{"HostKeysInSystem32", func(c *config.Config) {
			c.SFTP.Enabled, c.SFTP.HostKeyDir = true, `C:\WINDOWS\system32\hostkeys`
		}, []string{"sftp.host_key_dir: ", "Windows system folder"}},
		{"ConfigInSystem32", func(c *config.Config) {
			c.File, c.Storage.Root = `C:\Windows\System32\config.toml`, `C:\Windows\System32\data`
		}, []string{`config C:\Windows\System32\config.toml is in the Windows system folder`, "storage.root: "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.File = `C:\ProgramData\AtlarBridge\config.toml`
			cfg.Storage.Root = `C:\ProgramData\AtlarBridge`
			cfg.Atlar.SecretEnv = "ATLAR_SECRET"
			tc.mutate(cfg)
			w := winPaths{
				systemDir: `C:\Windows`,
				account:   `CORP\svc-bridge`,
				driveType: func(root string) uint32 { return drives[strings.ToUpper(root)] },
				probe: func(dir string) error {
					if strings.HasPrefix(dir, `\\fs02`) {
						return errors.New("Access is denied.")
					}
					return nil
				},
			}
			err := w.check(cfg)
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, s := range tc.want {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestWinVolume(t *testing.T) {
	tests := map[string]string{
		`C:\ProgramData\AtlarBridge`: "C:",
		`z:/bridge`:                  "Z:",
		`\\fs01\erp\bridge\inbox`:    `\\fs01\erp`,
		`//fs01/erp`:                 `\\fs01\erp`,
		`\\fs01`:                     "",
		`data`:                       "",
		`/var/lib/atlar-bridge`:      "",
	}
	for in, want := range tests {
		assert.Equal(t, want, winVolume(in), in)
	}
}
