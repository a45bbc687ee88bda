package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// AlertEmail is [alerts] email: SMTP delivery of alerts.
type AlertEmail struct {
	SMTP         string   `toml:"smtp"` // host:port
	From         string   `toml:"from"`
	To           []string `toml:"to"`
	Username     string   `toml:"username"`
	PasswordEnv  string   `toml:"password_env"`
	PasswordFile string   `toml:"password_file"`
	TLS          string   `toml:"tls"` // starttls (default) | tls | none (loopback only)

	// Password is resolved from password_env or password_file by Load.
	// Not a TOML key; never logged.
	Password string `toml:"-"`
}

// AlertWebhook is [alerts] webhook: a signed JSON POST per alert.
type AlertWebhook struct {
	URL        string `toml:"url"`
	SecretEnv  string `toml:"secret_env"`
	SecretFile string `toml:"secret_file"`

	// Secret is resolved from secret_env or secret_file by Load. Not a
	// TOML key; never logged.
	Secret string `toml:"-"`
}

// Alert email TLS modes.
const (
	SMTPStartTLS = "starttls"
	SMTPTLS      = "tls"
	SMTPNoTLS    = "none"
)

// isLoopbackHost reports whether host (no port) is a loopback name or address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (v *checker) alerts() {
	a := v.c.Alerts
	if e := a.Email; e != nil {
		host, _, err := net.SplitHostPort(e.SMTP)
		if err != nil || host == "" {
			v.fail("alerts.email.smtp", "must be host:port like %q (got %q)", "mail.example.com:587", e.SMTP)
		}
		if !strings.Contains(e.From, "@") {
			v.fail("alerts.email.from", "must be an email address (got %q)", e.From)
		}
		if len(e.To) == 0 {
			v.fail("alerts.email.to", "required: at least one address")
		}
		for _, to := range e.To {
			if !strings.Contains(to, "@") {
				v.fail("alerts.email.to", "must be email addresses (got %q)", to)
			}
		}
		v.oneOf("alerts.email.tls", e.TLS, SMTPStartTLS, SMTPTLS, SMTPNoTLS)
		if e.TLS == SMTPNoTLS && err == nil && !isLoopbackHost(host) {
			v.fail("alerts.email.tls", `"none" is allowed only for a loopback SMTP relay (got %q)`, host)
		}
		v.secretRef("alerts.email.password_env", "alerts.email.password_file", e.PasswordEnv, e.PasswordFile, e.Username != "")
	}
	if w := a.Webhook; w != nil {
		u, err := url.Parse(w.URL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			v.fail("alerts.webhook.url", "must be an https URL like %q (got %q)", "https://hooks.example.com/bridge", w.URL)
		case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
			v.fail("alerts.webhook.url", "must be https: plain http is accepted only for loopback addresses (got %q)", u.Host)
		}
		v.secretRef("alerts.webhook.secret_env", "alerts.webhook.secret_file", w.SecretEnv, w.SecretFile, true)
	}
	if a.MaxPerHour < 0 {
		v.fail("alerts.max_per_hour", "must be >= 0 (got %d)", a.MaxPerHour)
	}
}

// secretRef checks a pair of *_env / *_file keys naming a secret.
func (v *checker) secretRef(envKey, fileKey, env, file string, required bool) {
	switch {
	case env == "" && file == "":
		if required {
			v.fail(envKey, "one of %s or %s is required", envKey, fileKey)
		}
	case env != "" && file != "":
		v.fail(fileKey, "set only one of %s and %s", envKey, fileKey)
	case env != "" && !envNameRE.MatchString(env):
		v.fail(envKey, "must be the name of an environment variable (letters, digits, _), not the secret itself")
	}
}

// resolveAlertSecrets reads the SMTP password and webhook secret like the
// Atlar secret: from the named variable or file, trailing newline dropped.
// Errors name the variable or file, never the secret.
func (c *Config) resolveAlertSecrets(getenv func(string) string, readFile func(string) ([]byte, error)) error {
	read := func(envKey, fileKey, env, file string) (string, error) {
		switch {
		case env != "":
			s := strings.TrimRight(getenv(env), "\r\n")
			if strings.TrimSpace(s) == "" {
				return "", c.errorAt(envKey, fmt.Sprintf("environment variable %s is not set or empty", env))
			}
			return s, nil
		case file != "":
			b, err := readFile(file)
			if err != nil {
				e := c.errorAt(fileKey, fmt.Sprintf("read secret: %v", err))
				e.Err = err
				return "", e
			}
			s := strings.TrimRight(string(b), "\r\n")
			if strings.TrimSpace(s) == "" {
				return "", c.errorAt(fileKey, fmt.Sprintf("secret file %s is empty", file))
			}
			return s, nil
		}
		return "", nil
	}
	var err error
	if e := c.Alerts.Email; e != nil {
		if e.Password, err = read("alerts.email.password_env", "alerts.email.password_file", e.PasswordEnv, e.PasswordFile); err != nil {
			return err
		}
	}
	if w := c.Alerts.Webhook; w != nil {
		if w.Secret, err = read("alerts.webhook.secret_env", "alerts.webhook.secret_file", w.SecretEnv, w.SecretFile); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) normaliseAlerts() {
	if e := c.Alerts.Email; e != nil {
		e.SMTP = strings.TrimSpace(e.SMTP)
		e.From = strings.TrimSpace(e.From)
		trimAll(e.To)
		e.PasswordEnv = strings.TrimSpace(e.PasswordEnv)
		e.PasswordFile = strings.TrimSpace(e.PasswordFile)
		e.TLS = lower(e.TLS)
		if e.TLS == "" {
			e.TLS = SMTPStartTLS
		}
	}
	if w := c.Alerts.Webhook; w != nil {
		w.URL = strings.TrimSpace(w.URL)
		w.SecretEnv = strings.TrimSpace(w.SecretEnv)
		w.SecretFile = strings.TrimSpace(w.SecretFile)
	}
}
