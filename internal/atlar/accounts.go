package atlar

import "context"

const (
	accountsPath = "/financial-data/v2/accounts"
	// accountsPageLimit is the API's maximum page size: accounts are read
	// whole to map IBANs to ids, so fewer round trips are better.
	accountsPageLimit = 500
)

// ListAccounts returns every internal account, all pages.
func (c *Client) ListAccounts(ctx context.Context) ([]Account, error) {
	return listAll[Account](ctx, c, accountsPath, accountsPath, nil, accountsPageLimit)
}
