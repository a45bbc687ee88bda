package atlartest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
)

const tokenPath = "/iam/v2beta/oauth2/token"

// oauthError is the OAuth2 error body of the token endpoint (RFC 6749 §5.2).
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// handleToken implements the client-credentials grant with HTTP Basic client
// authentication. Tokens are opaque random strings, not JWTs.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	user, pass, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="atlar"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "client authentication with HTTP Basic is required"})
		return
	}
	if !s.credentialsMatch(user, pass) {
		w.Header().Set("WWW-Authenticate", `Basic realm="atlar"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "client authentication failed"})
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "Content-Type must be application/x-www-form-urlencoded"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "malformed form body"})
		return
	}
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "grant_type is required"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "only client_credentials is supported"})
		return
	}

	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := "fake_" + base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	now := s.clock.Now()
	for t, exp := range s.tokens {
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
	s.tokens[tok] = now.Add(s.opts.TokenTTL)
	s.stats.TokensIssued++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, atlar.TokenResponse{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(s.opts.TokenTTL.Seconds()),
	})
}

// ExpireTokens invalidates every access token issued so far, as if they had
// all expired now.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func (s *Server) credentialsMatch(user, pass string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.AccessKey))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.Secret))
	return u&p == 1
}

// authorized accepts a live Bearer token, or HTTP Basic with the access key
// and secret unless Basic is disabled.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		s.mu.Lock()
		defer s.mu.Unlock()
		exp, ok := s.tokens[strings.TrimSpace(cred)]
		return ok && s.clock.Now().Before(exp)
	case strings.EqualFold(scheme, "Basic"):
		if s.opts.DisableBasic {
			return false
		}
		user, pass, ok := r.BasicAuth()
		return ok && s.credentialsMatch(user, pass)
	}
	return false
}
