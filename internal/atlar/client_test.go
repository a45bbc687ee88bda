package atlar

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	ok := Config{AccessKey: testKey, Secret: testSecret}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string
	}{
		{"Defaults", func(*Config) {}, ""},
		{"Basic", func(c *Config) { c.Auth = "BASIC" }, ""},
		{"UnknownAuth", func(c *Config) { c.Auth = "hmac" }, `auth must be "oauth2" or "basic" (got "hmac")`},
		{"NoAccessKey", func(c *Config) { c.AccessKey = "" }, "access key is required"},
		{"NoSecret", func(c *Config) { c.Secret = "" }, "secret is required"},
		{"BadScheme", func(c *Config) { c.BaseURL = "ftp://api.atlar.com" }, "must be http(s)://host"},
		{"NoHost", func(c *Config) { c.BaseURL = "https://" }, "must be http(s)://host"},
		{"CredentialsInURL", func(c *Config) { c.BaseURL = "https://u:" + testSecret + "@api.atlar.com" }, "must not contain credentials"},
		{"Query", func(c *Config) { c.BaseURL = "https://api.atlar.com?x=1" }, "must not have a query"},
		{"NegativeTimeout", func(c *Config) { c.Timeout = -time.Second }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			c, err := New(cfg)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.NotContains(t, err.Error(), testSecret)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, c)
		})
	}

	t.Run("DefaultsApplied", func(t *testing.T) {
		c, err := New(ok)
		require.NoError(t, err)
		assert.Equal(t, DefaultBaseURL, c.base)
		assert.False(t, c.basic)
		assert.Equal(t, DefaultTimeout, c.timeout)
		assert.Equal(t, DefaultMaxRetries, c.maxRetries)
		assert.Equal(t, DefaultBackoffBase, c.retry.Base)
		assert.Equal(t, DefaultBackoffMax, c.retry.Max)
		assert.Equal(t, DefaultRetryBudget, c.budget)
		assert.Equal(t, DefaultTimeout, c.http.Timeout)
	})

	t.Run("BaseURLPrefixKept", func(t *testing.T) {
		cfg := ok
		cfg.BaseURL = "https://proxy.example.com/atlar/"
		c, err := New(cfg)
		require.NoError(t, err)
		assert.Equal(t, "https://proxy.example.com/atlar", c.base)
	})
}

func TestConfig_Redacts(t *testing.T) {
	cfg := Config{BaseURL: "https://api.atlar.com", AccessKey: testKey, Secret: testSecret}
	assert.NotContains(t, fmt.Sprint(cfg), testSecret)
	assert.NotContains(t, fmt.Sprintf("%+v", cfg), testSecret)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "atlar", cfg)
	assert.NotContains(t, buf.String(), testSecret)
	assert.Contains(t, buf.String(), testKey)
}

// TestClient_SecretsNeverLeak drives failure paths with debug logging on and
// checks that neither the secret, the Basic credentials nor a token shows up
// in logs or error text.
func TestClient_SecretsNeverLeak(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(testKey + ":" + testSecret))
	tests := []struct {
		name  string
		auth  string
		token func(w http.ResponseWriter, n int32) // token endpoint behaviour
		api   func(w http.ResponseWriter)
	}{
		{
			name: "TokenOKThenAPIErrors", auth: AuthOAuth2,
			token: func(w http.ResponseWriter, _ int32) {
				fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":299}`, testToken)
			},
			api: func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadRequest) },
		},
		{
			name: "TokenResponseMalformed", auth: AuthOAuth2,
			token: func(w http.ResponseWriter, _ int32) {
				fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":"soon"`, testToken)
			},
		},
		{
			name: "TokenWrongType", auth: AuthOAuth2,
			token: func(w http.ResponseWriter, _ int32) {
				fmt.Fprintf(w, `{"access_token":%q,"token_type":"MAC","expires_in":299}`, testToken)
			},
		},
		{
			name: "TokenEndpointDown", auth: AuthOAuth2,
			token: func(w http.ResponseWriter, _ int32) { w.WriteHeader(http.StatusServiceUnavailable) },
		},
		{
			name: "TokenRejected", auth: AuthOAuth2,
			token: func(w http.ResponseWriter, _ int32) {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":"invalid_client"}`)
			},
		},
		{
			name: "TokenRevokedTwice", auth: AuthOAuth2,
			token: func(w http.ResponseWriter, _ int32) {
				fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":299}`, testToken)
			},
			api: func(w http.ResponseWriter) { w.WriteHeader(http.StatusUnauthorized) },
		},
		{
			name: "BasicExhausted", auth: AuthBasic,
			api: func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tokenCalls atomic.Int32
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == tokenPath {
					tt.token(w, tokenCalls.Add(1))
					return
				}
				tt.api(w)
			}))
			c, logs := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Auth = tt.auth })
			_, err := c.ListAccounts(testCtx(t))
			require.Error(t, err)
			err2 := c.Token(testCtx(t))

			out := logs.String() + err.Error()
			if err2 != nil {
				out += err2.Error()
			}
			require.NotEmpty(t, logs.String(), "debug logging was on")
			for _, s := range []string{testSecret, testToken, basic} {
				assert.False(t, strings.Contains(out, s), "leaked %q in:\n%s", s, out)
			}
		})
	}
}
