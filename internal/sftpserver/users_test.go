package sftpserver

import (
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

func TestParseAuthorizedKeys(t *testing.T) {
	a, b := newClientKey(t), newClientKey(t)
	line := func(k clientKey, comment string) string {
		return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.pub()))) + " " + comment
	}
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	weakPub, err := ssh.NewPublicKey(&weak.PublicKey)
	require.NoError(t, err)
	cert := &ssh.Certificate{Key: a.pub(), CertType: ssh.UserCert, ValidPrincipals: []string{"erp"}}
	require.NoError(t, cert.SignCert(rand.Reader, b.signer))

	tests := []struct {
		name    string
		lines   []string
		file    string
		want    []ssh.PublicKey
		wantErr string
	}{
		{"inline", []string{line(a, "erp@host"), "", "# rotated 2025", line(b, "erp@new")}, "", []ssh.PublicKey{a.pub(), b.pub()}, ""},
		{"file", nil, "# keys\n" + line(a, "x") + "\n\n" + line(b, "y") + "\n", []ssh.PublicKey{a.pub(), b.pub()}, ""},
		{"inline and file", []string{line(a, "x")}, line(b, "y"), []ssh.PublicKey{a.pub(), b.pub()}, ""},
		{"harmless options", []string{`restrict,command="internal-sftp" ` + line(a, "x")}, "", []ssh.PublicKey{a.pub()}, ""},
		{"from option", []string{`from="10.0.0.1" ` + line(a, "x")}, "", nil, `authorized_keys[0]: unsupported key option "from=\"10.0.0.1\""`},
		{"certificate", []string{string(ssh.MarshalAuthorizedKey(cert))}, "", nil, "certificates are not supported"},
		{"short RSA", []string{string(ssh.MarshalAuthorizedKey(weakPub))}, "", nil, "1024 bits is too short"},
		{"garbage in file", nil, line(a, "x") + "\nssh-ed25519 notbase64\n", nil, ":2: "},
		{"garbage inline", []string{line(a, "x"), "hello"}, "", nil, "authorized_keys[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var path string
			if tt.file != "" {
				path = filepath.Join(t.TempDir(), "authorized_keys")
				require.NoError(t, os.WriteFile(path, []byte(tt.file), 0o600))
			}
			got, err := ParseAuthorizedKeys(tt.lines, path)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, len(tt.want))
			for i := range got {
				assert.Equal(t, tt.want[i].Marshal(), got[i].Marshal())
			}
		})
	}

	_, err = ParseAuthorizedKeys(nil, filepath.Join(t.TempDir(), "missing"))
	require.ErrorContains(t, err, "authorized_keys_file")
}

func TestHashPassword(t *testing.T) {
	t.Parallel() // bcrypt at cost 12 takes seconds under -race
	h, err := HashPassword([]byte("correct horse"))
	require.NoError(t, err)
	cost, err := bcrypt.Cost([]byte(h))
	require.NoError(t, err)
	assert.Equal(t, 12, cost)
	// One comparison only: cost 12 is deliberately slow, more so under -race.
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(h), []byte("correct horse")))
	require.NoError(t, validateUser(User{Name: "erp", PasswordHash: h}))

	_, err = HashPassword(nil)
	require.ErrorContains(t, err, "empty password")
	_, err = HashPassword([]byte(strings.Repeat("x", 73)))
	require.Error(t, err, "bcrypt ignores bytes beyond 72: refuse rather than truncate silently")
}
