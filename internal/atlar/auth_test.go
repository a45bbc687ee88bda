package atlar

import (
	"context"
	"encoding/base64"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func oauthClient(t *testing.T, ts *tokenServer, mod func(*Config)) (*Client, *sharedtest.LogBuffer) {
	t.Helper()
	ts.t = t
	srv := newServer(t, ts)
	return newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Auth = AuthOAuth2
		if mod != nil {
			mod(cfg)
		}
	})
}

func TestClient_Token(t *testing.T) {
	t.Run("OAuth2FetchesAndUsesBearer", func(t *testing.T) {
		var seen atomic.Value
		ts := &tokenServer{expiresIn: 299, api: func(w http.ResponseWriter, r *http.Request) {
			seen.Store(r.Header.Get("Authorization"))
			accountsPage(t, w, "", "acc-1")
		}}
		c, _ := oauthClient(t, ts, nil)
		require.NoError(t, c.Token(testCtx(t)))
		assert.EqualValues(t, 1, ts.calls.Load())

		accs, err := c.ListAccounts(testCtx(t))
		require.NoError(t, err)
		require.Len(t, accs, 1)
		assert.Equal(t, "Bearer "+testToken+"-1", seen.Load())
		assert.EqualValues(t, 1, ts.calls.Load(), "cached token reused")
	})

	t.Run("OAuth2ForcesFreshToken", func(t *testing.T) {
		ts := &tokenServer{expiresIn: 299}
		c, _ := oauthClient(t, ts, nil)
		require.NoError(t, c.Token(testCtx(t)))
		require.NoError(t, c.Token(testCtx(t)))
		assert.EqualValues(t, 2, ts.calls.Load())
	})

	t.Run("OAuth2BadCredentialsIsFinal", func(t *testing.T) {
		ts := &tokenServer{expiresIn: 299}
		c, _ := oauthClient(t, ts, func(cfg *Config) { cfg.Secret = "wrong-secret" })
		err := c.Token(testCtx(t))
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusUnauthorized, ae.Status)
		assert.Equal(t, "invalid_client: Client authentication failed.", ae.Message)
		assert.False(t, Temporary(err))
		assert.NotContains(t, err.Error(), "wrong-secret")
	})

	t.Run("BasicListsOneAccount", func(t *testing.T) {
		var calls atomic.Int32
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			assert.Equal(t, accountsPath, r.URL.Path)
			assert.Equal(t, "1", r.URL.Query().Get("limit"))
			accountsPage(t, w, "", "acc-1")
		}))
		c, _ := newTestClient(t, srv.URL, nil)
		require.NoError(t, c.Token(testCtx(t)))
		assert.EqualValues(t, 1, calls.Load())
	})
}

