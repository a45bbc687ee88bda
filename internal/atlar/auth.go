package atlar

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	tokenPath = "/iam/v2beta/oauth2/token"
	// defaultTokenLifetime is assumed when the token response has no
	// expires_in; a 401 refetches anyway if the guess is too long.
	defaultTokenLifetime = 60 * time.Second
	// maxRefreshMargin is how long before expiry a token is replaced at most;
	// short-lived tokens are replaced after 80% of their lifetime instead.
	maxRefreshMargin = 30 * time.Second
	tokenBodyLimit   = 64 << 10
)

type cachedToken struct {
	value     string
	refreshAt time.Time
}

// errLeaderGone marks a shared token fetch that stopped because the context
// of the caller that started it was cancelled; the other waiters start their
// own fetch instead of failing.
type errLeaderGone struct{ err error }

func (e errLeaderGone) Error() string { return e.err.Error() }
func (e errLeaderGone) Unwrap() error { return e.err }

// Token checks the credentials now (for `bridge doctor`): with OAuth2 it
// fetches a fresh token, with Basic it lists one account.
func (c *Client) Token(ctx context.Context) error {
	if c.basic {
		q := map[string][]string{"limit": {"1"}}
		_, err := c.do(ctx, &call{method: http.MethodGet, path: accountsPath, endpoint: accountsPath, query: q, limit: jsonBodyLimit})
		return err
	}
	c.mu.Lock()
	c.tok = cachedToken{}
	c.mu.Unlock()
	_, err := c.bearer(ctx)
	return err
}

// authorization returns the Authorization header for an API call and the
// token it carries ("" with Basic), so that a 401 can drop exactly that one.
func (c *Client) authorization(ctx context.Context) (header, token string, err error) {
	if c.basic {
		key, secret, _ := c.credentials()
		return basicAuth(key, secret), "", nil
	}
	token, err = c.bearer(ctx)
	if err != nil {
		return "", "", err
	}
	return "Bearer " + token, token, nil
}

// bearer returns a valid cached token or fetches one. Concurrent callers
// share a single fetch per credential generation.
func (c *Client) bearer(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		tok, gen := c.tok, c.gen
		key, secret := c.key, c.secret
		c.mu.Unlock()
		if tok.value != "" && c.clock.Now().Before(tok.refreshAt) {
			return tok.value, nil
		}
		ch := c.flight.DoChan(strconv.FormatUint(gen, 10), func() (any, error) {
			// A fetch that finished between our cache check and this call
			// already left a token: use it instead of fetching again.
			c.mu.Lock()
			cur := c.tok
			same := c.gen == gen
			c.mu.Unlock()
			if same && cur.value != "" && c.clock.Now().Before(cur.refreshAt) {
				return cur.value, nil
			}
			v, err := c.fetchToken(ctx, gen, key, secret)
			if err != nil && ctx.Err() != nil {
				return nil, errLeaderGone{err}
			}
			return v, err
		})
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("atlar token: %w", ctx.Err())
		case r := <-ch:
			var gone errLeaderGone
			if errors.As(r.Err, &gone) {
				if ctx.Err() == nil {
					continue // the caller that started the fetch gave up; we have not
				}
				return "", gone.err
			}
			if r.Err != nil {
				return "", r.Err
			}
			return r.Val.(string), nil
		}
	}
}

// dropToken forgets token after Atlar refused it, unless another caller has
// already replaced it.
func (c *Client) dropToken(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.value == token {
		c.tok = cachedToken{}
	}
}

// fetchToken runs the client-credentials grant. Its response body holds the
// token, so it is never logged and never quoted in errors.
func (c *Client) fetchToken(ctx context.Context, gen uint64, key, secret string) (string, error) {
	start := c.clock.Now() // count the round trip against the lifetime
	resp, err := c.do(ctx, &call{
		method:      http.MethodPost,
		path:        tokenPath,
		endpoint:    tokenPath,
		body:        []byte("grant_type=client_credentials"),
		contentType: "application/x-www-form-urlencoded",
		basicAuth:   basicAuth(key, secret),
		limit:       tokenBodyLimit,
	})
	if err != nil {
		return "", fmt.Errorf("atlar token: %w", err)
	}
	var tr TokenResponse
	if err := json.Unmarshal(resp.body, &tr); err != nil || tr.AccessToken == "" {
		// The body may hold a token: say only that it was unusable.
		return "", &decodeError{what: "token response", status: resp.status, requestID: resp.requestID}
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return "", fmt.Errorf("atlar token: unsupported token type %q", tr.TokenType)
	}
	lifetime := time.Duration(tr.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	margin := min(lifetime/5, maxRefreshMargin)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen { // credentials rotated meanwhile: don't cache the old user's token
		c.tok = cachedToken{value: tr.AccessToken, refreshAt: start.Add(lifetime - margin)}
	}
	return tr.AccessToken, nil
}

func basicAuth(key, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))
}
