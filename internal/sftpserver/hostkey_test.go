package sftpserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestHostKeys_CreateThenReuse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	first, err := HostKeys(dir)
	require.NoError(t, err)
	require.Len(t, first, 2)
	assert.Equal(t, ssh.KeyAlgoED25519, first[0].PublicKey().Type())
	assert.Equal(t, ssh.KeyAlgoRSA, first[1].PublicKey().Type())
	assert.Equal(t, 3072, rsaBits(first[1].PublicKey()))

	again, err := HostKeys(dir)
	require.NoError(t, err)
	for i := range first {
		assert.Equal(t, first[i].PublicKey().Marshal(), again[i].PublicKey().Marshal())
	}
	pub, err := os.ReadFile(filepath.Join(dir, ed25519HostKeyFile+".pub"))
	require.NoError(t, err)
	assert.Equal(t, string(ssh.MarshalAuthorizedKey(first[0].PublicKey())), string(pub))
}

func TestHostKeys_Refuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"readable by others", func(t *testing.T, dir string) {
			require.NoError(t, os.Chmod(filepath.Join(dir, ed25519HostKeyFile), 0o644))
		}, "readable by others"},
		{"wrong key type", func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(dir, rsaHostKeyFile))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, ed25519HostKeyFile), data, 0o600))
		}, "is ssh-rsa, want ssh-ed25519"},
		{"garbage", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, rsaHostKeyFile), []byte("nope"), 0o600))
		}, rsaHostKeyFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{ed25519HostKeyFile, rsaHostKeyFile} {
				data, err := os.ReadFile(filepath.Join(sharedHostKeyDir, name))
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
			}
			tt.setup(t, dir)
			_, err := HostKeys(dir)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestFingerprints(t *testing.T) {
	signers, err := HostKeys(sharedHostKeyDir)
	require.NoError(t, err)

	lines := Fingerprints(signers, "sftp.example.com:2222")
	require.Len(t, lines, 4)
	assert.Equal(t, ssh.FingerprintSHA256(signers[0].PublicKey())+" (ED25519)", lines[0])
	assert.Equal(t, ssh.FingerprintSHA256(signers[1].PublicKey())+" (RSA)", lines[1])
	assert.True(t, strings.HasPrefix(lines[0], "SHA256:"))
	for i, line := range lines[2:] {
		_, hosts, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
		require.NoError(t, err, line)
		assert.Equal(t, []string{"[sftp.example.com]:2222"}, hosts)
		assert.Equal(t, signers[i].PublicKey().Marshal(), key.Marshal())
	}

	// The lines work as a known_hosts file for that address.
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines[2:], "\n")+"\n"), 0o600))
	check, err := knownhosts.New(path)
	require.NoError(t, err)
	addr := &fakeAddr{"192.0.2.1:2222"}
	require.NoError(t, check("sftp.example.com:2222", addr, signers[1].PublicKey()))

	assert.Len(t, Fingerprints(signers, ""), 2, "no known_hosts lines without an address")
	assert.Equal(t, "[127.0.0.1]:2222 ", Fingerprints(signers, "127.0.0.1:2222")[2][:len("[127.0.0.1]:2222 ")])
	assert.Equal(t, "sftp.example.com ", Fingerprints(signers, "sftp.example.com:22")[2][:len("sftp.example.com ")])
}

type fakeAddr struct{ s string }

func (a *fakeAddr) Network() string { return "tcp" }
func (a *fakeAddr) String() string  { return a.s }
