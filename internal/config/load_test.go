package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

func TestLoad_RelativePaths(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere")
	tests := []struct {
		name     string
		doc      string
		check    func(t *testing.T, c *Config)
		wantFile string // secret file to write, relative to dir
	}{
		{
			name: "Defaults",
			doc:  minimal,
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, filepath.Join(dir, "data"), c.Storage.Root)
				assert.Equal(t, filepath.Join(dir, "data", "hostkeys"), c.SFTP.HostKeyDir)
			},
		},
		{
			name: "Written",
			doc: `version = 1
[atlar]
access_key = "AK"
secret_file = "secrets/atlar"
[storage]
root = "../state"
[sftp]
enabled = true
host_key_dir = "` + filepath.ToSlash(abs) + `"
[[sftp.users]]
name = "erp"
authorized_keys_file = "keys/erp.pub"
[[routes]]
name = "payables"
format = "csv"
`,
			wantFile: "secrets/atlar",
			check: func(t *testing.T, c *Config) {
				assert.Equal(t, filepath.Join(filepath.Dir(dir), "state"), c.Storage.Root)
				assert.Equal(t, abs, c.SFTP.HostKeyDir, "absolute paths stay")
				assert.Equal(t, filepath.Join(dir, "secrets", "atlar"), c.Atlar.SecretFile)
				assert.Equal(t, filepath.Join(dir, "keys", "erp.pub"), c.SFTP.Users[0].AuthorizedKeysFile)
				assert.Equal(t, "from-file", c.Secret)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ATLAR_SECRET", "from-env\n")
			if tt.wantFile != "" {
				p := filepath.Join(dir, tt.wantFile)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
				require.NoError(t, os.WriteFile(p, []byte("from-file\n"), 0o600))
			}
			path := filepath.Join(dir, "config.toml")
			require.NoError(t, os.WriteFile(path, []byte(tt.doc), 0o600))
			// Load from another working directory, as a service would.
			t.Chdir(t.TempDir())
			c, err := Load(path)
			require.NoError(t, err)
			assert.Equal(t, path, c.File)
			tt.check(t, c)
		})
	}
}

func TestLoad_SecretFromEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(path, []byte(minimal), 0o600))
	t.Setenv("ATLAR_SECRET", "s3cr3t\n")
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "s3cr3t", c.Secret)

	t.Setenv("ATLAR_SECRET", "")
	_, err = Load(path)
	assert.EqualError(t, err, path+":4: atlar.secret_env: environment variable ATLAR_SECRET is not set or empty")
}

func TestLoad_Errors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing.toml"))
	assert.ErrorIs(t, err, fs.ErrNotExist)

	path := filepath.Join(dir, "config.toml")
	require.NoError(t, os.WriteFile(path, []byte(minimal+"[statements]\npoll_interval = \"0s\"\n"), 0o600))
	_, err = Load(path)
	assert.EqualError(t, err, path+`:9: statements.poll_interval: must be > 0 (got "0s")`)
}

// TestLoad_Example loads the shipped example with its secret in the
// environment, as an operator would.
func TestLoad_Example(t *testing.T) {
	t.Setenv("ATLAR_SECRET", "example-secret")
	path := filepath.Join(sharedtest.RepoRoot(t), "config.toml.example")
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, "example-secret", c.Secret)
	assert.Equal(t, filepath.Join(sharedtest.RepoRoot(t), "data"), c.Storage.Root)
	assert.Equal(t, filepath.Join(sharedtest.RepoRoot(t), "data", "hostkeys"), c.SFTP.HostKeyDir)
}

// A secret file others may read is refused like an SFTP host key, naming
// the file, its mode and the chmod that fixes it.
func TestLoad_SecretFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows: ACLs decide")
	}
	tests := []struct {
		mode    fs.FileMode
		wantErr string
	}{
		{mode: 0o600},
		{mode: 0o400},
		{mode: 0o640, wantErr: "has mode 0640: group and others may read it; run: chmod 600 "},
		{mode: 0o644, wantErr: "has mode 0644"},
		{mode: 0o604, wantErr: "has mode 0604"},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			secret := filepath.Join(dir, "secret")
			require.NoError(t, os.WriteFile(secret, []byte("s3cr3t\n"), 0o600))
			require.NoError(t, os.Chmod(secret, tt.mode))
			path := filepath.Join(dir, "config.toml")
			doc := "version = 1\n[atlar]\naccess_key = \"AK\"\nsecret_file = \"secret\"\n[[routes]]\nname = \"payables\"\nformat = \"csv\"\n"
			require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
			c, err := Load(path)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, "s3cr3t", c.Secret)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), path+":4: atlar.secret_file: secret file "+secret+" "+tt.wantErr)
			assert.NotContains(t, err.Error(), "s3cr3t", "the secret is never echoed")
		})
	}
}
