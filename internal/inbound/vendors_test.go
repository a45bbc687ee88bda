package inbound_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const vendorsHeader = "external_id,name,party_type,iban,bic,currency,country,email,street,city,postal_code\n"

// vendorRows are three vendors; the second drop changes V-2's e-mail.
var vendorRows = []string{
	"V-1,Bäckerei Schmidt GmbH,COMPANY,DE89 3704 0044 0532 0130 00,COBADEFFXXX,EUR,DE,ap@schmidt.example,Hauptstr. 1,Köln,50667\n",
	"V-2,Fournitures Martin SARL,COMPANY,FR14 2004 1010 0505 0001 3M02 606,,EUR,FR,compta@martin.example,,Paris,75001\n",
	"V-3,Jan de Vries,INDIVIDUAL,NL91 ABNA 0417 1643 00,,EUR,NL,,,,\n",
}

func vendorsCSV(change func(rows []string)) []byte {
	rows := append([]string(nil), vendorRows...)
	if change != nil {
		change(rows)
	}
	return []byte(vendorsHeader + strings.Join(rows, ""))
}

// patchHook is the pipeline's Atlar with a hook run before each PATCH:
// the tests use it to change the counterparty at Atlar between the
// pipeline's read and its PATCH, as another user would.
type patchHook struct {
	*atlar.Client
	before func(ctx context.Context, id string)
}

func (h *patchHook) PatchCounterparty(ctx context.Context, id, etag string, ops []atlar.PatchOp) (*atlar.Counterparty, error) {
	if h.before != nil {
		h.before(ctx, id)
	}
	return h.Client.PatchCounterparty(ctx, id, etag, ops)
}

// startVendors is world.start with a counterparties route "vendors" and
// the Atlar client wrapped in a patchHook.
func (w *world) startVendors(cfg ...func(*atlar.Config)) *patchHook {
	w.t.Helper()
	require.NoError(w.t, w.lay.Ensure([]string{"vendors"}))
	var err error
	w.store, err = state.Open(w.lay.StateFile(), state.Options{Clock: w.clock})
	require.NoError(w.t, err)
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := atlar.Config{BaseURL: w.url, AccessKey: "demo-key", Secret: "demo-secret", Clock: w.clock,
		Timeout: 5 * time.Second, Logger: log.With("component", "atlar")}
	for _, f := range cfg {
		f(&c)
	}
	api, err := atlar.New(c)
	require.NoError(w.t, err)
	hook := &patchHook{Client: api}
	routes := append([]inbound.Route{{Name: "vendors", Format: inbound.FormatCSV, Kind: inbound.KindCounterparties, CSV: csvpay.DefaultProfile()}}, worldRoutes...)
	w.pipe, err = inbound.New(inbound.Options{Journal: w.store, API: hook, Layout: w.lay, Routes: routes, Clock: w.clock,
		Logger: log.With("component", "inbound")})
	require.NoError(w.t, err)
	require.NoError(w.t, w.pipe.Recover())
	var ctx context.Context
	ctx, w.cancel = context.WithCancel(context.Background())
	require.NoError(w.t, w.pipe.Start(ctx))
	return hook
}

// rowStatuses is each row's outcome by externalId.
func rowStatuses(f *state.File) map[string]string {
	out := map[string]string{}
	for _, p := range f.Payments {
		out[p.ExternalID] = p.Status
	}
	return out
}

func (w *world) dropVendors(name string, data []byte) *state.File {
	w.t.Helper()
	id := w.drop("vendors", name, data)
	w.waitReal(func() bool {
		f, err := w.store.Get(id)
		return err == nil && f.State.Final()
	}, name+" final")
	return w.file(id)
}

func TestVendors_SecondDropPatchesOnlyTheChangedRow(t *testing.T) {
	w := newWorld(t)
	w.startVendors()

	first := w.dropVendors("vendors-1.csv", vendorsCSV(nil))
	require.Equal(t, state.Completed, first.State, "%+v", first.Steps)
	assert.Equal(t, map[string]string{"V-1": inbound.VendorCreated, "V-2": inbound.VendorCreated, "V-3": inbound.VendorCreated}, rowStatuses(first))
	byExt := map[string]atlar.Counterparty{}
	for _, c := range w.fake.Counterparties() {
		byExt[c.Counterparty.ExternalID] = c.Counterparty
	}
	for _, p := range first.Payments {
		c, ok := byExt[p.ExternalID]
		require.True(t, ok, "counterparty %s at Atlar", p.ExternalID)
		assert.Equal(t, c.ID, p.PaymentID, "row %d counterparty id", p.Row)
		require.Len(t, c.Accounts, 1)
		assert.Equal(t, c.Accounts[0].ID, p.InstrID, "row %d external account id", p.Row)
	}
	assert.Equal(t, "compta@martin.example", byExt["V-2"].Email)
	stats := w.fake.Stats()
	require.Equal(t, 3, stats.CounterpartiesCreated)
	require.Zero(t, stats.CounterpartyPatchAttempts)

	second := w.dropVendors("vendors-2.csv", vendorsCSV(func(rows []string) {
		rows[1] = strings.Replace(rows[1], "compta@martin.example", "factures@martin.example", 1)
	}))
	require.Equal(t, state.Completed, second.State)
	assert.Equal(t, map[string]string{"V-1": inbound.VendorUnchanged, "V-2": inbound.VendorUpdated, "V-3": inbound.VendorUnchanged}, rowStatuses(second))
	stats = w.fake.Stats()
	assert.Equal(t, 1, stats.CounterpartyPatchAttempts, "exactly one PATCH")
	assert.Equal(t, 1, stats.CounterpartyPatches)
	assert.Equal(t, 3, stats.CounterpartiesCreated, "nothing created again")
	assert.Equal(t, 3, stats.ExternalAccountsCreated)
	for _, c := range w.fake.Counterparties() {
		if c.Counterparty.ExternalID == "V-2" {
			assert.Equal(t, "factures@martin.example", c.Counterparty.Email)
			assert.Equal(t, "version:2", c.Counterparty.ETag)
		}
	}
}

