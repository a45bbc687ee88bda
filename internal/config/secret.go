package config

import (
	"fmt"
	"io/fs"
	"runtime"
	"strings"
)

// ResolveSecret reads the Atlar secret into c.Secret from the environment
// variable named by atlar.secret_env, or from the file atlar.secret_file,
// dropping the trailing newline an editor or `echo` leaves. An empty secret
// is an error. Errors name the variable or file, never the secret.
// getenv and readFile are os.Getenv and os.ReadFile outside tests.
func (c *Config) ResolveSecret(getenv func(string) string, readFile func(string) ([]byte, error)) error {
	a := c.Atlar
	switch {
	case a.SecretEnv != "":
		s := strings.TrimRight(getenv(a.SecretEnv), "\r\n")
		if strings.TrimSpace(s) == "" {
			return c.errorAt("atlar.secret_env", fmt.Sprintf("environment variable %s is not set or empty", a.SecretEnv))
		}
		c.Secret = s
	case a.SecretFile != "":
		b, err := readFile(a.SecretFile)
		if err != nil {
			e := c.errorAt("atlar.secret_file", fmt.Sprintf("read secret: %v", err))
			e.Err = err
			return e
		}
		s := strings.TrimRight(string(b), "\r\n")
		if strings.TrimSpace(s) == "" {
			return c.errorAt("atlar.secret_file", fmt.Sprintf("secret file %s is empty", a.SecretFile))
		}
		c.Secret = s
	default:
		return c.errorAt("atlar.secret_env", "one of atlar.secret_env or atlar.secret_file is required")
	}
	return nil
}

// checkSecretFileMode refuses an atlar.secret_file that group or others may
// read, as the SFTP host keys are refused: on a packaged install the
// atlar-bridge group holds the ERP's users, who must not get the Atlar
// secret. Windows has no such mode bits (ACLs decide there), so it is not
// checked there.
func (c *Config) checkSecretFileMode(stat func(string) (fs.FileInfo, error)) error {
	if c.Atlar.SecretFile == "" || runtime.GOOS == "windows" {
		return nil
	}
	fi, err := stat(c.Atlar.SecretFile)
	if err != nil {
		return nil // ResolveSecret reports an unreadable file with its cause
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return c.errorAt("atlar.secret_file", fmt.Sprintf(
			"secret file %s has mode %04o: group and others may read it; run: chmod 600 %s (owned by the user the bridge runs as)",
			c.Atlar.SecretFile, perm, c.Atlar.SecretFile))
	}
	return nil
}
