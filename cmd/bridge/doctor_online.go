package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/inbound"
)

// placeholders fails the example credentials the packaged config ships
// with: asking Atlar with them only yields a 401 that hides the cause. It
// reports whether the credentials are worth trying.
func (d *doctor) placeholders(cfg *config.Config) bool {
	ok := true
	for _, c := range []struct{ key, value string }{
		{"atlar.access_key", cfg.Atlar.AccessKey},
		{secretKey(cfg), cfg.Secret},
	} {
		if isPlaceholder(c.value) {
			// A placeholder is not a secret: naming the key is enough,
			// and the value is never printed either way.
			d.fail("%s in %s is still the example placeholder: set the programmatic user's credentials from the Atlar dashboard", c.key, cfg.File)
			ok = false
		}
	}
	return ok
}

func secretKey(cfg *config.Config) string {
	if cfg.Atlar.SecretFile != "" {
		return "atlar.secret_file (" + cfg.Atlar.SecretFile + ")"
	}
	return "atlar.secret_env (" + cfg.Atlar.SecretEnv + ")"
}

// isPlaceholder recognises the shipped examples (AK_REPLACE_ME) and the
// usual stand-ins an operator may have pasted from documentation.
func isPlaceholder(v string) bool {
	u := strings.ToUpper(strings.TrimSpace(v))
	for _, p := range []string{"REPLACE_ME", "REPLACEME", "CHANGE_ME", "CHANGEME", "YOUR_", "<", "…", "..."} {
		if strings.Contains(u, p) {
			return true
		}
	}
	return false
}

// permission is one role permission a feature needs and the read-only call
// that shows whether the programmatic user has it.
type permission struct {
	feature string // what the operator configured that needs it
	name    string // Atlar's permission name (SPEC30 security scopes)
	path    string // GET, limit=1
	// writeOnly are the permissions of the same feature that only a write
	// would show: named so the operator grants them, not probed.
	writeOnly string
}

// neededPermissions lists what the config's features need. Names follow
// the security scopes of Atlar's OpenAPI spec; the connectivity endpoints
// list none there, so their names are Atlar's naming pattern (assumed).
func neededPermissions(cfg *config.Config, connIDs []string) []permission {
	perms := []permission{{feature: "every payment route (IBAN → account id)", name: "accounts:read", path: "/financial-data/v2/accounts"}}
	var transfers, instructions, collections, counterparties bool
	for _, r := range cfg.Routes {
		switch {
		case r.Format == config.FormatPain008 || r.Kind == config.KindDirectDebits: // collections (issue 16)
			collections = true
		case r.Kind == config.KindCounterparties:
			counterparties = true
		case r.Format == string(inbound.FormatPain001) && (r.Mode == "" || r.Mode == string(inbound.ModeInstruction)):
			instructions = true
		default:
			transfers = true
		}
	}
	if transfers {
		const f = "CSV and pain.001 transfers routes"
		perms = append(perms,
			permission{feature: f, name: "credit_transfers:read", path: "/payments/v2beta/credit-transfer-batches", writeOnly: "credit_transfers:create"},
			permission{feature: f, name: "external_accounts:read", path: "/payments/v2/external-accounts"},
			permission{feature: f, name: "counterparties:read", path: "/payments/v2/counterparties"},
		)
	}
	if collections {
		// Scope names from the OpenAPI spec's security requirements.
		const f = "collection routes (mandates, direct debits, debtors)"
		perms = append(perms,
			permission{feature: f, name: "mandates:read", path: "/payments/v2/mandates", writeOnly: "mandates:create, mandates:update (cancel)"},
			permission{feature: f, name: "direct_debits:read", path: "/payments/v2/direct-debits", writeOnly: "direct_debits:create, direct_debits:update (approve/reject)"},
			permission{feature: f, name: "external_accounts:read", path: "/payments/v2/external-accounts", writeOnly: "external_accounts:create"},
			permission{feature: f, name: "counterparties:read", path: "/payments/v2/counterparties", writeOnly: "counterparties:create, counterparties:update"},
		)
	}
	// A collection route already needs (and probes) all a counterparties
	// route does.
	if counterparties && !collections {
		const f = "counterparty routes (debtors and creditors, their accounts)"
		perms = append(perms,
			permission{feature: f, name: "counterparties:read", path: "/payments/v2/counterparties", writeOnly: "counterparties:create, counterparties:update"},
			permission{feature: f, name: "external_accounts:read", path: "/payments/v2/external-accounts", writeOnly: "external_accounts:create"},
		)
	}
	if instructions || cfg.Statements.Enabled {
		perms = append(perms, permission{feature: "pain.001 instruction routes and statements", name: "connections:read (assumed name)", path: "/connectivity/v2beta/connections"})
	}
	for _, id := range connIDs {
		base := "/connectivity/v2beta/connections/" + url.PathEscape(id)
		if instructions {
			perms = append(perms, permission{feature: "pain.001 instruction routes", name: "instructions:read (assumed name)",
				path: base + "/instructions", writeOnly: "instructions:create (assumed name)"})
		}
		if cfg.Statements.Enabled {
			perms = append(perms, permission{feature: "statements", name: "reports:read (assumed name)", path: base + "/reports"})
		}
	}
	return perms
}

// permissions probes each needed permission with a read-only call: a 403
// names the permission to add to the programmatic user's role.
func (d *doctor) permissions(ctx context.Context, api *atlar.Client, cfg *config.Config) {
	var connIDs []string
	if conns, err := api.ListConnections(ctx); err == nil {
		for _, c := range conns {
			if len(cfg.Statements.Connections) == 0 || slices.Contains(cfg.Statements.Connections, c.ID) {
				connIDs = append(connIDs, c.ID)
			}
		}
		// One connection shows the permission; every one would only
		// repeat it.
		if len(connIDs) > 1 {
			connIDs = connIDs[:1]
		}
	}
	for _, p := range neededPermissions(cfg, connIDs) {
		err := api.Probe(ctx, p.path)
		var ae *atlar.APIError
		switch {
		case err == nil:
			d.ok("permission %s (for %s): GET %s answered", p.name, p.feature, p.path)
		case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
			d.fail("permission %s (for %s) is missing: Atlar answered 403 to GET %s; add it to the role of programmatic user %s",
				p.name, p.feature, p.path, cfg.Atlar.AccessKey)
		default:
			d.fail("permission %s (for %s): GET %s: %v", p.name, p.feature, p.path, err)
		}
		if p.writeOnly != "" {
			d.warn("permission %s (for %s) is not checked: only a write would show it; make sure the role grants it", p.writeOnly, p.feature)
		}
	}
}
