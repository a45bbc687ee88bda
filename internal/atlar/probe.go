package atlar

import (
	"context"
	"net/http"
	"net/url"
)

// Probe reads one item of a list endpoint and throws it away: a read-only
// way to learn whether the programmatic user's role may use the endpoint
// (`bridge doctor --online`). path is below the base URL, e.g.
// "/payments/v2/counterparties"; a 403 comes back as an *APIError.
func (c *Client) Probe(ctx context.Context, path string) error {
	_, err := c.do(ctx, &call{method: http.MethodGet, path: path, endpoint: path, query: url.Values{"limit": {"1"}}, limit: 8 << 20})
	return err
}
