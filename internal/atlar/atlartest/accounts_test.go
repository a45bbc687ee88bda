package atlartest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

func TestServer_Accounts(t *testing.T) {
	f := newFixture(t, Options{})
	all := getAll[atlar.Account](f, "/financial-data/v2/accounts")
	require.Len(t, all, 3)
	assert.Equal(t, f.srv.Accounts(), all)

	byID := map[string]atlar.Account{}
	for _, a := range all {
		byID[a.ID] = a
		assert.Equal(t, SeedThirdPartyID, a.ThirdPartyID, "all accounts are at the demo bank")
	}
	eur := byID[SeedEURAccountID]
	assert.Equal(t, "Operating EUR", eur.Name)
	assert.Equal(t, "EUR", eur.Currency)
	assert.Equal(t, "DE", eur.Market)
	assert.Equal(t, SeedEURIBAN, eur.IBAN())
	assert.Equal(t, SeedEURBIC, eur.BIC())
	gbp := byID[SeedGBPAccountID]
	assert.Equal(t, SeedGBPIBAN, gbp.IBAN())
	assert.Equal(t, SeedGBPBIC, gbp.BIC())
	usd := byID[SeedUSDAccountID]
	assert.Equal(t, "", usd.IBAN())
	assert.Equal(t, []atlar.AccountIdentifier{{Type: "NUMBER", Market: "US", Number: SeedUSDAccountNumber}}, usd.Identifiers)
	assert.Contains(t, usd.Routing, atlar.RoutingIdentifier{Type: "US_ABA", Number: SeedUSDRoutingABA})
	assert.Equal(t, SeedUSDBIC, usd.BIC())

	var one atlar.Account
	f.get("/financial-data/v2/accounts/"+SeedGBPAccountID, &one)
	assert.Equal(t, gbp, one)
	resp, _ := f.do(http.MethodGet, "/financial-data/v2/accounts/00000000-0000-0000-0000-000000000000", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestServer_Accounts_Golden pins the served JSON shape of seed data.
func TestServer_Accounts_Golden(t *testing.T) {
	f := newFixture(t, Options{})
	for name, path := range map[string]string{
		"account_eur.json":          "/financial-data/v2/accounts/" + SeedEURAccountID,
		"external_account_gbp.json": "/payments/v2/external-accounts/" + SeedSupplierExternalAccountID,
		"counterparty_fr.json":      "/payments/v2/counterparties/" + SeedFournisseurCounterpartyID,
		"connections.json":          "/connectivity/v2beta/connections",
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := f.do(http.MethodGet, path, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, body, "", "  "))
			golden(t, name, pretty.Bytes())
		})
	}
}

func TestServer_ExternalAccounts(t *testing.T) {
	f := newFixture(t, Options{})
	type ext struct {
		ID             string                    `json:"id"`
		CounterpartyID string                    `json:"counterpartyId"`
		ExternalID     string                    `json:"externalId"`
		Identifiers    []atlar.AccountIdentifier `json:"identifiers"`
	}
	all := getAll[ext](f, "/payments/v2/external-accounts")
	require.Len(t, all, 2)
	assert.Equal(t, SeedFournisseurIBAN, all[0].Identifiers[0].Number)
	assert.Equal(t, SeedSupplierIBAN, all[1].Identifiers[0].Number)

	tests := []struct{ ref, want string }{
		{SeedFournisseurExternalAccountID, SeedFournisseurExternalAccountID},
		{"external:" + SeedSupplierExternalID, SeedSupplierExternalAccountID},
	}
	for _, tt := range tests {
		var e ext
		f.get("/payments/v2/external-accounts/"+tt.ref, &e)
		assert.Equal(t, tt.want, e.ID)
	}
	resp, _ := f.do(http.MethodGet, "/payments/v2/external-accounts/external:nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestServer_Counterparties(t *testing.T) {
	f := newFixture(t, Options{})
	type cp struct {
		ID        string `json:"id"`
		LegalName string `json:"legalName"`
		Accounts  []struct {
			ID string `json:"id"`
		} `json:"accounts"`
	}
	all := getAll[cp](f, "/payments/v2/counterparties")
	require.Len(t, all, 2)
	assert.Equal(t, "Fournisseur SARL", all[0].LegalName)
	assert.Equal(t, SeedFournisseurExternalAccountID, all[0].Accounts[0].ID)
	assert.Equal(t, "Supplier Ltd", all[1].LegalName)

	var one cp
	f.get("/payments/v2/counterparties/external:supplier-ltd", &one)
	assert.Equal(t, SeedSupplierCounterpartyID, one.ID)
	resp, body := f.do(http.MethodGet, "/payments/v2/counterparties/nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	var er atlar.ErrorResponse
	require.NoError(t, json.Unmarshal(body, &er))
	assert.Equal(t, 404, er.Status)
}
