package atlar_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
)

// TestClient_FinancialData pages through the fake's short pages (2 items
// with nextToken) and sends the filters the way the fake, like the spec,
// reads them (date[gte] deepObject, balances of account "-").
func TestClient_FinancialData(t *testing.T) {
	srv, url := atlartest.NewTest(t, atlartest.Options{PageSize: 2})
	c, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret"})
	require.NoError(t, err)
	ctx := t.Context()

	all, err := c.ListTransactions(ctx, atlar.TransactionQuery{})
	require.NoError(t, err)
	require.Greater(t, len(all), 2, "more than one page")
	last := all[len(all)-1].Date
	before := srv.Stats().ByEndpoint["GET /financial-data/v2/transactions"]
	recent, err := c.ListTransactions(ctx, atlar.TransactionQuery{AccountID: atlartest.SeedEURAccountID, DateFrom: last})
	require.NoError(t, err)
	require.NotEmpty(t, recent)
	for _, tx := range recent {
		assert.Equal(t, atlartest.SeedEURAccountID, tx.AccountID)
		assert.GreaterOrEqual(t, tx.Date, last)
		assert.NotZero(t, tx.Amount.Value)
	}
	pages := (len(recent) + 1) / 2
	assert.Equal(t, pages, srv.Stats().ByEndpoint["GET /financial-data/v2/transactions"]-before, "one request per page")

	bals, err := c.ListBalances(ctx, atlar.BalanceQuery{})
	require.NoError(t, err)
	require.NotEmpty(t, bals)
	one, err := c.ListBalances(ctx, atlar.BalanceQuery{AccountID: atlartest.SeedEURAccountID, Type: "BOOKED", MostRecent: true})
	require.NoError(t, err)
	require.Len(t, one, 1)
	assert.Equal(t, "EUR", one[0].Amount.Currency)

	_, err = c.ListBalances(ctx, atlar.BalanceQuery{AccountID: "no-such-account"})
	require.ErrorIs(t, err, atlar.ErrNotFound)
}
