package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/config"
)

// Per route kind, the permissions doctor --online probes: collections
// (pain.008 or a direct-debit CSV) need mandates, direct debits,
// counterparties and external accounts; a counterparties CSV only the last
// two; neither needs the transfer permissions.
func TestNeededPermissions_RouteKinds(t *testing.T) {
	collections := []string{"mandates:read", "direct_debits:read", "external_accounts:read", "counterparties:read"}
	tests := []struct {
		name   string
		routes []config.Route
		want   []string
	}{
		{"pain008", []config.Route{{Format: config.FormatPain008}}, collections},
		{"direct_debits", []config.Route{{Format: "csv", Kind: config.KindDirectDebits}}, collections},
		{"counterparties", []config.Route{{Format: "csv", Kind: config.KindCounterparties}}, []string{"external_accounts:read", "counterparties:read"}},
		{"counterparties and direct_debits", []config.Route{{Format: "csv", Kind: config.KindCounterparties}, {Format: "csv", Kind: config.KindDirectDebits}}, collections},
		{"payments", []config.Route{{Format: "csv", Kind: config.KindPayments}}, []string{"credit_transfers:read", "external_accounts:read", "counterparties:read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range neededPermissions(&config.Config{Routes: tt.routes}, nil) {
				if p.name == "accounts:read" {
					continue // every config needs it
				}
				got = append(got, p.name)
				if tt.name != "payments" { // transfers only read parties
					assert.NotEmpty(t, p.writeOnly, "%s: the write permission is named", p.name)
				}
			}
			assert.ElementsMatch(t, tt.want, got)
		})
	}
}

// A collection route needs the mandates, direct-debit, external-account and
// counterparty permissions; each is probed with a GET the fake serves, and
// a 403 there is what doctor --online reports as missing.
func TestNeededPermissions_Collections(t *testing.T) {
	perms := neededPermissions(&config.Config{Routes: []config.Route{{Format: "pain008"}}}, nil)
	byName := map[string]permission{}
	for _, p := range perms {
		byName[p.name] = p
	}
	for _, name := range []string{"mandates:read", "direct_debits:read", "external_accounts:read", "counterparties:read"} {
		require.Contains(t, byName, name)
		assert.NotEmpty(t, byName[name].writeOnly, "%s: the write permission is named", name)
	}
	assert.NotContains(t, byName, "credit_transfers:read", "no transfer route configured")

	fake, url := atlartest.NewTest(t, atlartest.Options{})
	c, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret", MaxRetries: -1})
	require.NoError(t, err)
	for _, p := range perms {
		require.NoError(t, c.Probe(t.Context(), p.path), p.path)
	}
	fake.Forbid("GET /payments/v2/mandates")
	err = c.Probe(t.Context(), byName["mandates:read"].path)
	var ae *atlar.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusForbidden, ae.Status)
}
