package config

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig_ResolveSecret(t *testing.T) {
	const secret = "s3cr3t-VALUE"
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	files := func(content map[string]string) func(string) ([]byte, error) {
		return func(p string) ([]byte, error) {
			c, ok := content[p]
			if !ok {
				return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
			}
			return []byte(c), nil
		}
	}
	none := files(nil)
	tests := []struct {
		name     string
		atlar    string // the [atlar] body, from line 6 (see atlarDoc)
		getenv   func(string) string
		readFile func(string) ([]byte, error)
		want     string
		wantErr  string
		wantIs   error
	}{
		{
			name:     "Env",
			atlar:    "access_key = \"AK\"\nsecret_env = \"ATLAR_SECRET\"\n",
			getenv:   env(map[string]string{"ATLAR_SECRET": secret}),
			readFile: none,
			want:     secret,
		},
		{
			name:     "EnvTrailingNewline",
			atlar:    "access_key = \"AK\"\nsecret_env = \"ATLAR_SECRET\"\n",
			getenv:   env(map[string]string{"ATLAR_SECRET": secret + "\r\n"}),
			readFile: none,
			want:     secret,
		},
		{
			name:     "EnvMissing",
			atlar:    "access_key = \"AK\"\nsecret_env = \"ATLAR_SECRET\"\n",
			getenv:   env(map[string]string{"OTHER": secret}),
			readFile: none,
			wantErr:  "config.toml:7: atlar.secret_env: environment variable ATLAR_SECRET is not set or empty",
		},
		{
			name:     "EnvBlank",
			atlar:    "access_key = \"AK\"\nsecret_env = \"ATLAR_SECRET\"\n",
			getenv:   env(map[string]string{"ATLAR_SECRET": "\n"}),
			readFile: none,
			wantErr:  "config.toml:7: atlar.secret_env: environment variable ATLAR_SECRET is not set or empty",
		},
		{
			name:     "File",
			atlar:    "access_key = \"AK\"\nsecret_file = \"/run/secrets/atlar\"\n",
			getenv:   env(nil),
			readFile: files(map[string]string{"/run/secrets/atlar": secret + "\n"}),
			want:     secret,
		},
		{
			name:     "FileInnerSpaceKept",
			atlar:    "access_key = \"AK\"\nsecret_file = \"/s\"\n",
			getenv:   env(nil),
			readFile: files(map[string]string{"/s": " a b \n\n"}),
			want:     " a b ",
		},
		{
			name:     "FileEmpty",
			atlar:    "access_key = \"AK\"\nsecret_file = \"/s\"\n",
			getenv:   env(nil),
			readFile: files(map[string]string{"/s": "\n"}),
			wantErr:  "config.toml:7: atlar.secret_file: secret file /s is empty",
		},
		{
			name:     "FileMissing",
			atlar:    "access_key = \"AK\"\nsecret_file = \"/s\"\n",
			getenv:   env(map[string]string{"ATLAR_SECRET": secret}),
			readFile: none,
			wantErr:  "config.toml:7: atlar.secret_file: read secret: open /s: file does not exist",
			wantIs:   fs.ErrNotExist,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, atlarDoc(tt.atlar))
			require.NoError(t, err)
			err = c.ResolveSecret(tt.getenv, tt.readFile)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.NotContains(t, err.Error(), secret)
				assert.Empty(t, c.Secret)
				if tt.wantIs != nil {
					assert.True(t, errors.Is(err, tt.wantIs))
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Secret)
			assert.NotContains(t, c.String(), secret)
			assert.NotContains(t, fmtAll(c), secret)
		})
	}
}
