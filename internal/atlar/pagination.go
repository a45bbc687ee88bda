package atlar

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

const (
	pageLimit = 100
	// batchPageLimit is the page of a batch's results and payments,
	// Atlar's maximum: a poll reads every open batch of a file, and a file
	// of 50k payments at 100 a page took 500 requests a poll.
	batchPageLimit = 500
	// maxPages stops a listing whose server never says it is done.
	maxPages = 10_000
)

// listAll fetches every page of a ListResponse endpoint. It follows
// nextToken until it is "" — a short page may still have a next one — and
// fails on a token it has already followed, which would loop forever.
func listAll[T any](ctx context.Context, c *Client, path, endpoint string, query url.Values, limit int) ([]T, error) {
	var (
		all  []T
		seen = map[string]bool{}
		tok  string
	)
	for page := 1; ; page++ {
		if page > c.maxPages {
			return nil, fmt.Errorf("atlar GET %s: more than %d pages", path, c.maxPages)
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(limit))
		if tok != "" {
			q.Set("token", tok)
		}
		cl := &call{method: http.MethodGet, path: path, endpoint: endpoint, query: q, limit: jsonBodyLimit}
		resp, err := c.do(ctx, cl)
		if err != nil {
			return nil, err
		}
		var lr ListResponse[T]
		if err := decode(cl, resp, &lr); err != nil {
			return nil, err
		}
		all = append(all, lr.Items...)
		if lr.NextToken == "" {
			return all, nil
		}
		if seen[lr.NextToken] {
			return nil, fmt.Errorf("atlar GET %s: server repeated page token on page %d (request-id %q)", path, page, resp.requestID)
		}
		seen[lr.NextToken] = true
		tok = lr.NextToken
	}
}
