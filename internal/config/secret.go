package config

import (
	"fmt"
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
