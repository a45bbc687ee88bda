package atlartest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// token fetches an access token with the default credentials.
func (f *fixture) token() string {
	f.t.Helper()
	resp, body := f.do(http.MethodPost, tokenPath, []byte("grant_type=client_credentials"),
		"Content-Type", "application/x-www-form-urlencoded")
	require.Equal(f.t, http.StatusOK, resp.StatusCode, "%s", body)
	var tr atlar.TokenResponse
	require.NoError(f.t, json.Unmarshal(body, &tr))
	return tr.AccessToken
}

func TestServer_Token(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(http.MethodPost, tokenPath, []byte("grant_type=client_credentials"),
		"Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var tr atlar.TokenResponse
	require.NoError(t, json.Unmarshal(body, &tr))
	assert.NotEmpty(t, tr.AccessToken)
	assert.Equal(t, "Bearer", tr.TokenType)
	assert.EqualValues(t, 300, tr.ExpiresIn)
	assert.Equal(t, 1, f.srv.Stats().TokensIssued)

	resp, _ = f.do(http.MethodGet, "/financial-data/v2/accounts", nil, "Authorization", "Bearer "+tr.AccessToken)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestServer_Token_Errors(t *testing.T) {
	tests := []struct {
		name        string
		auth        string
		contentType string
		body        string
		status      int
		oauthError  string
	}{
		{"WrongSecret", basicHeader("demo-key", "nope"), "application/x-www-form-urlencoded", "grant_type=client_credentials", 401, "invalid_client"},
		{"WrongKey", basicHeader("other", "demo-secret"), "application/x-www-form-urlencoded", "grant_type=client_credentials", 401, "invalid_client"},
		{"NoBasic", "Bearer x", "application/x-www-form-urlencoded", "grant_type=client_credentials", 401, "invalid_client"},
		{"NoGrant", basicHeader("demo-key", "demo-secret"), "application/x-www-form-urlencoded", "", 400, "invalid_request"},
		{"OtherGrant", basicHeader("demo-key", "demo-secret"), "application/x-www-form-urlencoded", "grant_type=password", 400, "unsupported_grant_type"},
		{"JSONBody", basicHeader("demo-key", "demo-secret"), "application/json", `{"grant_type":"client_credentials"}`, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			resp, body := f.do(http.MethodPost, tokenPath, []byte(tt.body), "Authorization", tt.auth, "Content-Type", tt.contentType)
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			var oe oauthError
			require.NoError(t, json.Unmarshal(body, &oe))
			assert.Equal(t, tt.oauthError, oe.Error)
			assert.NotEmpty(t, oe.ErrorDescription)
			assert.Zero(t, f.srv.Stats().TokensIssued)
		})
	}
}

func TestServer_Token_Expiry(t *testing.T) {
	f := newFixture(t, Options{TokenTTL: 60 * time.Second})
	tok := f.token()
	bearer := "Bearer " + tok

	f.clock.Advance(59 * time.Second)
	resp, _ := f.do(http.MethodGet, "/financial-data/v2/accounts", nil, "Authorization", bearer)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	f.clock.Advance(time.Second)
	resp, body := f.do(http.MethodGet, "/financial-data/v2/accounts", nil, "Authorization", bearer)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	var er atlar.ErrorResponse
	require.NoError(t, json.Unmarshal(body, &er))
	assert.Equal(t, 401, er.Status)

	// A fresh token works; ExpireTokens kills it at once.
	bearer = "Bearer " + f.token()
	resp, _ = f.do(http.MethodGet, "/financial-data/v2/accounts", nil, "Authorization", bearer)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	f.srv.ExpireTokens()
	resp, _ = f.do(http.MethodGet, "/financial-data/v2/accounts", nil, "Authorization", bearer)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestServer_Auth(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		auth   string
		status int
	}{
		{"Basic", Options{}, basicHeader("demo-key", "demo-secret"), 200},
		{"BasicCustomCredentials", Options{AccessKey: "k", Secret: "s"}, basicHeader("k", "s"), 200},
		{"BasicWrongSecret", Options{}, basicHeader("demo-key", "x"), 401},
		{"BasicDisabled", Options{DisableBasic: true}, basicHeader("demo-key", "demo-secret"), 401},
		{"UnknownBearer", Options{}, "Bearer not-a-token", 401},
		{"NoAuthorization", Options{}, "", 401},
		{"OtherScheme", Options{}, "Digest x", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			req, err := http.NewRequest(http.MethodGet, f.base+"/financial-data/v2/accounts", nil)
			require.NoError(t, err)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := f.hc.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.NotEmpty(t, resp.Header.Get("Request-Id"))
			if tt.status == 401 {
				assert.Equal(t, 1, f.srv.Stats().Unauthorized)
			}
		})
	}
}

func TestServer_Auth_BearerWithBasicDisabled(t *testing.T) {
	f := newFixture(t, Options{DisableBasic: true})
	tok := f.token() // the token endpoint itself still takes Basic
	resp, _ := f.do(http.MethodGet, "/financial-data/v2/accounts", nil, "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestServer_RequestID(t *testing.T) {
	f := newFixture(t, Options{})
	seen := map[string]bool{}
	for _, path := range []string{"/financial-data/v2/accounts", "/nope", "/financial-data/v2/accounts/missing"} {
		resp, body := f.do(http.MethodGet, path, nil)
		id := resp.Header.Get("Request-Id")
		require.NotEmpty(t, id, path)
		assert.False(t, seen[id], "request id %s repeated", id)
		seen[id] = true
		if resp.StatusCode == http.StatusNotFound {
			var er atlar.ErrorResponse
			require.NoError(t, json.Unmarshal(body, &er), "%s", body)
			assert.Equal(t, atlar.ErrorResponse{Status: 404, Message: msgNotFound}, er)
		}
	}
	resp, body := f.do(http.MethodDelete, "/financial-data/v2/accounts", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.True(t, strings.Contains(string(body), `"status":405`), "%s", body)
	assert.Equal(t, 2, f.srv.Stats().ByEndpoint["unmatched"], "/nope and DELETE")
}
