package atlartest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

func TestServer_Paging_ShortPages(t *testing.T) {
	f := newFixture(t, Options{})

	// A client that stops when a page is shorter than its limit sees only
	// the first page.
	var first atlar.ListResponse[atlar.Account]
	f.get("/financial-data/v2/accounts?limit=100", &first)
	require.Len(t, first.Items, 2, "short page: PageSize caps it")
	assert.Equal(t, 100, first.Limit, "limit is echoed")
	assert.Equal(t, "", first.Token)
	require.NotEmpty(t, first.NextToken, "a short page still has a nextToken")
	naive := len(first.Items) // len(items) < limit: a naive client stops here

	all := getAll[atlar.Account](f, "/financial-data/v2/accounts?limit=100")
	require.Len(t, all, 3)
	assert.Less(t, naive, len(all), "a naive client misses items")
	assert.Equal(t, []string{SeedEURAccountID, SeedGBPAccountID, SeedUSDAccountID},
		[]string{all[0].ID, all[1].ID, all[2].ID})

	// The last page has nextToken "" (present, not omitted) and echoes the token.
	resp, body := f.do(http.MethodGet, "/financial-data/v2/accounts?token="+url.QueryEscape(first.NextToken), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"nextToken":""`)
	var last atlar.ListResponse[atlar.Account]
	require.NoError(t, json.Unmarshal(body, &last))
	assert.Equal(t, first.NextToken, last.Token)
	assert.Len(t, last.Items, 1)
}

func TestServer_Paging_Limit(t *testing.T) {
	tests := []struct {
		limit     int
		pageSizes []int
	}{
		{1, []int{1, 1, 1}},
		{2, []int{2, 1}},
		{500, []int{2, 1}},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.limit), func(t *testing.T) {
			f := newFixture(t, Options{})
			var sizes []int
			token := ""
			for {
				var page atlar.ListResponse[atlar.Account]
				f.get("/financial-data/v2/accounts?limit="+strconv.Itoa(tt.limit)+"&token="+url.QueryEscape(token), &page)
				sizes = append(sizes, len(page.Items))
				if page.NextToken == "" {
					break
				}
				token = page.NextToken
			}
			assert.Equal(t, tt.pageSizes, sizes)
		})
	}
}

func TestServer_Paging_PageSizeOption(t *testing.T) {
	f := newFixture(t, Options{PageSize: 100})
	var page atlar.ListResponse[atlar.Account]
	f.get("/financial-data/v2/accounts", &page)
	assert.Len(t, page.Items, 3)
	assert.Equal(t, "", page.NextToken)
}

func TestServer_Paging_BadInput(t *testing.T) {
	tests := []struct{ name, query, field string }{
		{"LimitZero", "limit=0", "limit"},
		{"LimitTooBig", "limit=501", "limit"},
		{"LimitNotNumber", "limit=ten", "limit"},
		{"TokenGarbage", "token=%21%21", "token"},
		{"TokenOtherList", "token=" + url.QueryEscape(encodePageToken(pageToken{Path: "/payments/v2/counterparties", Offset: 1})), "token"},
		{"TokenPastEnd", "token=" + url.QueryEscape(encodePageToken(pageToken{Path: "/financial-data/v2/accounts", Offset: 9})), "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			resp, body := f.do(http.MethodGet, "/financial-data/v2/accounts?"+tt.query, nil)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
			var er atlar.ErrorResponse
			require.NoError(t, json.Unmarshal(body, &er))
			require.Len(t, er.Details, 1)
			assert.Equal(t, tt.field, er.Details[0].Field)
		})
	}
}

func TestServer_Paging_EmptyList(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(http.MethodGet, batchesPath, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, strings.HasPrefix(string(body), `{"items":[],"nextToken":"","token":"","limit":100}`), "%s", body)
}
