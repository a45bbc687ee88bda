package atlar

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClient_ListAccounts_Pagination(t *testing.T) {
	// Short pages that still have a next page, and an empty one in between:
	// only nextToken == "" ends the listing.
	pages := map[string]struct {
		next string
		ids  []string
	}{
		"":   {"p2", []string{"a1", "a2"}},
		"p2": {"p3", nil},
		"p3": {"p4", []string{"a3"}},
		"p4": {"", []string{"a4", "a5"}},
	}
	var (
		mu     sync.Mutex
		tokens []string
	)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		assert.Equal(t, "500", q.Get("limit"), "accounts use the maximum page size")
		mu.Lock()
		tokens = append(tokens, q.Get("token"))
		mu.Unlock()
		p, ok := pages[q.Get("token")]
		if !assert.True(t, ok, "unknown token %q", q.Get("token")) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		accountsPage(t, w, p.next, p.ids...)
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	accs, err := c.ListAccounts(testCtx(t))
	require.NoError(t, err)

	var ids []string
	for _, a := range accs {
		ids = append(ids, a.ID)
	}
	assert.Equal(t, []string{"a1", "a2", "a3", "a4", "a5"}, ids)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"", "p2", "p3", "p4"}, tokens)
}

func TestClient_ListCreditTransfers(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		assert.Equal(t, transfersPath, r.URL.Path)
		assert.Equal(t, "batch-1", q.Get("batchId"))
		assert.Equal(t, "500", q.Get("limit"), "a batch is read in pages of Atlar's maximum")
		if q.Get("token") == "" {
			writeJSON(t, w, http.StatusOK, ListResponse[CreditTransfer]{
				Items: []CreditTransfer{{ID: "p1", Status: "SENT"}}, NextToken: "n1", Limit: 100})
			return
		}
		writeJSON(t, w, http.StatusOK, ListResponse[CreditTransfer]{
			Items: []CreditTransfer{{ID: "p2", Status: PaymentRejected}}, Token: "n1", Limit: 100})
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	ps, err := c.ListCreditTransfers(testCtx(t), "batch-1")
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, "p2", ps[1].ID)
}

func TestClient_ListAccounts_RepeatedToken(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		accountsPage(t, w, "same", "a") // a server stuck on one page
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.ListAccounts(testCtx(t))
	require.ErrorContains(t, err, "repeated page token")
	assert.False(t, Temporary(err))
	assert.EqualValues(t, 2, calls.Load())
}

func TestClient_ListAccounts_TooManyPages(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		accountsPage(t, w, fmt.Sprintf("t%d", n), "a") // a new token forever
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	c.maxPages = 5
	_, err := c.ListAccounts(testCtx(t))
	require.ErrorContains(t, err, "more than 5 pages")
	assert.EqualValues(t, 5, calls.Load())
}

func TestClient_ListAccounts_PageRetried(t *testing.T) {
	// A failure on page 2 retries page 2, with the same token.
	var (
		mu     sync.Mutex
		tokens []string
	)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("token")
		mu.Lock()
		tokens = append(tokens, tok)
		n := len(tokens)
		mu.Unlock()
		switch {
		case tok == "":
			accountsPage(t, w, "p2", "a1")
		case n == 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			accountsPage(t, w, "", "a2")
		}
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	accs, err := c.ListAccounts(testCtx(t))
	require.NoError(t, err)
	assert.Len(t, accs, 2)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"", "p2", "p2"}, tokens)
}
