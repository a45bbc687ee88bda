package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfig_Alerts(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string // substrings of the error; none: valid
	}{
		{"both channels", `[alerts]
email = { smtp = "mail.example.com:587", from = "bridge@example.com", to = ["t@example.com"], username = "u", password_env = "SMTP_PASSWORD" }
webhook = { url = "https://hooks.example.com/bridge", secret_env = "HOOK" }
`, nil},
		{"loopback http and no tls", `[alerts]
email = { smtp = "127.0.0.1:25", from = "b@example.com", to = ["t@example.com"], tls = "none" }
webhook = { url = "http://127.0.0.1:9000/h", secret_file = "hook.secret" }
`, nil},
		{"plain http beyond loopback", `[alerts]
webhook = { url = "http://hooks.example.com/h", secret_env = "HOOK" }
`, []string{"config.toml:9: alerts.webhook.url", "plain http is accepted only for loopback"}},
		{"no tls beyond loopback", `[alerts]
email = { smtp = "mail.example.com:25", from = "b@example.com", to = ["t@example.com"], tls = "none" }
`, []string{"alerts.email.tls", "loopback"}},
		{"bad tls", `[alerts]
email = { smtp = "mail.example.com:25", from = "b@example.com", to = ["t@example.com"], tls = "ssl" }
`, []string{"alerts.email.tls"}},
		{"webhook without secret", `[alerts]
webhook = { url = "https://h.example.com/" }
`, []string{"alerts.webhook.secret_env", "required"}},
		{"password pasted into password_env", `[alerts]
email = { smtp = "m.example.com:587", from = "b@example.com", to = ["t@example.com"], username = "u", password_env = "hunter2!x" }
`, []string{"alerts.email.password_env", "not the secret itself"}},
		{"no recipients", `[alerts]
email = { smtp = "m.example.com:587", from = "b@example.com" }
`, []string{"alerts.email.to"}},
		{"unknown key", `[alerts]
webhook = { url = "https://h.example.com/", secret_env = "H", sekret = "x" }
`, []string{"sekret"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, minimal+tc.doc)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestConfig_AlertSecrets(t *testing.T) {
	c, err := parse(t, minimal+`[alerts]
email = { smtp = "m.example.com:587", from = "b@example.com", to = ["t@example.com"], username = "u", password_file = "/etc/smtp.pw" }
webhook = { url = "https://h.example.com/", secret_env = "HOOK" }
`)
	require.NoError(t, err)
	require.Equal(t, SMTPStartTLS, c.Alerts.Email.TLS, "STARTTLS by default")
	env := map[string]string{"HOOK": "whsec\n"}
	files := map[string]string{"/etc/smtp.pw": "pw-123\r\n"}
	read := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, errors.New("no such file")
	}
	require.NoError(t, c.resolveAlertSecrets(func(k string) string { return env[k] }, read))
	require.Equal(t, "pw-123", c.Alerts.Email.Password)
	require.Equal(t, "whsec", c.Alerts.Webhook.Secret)

	env["HOOK"] = ""
	err = c.resolveAlertSecrets(func(k string) string { return env[k] }, read)
	require.Error(t, err)
	require.Contains(t, err.Error(), "alerts.webhook.secret_env")
	require.Contains(t, err.Error(), "HOOK")
	require.False(t, strings.Contains(err.Error(), "pw-123"))
}
