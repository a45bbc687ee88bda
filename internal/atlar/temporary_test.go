package atlar_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClient_FakeDownGivesUpFast runs the client as the bridge configures
// it (defaults, real clock, OAuth2) against the fake answering 503 to
// everything: the call comes back within the retry budget (measured, with
// slack for a loaded machine; it used to take minutes) as a temporary
// error, after a few requests.
func TestClient_FakeDownGivesUpFast(t *testing.T) {
	fake, url := atlartest.NewTest(t, atlartest.Options{})
	fake.Down(true)
	c, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	start := time.Now()
	_, err = c.ListAccounts(ctx)
	took := time.Since(start)

	require.ErrorIs(t, err, atlar.ErrTemporary)
	require.NoError(t, ctx.Err())
	var te *atlar.TemporaryError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, http.StatusServiceUnavailable, te.Status)
	assert.LessOrEqual(t, took, atlar.DefaultRetryBudget+10*time.Second)
	assert.Equal(t, atlar.DefaultMaxRetries+1, fake.Stats().Requests, "the token fetch, a few times")
	t.Logf("gave up after %s and %d requests", took, fake.Stats().Requests)
}