func TestClient_Bearer(t *testing.T) {
	t.Run("RefreshedBeforeExpiry", func(t *testing.T) {
		clock := newRecordingClock()
		ts := &tokenServer{expiresIn: 100, api: func(w http.ResponseWriter, r *http.Request) {
			accountsPage(t, w, "")
		}}
		c, _ := oauthClient(t, ts, func(cfg *Config) { cfg.Clock = clock })
		ctx := testCtx(t)

		_, err := c.ListAccounts(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 1, ts.calls.Load())

		// 100s lifetime: replaced after 80s (20% margin, under the 30s cap).
		clock.Advance(79 * time.Second)
		_, err = c.ListAccounts(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 1, ts.calls.Load(), "still fresh at 79s")

		clock.Advance(2 * time.Second)
		_, err = c.ListAccounts(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 2, ts.calls.Load(), "refetched at 81s")
	})

	t.Run("LongLivedTokenRefreshed30sBefore", func(t *testing.T) {
		clock := newRecordingClock()
		ts := &tokenServer{expiresIn: 3600, api: func(w http.ResponseWriter, r *http.Request) { accountsPage(t, w, "") }}
		c, _ := oauthClient(t, ts, func(cfg *Config) { cfg.Clock = clock })
		ctx := testCtx(t)
		_, err := c.ListAccounts(ctx)
		require.NoError(t, err)
		clock.Advance(3569 * time.Second)
		_, err = c.ListAccounts(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 1, ts.calls.Load())
		clock.Advance(2 * time.Second)
		_, err = c.ListAccounts(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 2, ts.calls.Load())
	})

	t.Run("401RefetchesOnceAndRetries", func(t *testing.T) {
		var apiCalls atomic.Int32
		ts := &tokenServer{expiresIn: 299, api: func(w http.ResponseWriter, r *http.Request) {
			apiCalls.Add(1)
			accountsPage(t, w, "", "acc-1")
		}}
		ts.reject = map[string]bool{testToken + "-1": true} // revoked right after issue
		c, _ := oauthClient(t, ts, nil)

		accs, err := c.ListAccounts(testCtx(t))
		require.NoError(t, err)
		assert.Len(t, accs, 1)
		assert.EqualValues(t, 2, ts.calls.Load())
		assert.EqualValues(t, 1, apiCalls.Load(), "the refused attempt never reached the handler")
	})

	t.Run("Second401IsFinal", func(t *testing.T) {
		ts := &tokenServer{expiresIn: 299}
		ts.reject = map[string]bool{testToken + "-1": true, testToken + "-2": true, testToken + "-3": true}
		c, _ := oauthClient(t, ts, nil)

		_, err := c.ListAccounts(testCtx(t))
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusUnauthorized, ae.Status)
		assert.False(t, Temporary(err))
		assert.EqualValues(t, 2, ts.calls.Load(), "one refetch, not a loop")
	})

	t.Run("ConcurrentCallersShareOneFetch", func(t *testing.T) {
		ts := &tokenServer{expiresIn: 299, hold: make(chan struct{}), api: func(w http.ResponseWriter, r *http.Request) {
			accountsPage(t, w, "")
		}}
		c, _ := oauthClient(t, ts, nil)
		ctx := testCtx(t)

		const n = 8
		var started, done sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			started.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				started.Done()
				_, err := c.ListAccounts(ctx)
				errs <- err
			}()
		}
		started.Wait()
		close(ts.hold)
		done.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.EqualValues(t, 1, ts.calls.Load())
	})

	t.Run("CancelledLeaderDoesNotFailWaiters", func(t *testing.T) {
		ts := &tokenServer{expiresIn: 299, hold: make(chan struct{}), entered: make(chan struct{}, 1),
			api: func(w http.ResponseWriter, r *http.Request) { accountsPage(t, w, "") }}
		c, _ := oauthClient(t, ts, nil)
		ctxA, cancelA := context.WithCancel(testCtx(t))
		a := goCall(func() ([]Account, error) { return c.ListAccounts(ctxA) })
		<-ts.entered // A's fetch is in flight
		b := goCall(func() ([]Account, error) { return c.ListAccounts(testCtx(t)) })
		cancelA()
		require.ErrorIs(t, wait(t, a).err, context.Canceled)
		close(ts.hold)
		require.NoError(t, wait(t, b).err, "B fetches its own token instead of inheriting A's cancellation")
	})

	t.Run("SetCredentialsDropsToken", func(t *testing.T) {
		ts := &tokenServer{expiresIn: 299, api: func(w http.ResponseWriter, r *http.Request) { accountsPage(t, w, "") }}
		c, _ := oauthClient(t, ts, nil)
		ctx := testCtx(t)
		_, err := c.ListAccounts(ctx)
		require.NoError(t, err)

		c.SetCredentials(testKey, "rotated-secret")
		_, err = c.ListAccounts(ctx)
		var ae *APIError
		require.ErrorAs(t, err, &ae, "the new (wrong) secret is used at once")
		assert.Equal(t, http.StatusUnauthorized, ae.Status)

		c.SetCredentials(testKey, testSecret)
		_, err = c.ListAccounts(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 2, ts.calls.Load())
	})
}

func TestClient_BasicAuth(t *testing.T) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":"+testSecret))
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		assert.NotEqual(t, tokenPath, r.URL.Path, "basic auth never asks for a token")
		assert.Equal(t, want, r.Header.Get("Authorization"))
		accountsPage(t, w, "")
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	for range 3 {
		_, err := c.ListAccounts(testCtx(t))
		require.NoError(t, err)
	}
	assert.EqualValues(t, 3, calls.Load())
}