func TestVendors_PreconditionFailed(t *testing.T) {
	for _, tt := range []struct {
		name   string
		bumps  int32 // how many PATCHes find the counterparty changed since read
		status string
	}{
		{"OneStaleEtagRetried", 1, inbound.VendorUpdated},
		{"TwoStaleEtagsRejectTheRow", 2, inbound.VendorRejected},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			hook := w.startVendors()
			w.dropVendors("vendors-1.csv", vendorsCSV(nil))

			// Another user saves the counterparty (same name, new version)
			// between the pipeline's read and its PATCH.
			other, err := atlar.New(atlar.Config{BaseURL: w.url, AccessKey: "demo-key", Secret: "demo-secret", Clock: w.clock, Timeout: 5 * time.Second})
			require.NoError(t, err)
			var bumped atomic.Int32
			hook.before = func(ctx context.Context, id string) {
				if bumped.Add(1) > tt.bumps {
					return
				}
				cur, err := other.GetCounterparty(ctx, id)
				require.NoError(t, err)
				_, err = other.PatchCounterparty(ctx, id, cur.ETag, []atlar.PatchOp{{Op: "replace", Path: "/legalName", Value: cur.LegalName}})
				require.NoError(t, err)
			}
			second := w.dropVendors("vendors-2.csv", vendorsCSV(func(rows []string) {
				rows[1] = strings.Replace(rows[1], "compta@martin.example", "factures@martin.example", 1)
			}))
			require.Equal(t, state.Completed, second.State, "the other rows settle: %+v", second.Steps)
			got := rowStatuses(second)
			assert.Equal(t, tt.status, got["V-2"])
			assert.Equal(t, inbound.VendorUnchanged, got["V-1"])
			stats := w.fake.Stats()
			// The bridge's PATCHes plus the other user's.
			assert.Equal(t, int(min(tt.bumps+1, 2)+tt.bumps), stats.CounterpartyPatchAttempts)
			var email string
			for _, c := range w.fake.Counterparties() {
				if c.Counterparty.ExternalID == "V-2" {
					email = c.Counterparty.Email
				}
			}
			if tt.status == inbound.VendorUpdated {
				assert.Equal(t, "factures@martin.example", email)
				assert.True(t, second.WithFailures() == false)
			} else {
				assert.Equal(t, "compta@martin.example", email, "nothing changed")
				assert.True(t, second.WithFailures(), "completed-with-failures")
				for _, p := range second.Payments {
					if p.ExternalID == "V-2" {
						assert.Contains(t, p.Reason, "412")
					}
				}
			}
		})
	}
}

// TestVendors_AtlarRefusesOneRow: a row Atlar refuses (a legal name longer
// than its 96 characters, which the CSV rules do not limit) is rejected
// with Atlar's reason; the other rows are created and the file completes
// with failures.
func TestVendors_AtlarRefusesOneRow(t *testing.T) {
	w := newWorld(t)
	w.startVendors()
	long := strings.Repeat("Lange Firmenbezeichnung ", 5)
	f := w.dropVendors("vendors.csv", vendorsCSV(func(rows []string) {
		rows[2] = strings.Replace(rows[2], "Jan de Vries", long, 1)
	}))
	require.Equal(t, state.Completed, f.State)
	got := rowStatuses(f)
	assert.Equal(t, map[string]string{"V-1": inbound.VendorCreated, "V-2": inbound.VendorCreated, "V-3": inbound.VendorRejected}, got)
	assert.True(t, f.WithFailures(), "completed-with-failures")
	for _, p := range f.Payments {
		if p.ExternalID == "V-3" {
			assert.Contains(t, p.Reason, "legalName")
			assert.Empty(t, p.PaymentID)
		}
	}
	assert.Equal(t, 2, w.fake.Stats().CounterpartiesCreated)
}
