package sftpserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Host key file names follow OpenSSH's so operators recognise them.
const (
	ed25519HostKeyFile = "ssh_host_ed25519_key"
	rsaHostKeyFile     = "ssh_host_rsa_key"
	rsaHostKeyBits     = 3072
	minRSABits         = 2048
)

// HostKeys loads the server's host keys from dir, generating those that are
// missing: an ed25519 key and a 3072-bit RSA key, written in OpenSSH format
// with mode 0600 (and dir 0700). Once written a key is reused for ever, so
// the fingerprint the ERP pinned stays valid across restarts. A key file
// readable by group or others is refused, as sshd does.
func HostKeys(dir string) ([]ssh.Signer, error) {
	if dir == "" {
		return nil, errors.New("host keys: no directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("host keys: %w", err)
	}
	ed, err := loadOrCreateHostKey(filepath.Join(dir, ed25519HostKeyFile), ssh.KeyAlgoED25519, newED25519Key)
	if err != nil {
		return nil, err
	}
	rs, err := loadOrCreateHostKey(filepath.Join(dir, rsaHostKeyFile), ssh.KeyAlgoRSA, newRSAKey)
	if err != nil {
		return nil, err
	}
	return []ssh.Signer{ed, rs}, nil
}

func newED25519Key() (any, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, err
}

func newRSAKey() (any, error) { return rsa.GenerateKey(rand.Reader, rsaHostKeyBits) }

func loadOrCreateHostKey(path, keyType string, generate func() (any, error)) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return parseHostKey(path, keyType, data)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	priv, err := generate()
	if err != nil {
		return nil, fmt.Errorf("generate host key %s: %w", path, err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "atlar-bridge host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key %s: %w", path, err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, fmt.Errorf("write host key: %w", err)
	}
	// The .pub file is a convenience for operators; the private key is what counts.
	pub := ssh.MarshalAuthorizedKey(signer.PublicKey())
	if err := writeFileAtomic(path+".pub", pub, 0o644); err != nil {
		return nil, fmt.Errorf("write host key: %w", err)
	}
	return signer, nil
}

func parseHostKey(path, keyType string, data []byte) (ssh.Signer, error) {
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("host key %s: %w", path, err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("host key %s: mode %04o is readable by others (want 0600)", path, fi.Mode().Perm())
		}
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	if got := signer.PublicKey().Type(); got != keyType {
		return nil, fmt.Errorf("host key %s: is %s, want %s", path, got, keyType)
	}
	if bits := rsaBits(signer.PublicKey()); bits != 0 && bits < minRSABits {
		return nil, fmt.Errorf("host key %s: RSA key of %d bits is too short (want >= %d)", path, bits, minRSABits)
	}
	return signer, nil
}

// rsaBits returns the modulus size of an RSA key, 0 for other key types.
func rsaBits(k ssh.PublicKey) int {
	ck, ok := k.(ssh.CryptoPublicKey)
	if !ok {
		return 0
	}
	if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok {
		return rk.N.BitLen()
	}
	return 0
}

// writeFileAtomic writes data to a temp file in the same folder, syncs it and
// renames it into place, so a crash never leaves a truncated key behind.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Fingerprints describes host keys for an ERP's known-hosts: one
// "SHA256:… (ED25519)" line per key, then, when hostPort is not empty, one
// known_hosts line per key for that address (e.g. "[sftp.example]:2222 ssh-ed25519 AAAA…").
func Fingerprints(signers []ssh.Signer, hostPort string) []string {
	out := make([]string, 0, 2*len(signers))
	for _, s := range signers {
		out = append(out, fmt.Sprintf("%s (%s)", ssh.FingerprintSHA256(s.PublicKey()), keyLabel(s.PublicKey())))
	}
	if hostPort == "" {
		return out
	}
	for _, s := range signers {
		out = append(out, knownhosts.Line([]string{knownhosts.Normalize(hostPort)}, s.PublicKey()))
	}
	return out
}

// keyLabel names a key type the way ssh-keygen -l does.
func keyLabel(k ssh.PublicKey) string {
	switch k.Type() {
	case ssh.KeyAlgoED25519:
		return "ED25519"
	case ssh.KeyAlgoRSA:
		return "RSA"
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		return "ECDSA"
	default:
		return strings.ToUpper(k.Type())
	}
}
