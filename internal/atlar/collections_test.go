package atlar_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// exchange is one request/response seen on the wire.
type exchange struct {
	method, path, contentType, ifMatch string
	reqBody, respBody                  []byte
	status                             int
}

// wire is the fake behind a recorder, so tests can check what the client
// really sent and what the fake really answered against the OpenAPI spec.
type wire struct {
	mu  sync.Mutex
	log []exchange
}

func (wr *wire) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		wr.mu.Lock()
		defer wr.mu.Unlock()
		wr.log = append(wr.log, exchange{method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			ifMatch: r.Header.Get("If-Match"), reqBody: body, respBody: rec.Body.Bytes(), status: rec.Code})
	})
}

func (wr *wire) exchanges() []exchange {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return append([]exchange(nil), wr.log...)
}

type ddFixture struct {
	srv   *atlartest.Server
	c     *atlar.Client
	clock *clockwork.FakeClock
	wire  *wire
	url   string
}

// newDDFixture starts the fake (fake clock, pages of 2) behind a wire
// recorder and a client with tiny backoffs. recorded=false serves the fake
// directly (the recorder cannot hijack connections for lost responses).
func newDDFixture(t *testing.T, recorded bool) *ddFixture {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC))
	srv := atlartest.New(atlartest.Options{Clock: clock, PageSize: 2})
	f := &ddFixture{srv: srv, clock: clock, wire: &wire{}}
	h := srv.Handler()
	if recorded {
		h = f.wire.wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	c, err := atlar.New(atlar.Config{BaseURL: ts.URL, AccessKey: "demo-key", Secret: "demo-secret", Auth: atlar.AuthBasic,
		MaxRetries: 12, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	require.NoError(t, err)
	f.c, f.url = c, ts.URL
	return f
}

func debtor(ext, iban string) *atlar.CreateCounterpartyRequest {
	return &atlar.CreateCounterpartyRequest{
		LegalName: "Max Mustermann " + ext, PartyType: atlar.PartyIndividual, Email: "max@example.com",
		Address:    &atlar.Address{Country: "DE", City: "Berlin"},
		ExternalID: ext,
		Accounts: []atlar.CreateEmbeddedExternalAccountRequest{{
			Market: "DE", ExternalID: ext + "-acct",
			Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "DE", Number: iban}},
			Routing:     []atlar.RoutingIdentifier{{Type: "BIC", Number: "COBADEFFXXX"}},
		}},
	}
}

const debtorIBAN = "DE02120300000000202051"

func TestCounterparties_CreateGetPatch(t *testing.T) {
	f := newDDFixture(t, true)
	ctx := t.Context()

	cp, err := f.c.CreateCounterparty(ctx, debtor("cust-1", debtorIBAN), "key-cp-1")
	require.NoError(t, err)
	require.Len(t, cp.Accounts, 1)
	assert.Equal(t, "version:1", cp.ETag)
	assert.NotEmpty(t, cp.RequestID)

	t.Run("IdempotentReplay", func(t *testing.T) {
		again, err := f.c.CreateCounterparty(ctx, debtor("cust-1", debtorIBAN), "key-cp-1")
		require.NoError(t, err)
		assert.Equal(t, cp.ID, again.ID)
		assert.Equal(t, 1, f.srv.Stats().CounterpartiesCreated)
		_, err = f.c.CreateCounterparty(ctx, debtor("cust-other", debtorIBAN), "key-cp-1")
		var ae *atlar.APIError
		require.ErrorAs(t, err, &ae, "same key, other body")
		assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)
	})
	t.Run("DuplicateExternalID", func(t *testing.T) {
		_, err := f.c.CreateCounterparty(ctx, debtor("cust-1", debtorIBAN), "key-cp-2")
		require.ErrorIs(t, err, atlar.ErrConflict)
		var ae *atlar.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusConflict, ae.Status)
		assert.Equal(t, "externalId", ae.Details[0].Field)
		assert.False(t, atlar.Temporary(err))
		assert.Equal(t, 1, f.srv.Stats().CounterpartiesCreated)
	})
	t.Run("Get", func(t *testing.T) {
		for _, id := range []string{cp.ID, "external:cust-1"} {
			got, err := f.c.GetCounterparty(ctx, id)
			require.NoError(t, err, id)
			assert.Equal(t, cp.ID, got.ID)
			assert.Equal(t, "max@example.com", got.Email)
		}
		_, err := f.c.GetCounterparty(ctx, "external:nobody")
		require.ErrorIs(t, err, atlar.ErrNotFound)
	})
	t.Run("PatchWithStaleETagThenReRead", func(t *testing.T) {
		want := *debtor("cust-1", debtorIBAN)
		assert.Empty(t, atlar.CounterpartyPatch(*cp, want), "unchanged → no ops")

		want.Email = "new@example.com"
		want.Address = &atlar.Address{Country: "DE", City: "München"}
		want.PartyType = ""
		ops := atlar.CounterpartyPatch(*cp, want)
		require.Equal(t, []atlar.PatchOp{
			{Op: "remove", Path: "/partyType"},
			{Op: "replace", Path: "/email", Value: "new@example.com"},
			{Op: "replace", Path: "/address", Value: atlar.Address{Country: "DE", City: "München"}},
		}, ops)

		// Someone else changes the counterparty first: our etag is stale.
		_, err := f.c.PatchCounterparty(ctx, cp.ID, cp.ETag, []atlar.PatchOp{{Op: "replace", Path: "/alias", Value: "VIP"}})
		require.NoError(t, err)
		_, err = f.c.PatchCounterparty(ctx, cp.ID, cp.ETag, ops)
		require.ErrorIs(t, err, atlar.ErrPreconditionFailed)
		var ae *atlar.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusPreconditionFailed, ae.Status)

		cur, err := f.c.GetCounterparty(ctx, "external:cust-1")
		require.NoError(t, err)
		assert.Equal(t, "version:2", cur.ETag)
		got, err := f.c.PatchCounterparty(ctx, "external:cust-1", cur.ETag, atlar.CounterpartyPatch(*cur, want))
		require.NoError(t, err)
		assert.Equal(t, 3, got.Version)
		assert.Equal(t, "new@example.com", got.Email)
		assert.Equal(t, "München", got.Address.City)
		assert.Empty(t, got.PartyType)
		assert.Empty(t, got.Alias, "want is the whole state: the alias it lacks is removed")
		assert.Empty(t, atlar.CounterpartyPatch(*got, want), "now unchanged")
		assert.Equal(t, 2, f.srv.Stats().CounterpartyPatches)
	})
	t.Run("PatchRefusesUnsupportedOp", func(t *testing.T) {
		cur, err := f.c.GetCounterparty(ctx, cp.ID)
		require.NoError(t, err)
		_, err = f.c.PatchCounterparty(ctx, cp.ID, cur.ETag, []atlar.PatchOp{{Op: "remove", Path: "/legalName"}})
		var ae *atlar.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusBadRequest, ae.Status)
		_, err = f.c.PatchCounterparty(ctx, cp.ID, cur.ETag, nil)
		assert.Error(t, err, "no ops: nothing to send")
	})

	// Every If-Match sent is the etag exactly as Atlar returns it.
	for _, ex := range f.wire.exchanges() {
		if ex.method == http.MethodPatch {
			assert.Regexp(t, `^version:\d+$`, ex.ifMatch)
			assert.Equal(t, "application/json-patch+json", ex.contentType)
		}
	}
}

func TestExternalAccounts(t *testing.T) {
	f := newDDFixture(t, false)
	ctx := t.Context()
	cp, err := f.c.CreateCounterparty(ctx, &atlar.CreateCounterpartyRequest{LegalName: "Kunde AG", ExternalID: "kunde"}, "k-cp")
	require.NoError(t, err)
	req := &atlar.CreateExternalAccountRequest{
		CounterpartyID: cp.ID, Market: "DE", ExternalID: "kunde-de",
		Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "DE", Number: debtorIBAN}},
	}
	ea, err := f.c.CreateExternalAccount(ctx, req, "k-ea")
	require.NoError(t, err)
	assert.Equal(t, cp.ID, ea.CounterpartyID)
	again, err := f.c.CreateExternalAccount(ctx, req, "k-ea")
	require.NoError(t, err)
	assert.Equal(t, ea.ID, again.ID, "replay")
	_, err = f.c.CreateExternalAccount(ctx, req, "k-ea-2")
	require.ErrorIs(t, err, atlar.ErrConflict)

	got, err := f.c.GetExternalAccount(ctx, "external:kunde-de")
	require.NoError(t, err)
	assert.Equal(t, ea.ID, got.ID)
	_, err = f.c.GetExternalAccount(ctx, "external:nope")
	require.ErrorIs(t, err, atlar.ErrNotFound)

	list, err := f.c.ListExternalAccounts(ctx, cp.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	byIBAN, err := f.c.FindExternalAccountsByIBAN(ctx, "de02 1203 0000 0000 2020 51")
	require.NoError(t, err)
	require.Len(t, byIBAN, 1)
	assert.Equal(t, ea.ID, byIBAN[0].ID)
	none, err := f.c.FindExternalAccountsByIBAN(ctx, "FR7630006000011234567890189")
	require.NoError(t, err)
	assert.Empty(t, none)

	bad := *req
	bad.ExternalID, bad.Identifiers = "", []atlar.AccountIdentifier{{Type: "IBAN", Market: "DE", Number: "DE00120300000000202051"}}
	_, err = f.c.CreateExternalAccount(ctx, &bad, "k-ea-bad")
	var ae *atlar.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "identifiers.0.number", ae.Details[0].Field, "bad IBAN check digits named")
	assert.Equal(t, 1, f.srv.Stats().ExternalAccountsCreated)
}

// TestCounterparties_Pagination follows nextToken across more than three
// pages of 2.
func TestCounterparties_Pagination(t *testing.T) {
	f := newDDFixture(t, false)
	ctx := t.Context()
	for i, ext := range []string{"p1", "p2", "p3", "p4", "p5"} {
		_, err := f.c.CreateCounterparty(ctx, &atlar.CreateCounterpartyRequest{LegalName: "Party " + ext, ExternalID: ext}, "k-"+ext)
		require.NoError(t, err, i)
	}
	before := f.srv.Stats().ByEndpoint["GET /payments/v2/counterparties"]
	all, err := f.c.ListCounterparties(ctx, "")
	require.NoError(t, err)
	require.Len(t, all, 7, "2 seeded + 5 created")
	seen := map[string]bool{}
	for _, c := range all {
		assert.False(t, seen[c.ID], "no item twice")
		seen[c.ID] = true
	}
	assert.Equal(t, 4, f.srv.Stats().ByEndpoint["GET /payments/v2/counterparties"]-before, "4 pages of ≤ 2")
}

// debtorWithMandate creates a counterparty with an account and a mandate.
func (f *ddFixture) debtorWithMandate(t *testing.T, ext string, active bool) (*atlar.Counterparty, *atlar.Mandate) {
	t.Helper()
	cp, err := f.c.CreateCounterparty(t.Context(), debtor(ext, debtorIBAN), "k-cp-"+ext)
	require.NoError(t, err)
	m, err := f.c.CreateMandate(t.Context(), &atlar.CreateMandateRequest{
		Scheme: atlar.SchemeSDDCore, ExternalAccountID: cp.Accounts[0].ID, CreditorReference: "DE98ZZZ09999999999",
		MandateReference: "MNDT-" + ext, SignatureDate: "2025-01-15", Active: active, ExternalID: "mndt-" + ext,
	}, "k-m-"+ext)
	require.NoError(t, err)
	return cp, m
}

func TestMandates_LifecycleAndCancel(t *testing.T) {
	f := newDDFixture(t, true)
	ctx := t.Context()
	cp, m := f.debtorWithMandate(t, "m1", false)
	assert.Equal(t, atlar.MandateCreated, m.Status)
	assert.Equal(t, cp.ID, m.CounterpartyID)

	again, err := f.c.CreateMandate(ctx, &atlar.CreateMandateRequest{
		Scheme: atlar.SchemeSDDCore, ExternalAccountID: cp.Accounts[0].ID, CreditorReference: "DE98ZZZ09999999999",
		MandateReference: "MNDT-m1", SignatureDate: "2025-01-15", ExternalID: "mndt-m1",
	}, "k-m-other")
	require.ErrorIs(t, err, atlar.ErrConflict, "externalId reused under another key")
	assert.Nil(t, again)

	// Statuses over time, with the fake's clock (one PaymentStep = 1s).
	for _, want := range []string{atlar.MandateCreated, atlar.MandateSent, atlar.MandateActive} {
		got, err := f.c.GetMandate(ctx, "external:mndt-m1")
		require.NoError(t, err)
		assert.Equal(t, want, got.Status)
		f.clock.Advance(time.Second)
	}
	evs, err := f.c.ListMandateEvents(ctx, m.ID)
	require.NoError(t, err)
	require.Len(t, evs, 3)
	assert.Equal(t, []string{"CREATED", "UPDATED", "UPDATED"}, []string{evs[0].Type, evs[1].Type, evs[2].Type})
	assert.Equal(t, atlar.MandateActive, evs[2].Name)

	found, err := f.c.FindMandatesByReference(ctx, "MNDT-m1", atlar.MandateFilter{ExternalAccountID: cp.Accounts[0].ID})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.True(t, atlar.MandateUsable(found[0].Status))
	none, err := f.c.FindMandatesByReference(ctx, "MNDT-none", atlar.MandateFilter{})
	require.NoError(t, err)
	assert.Empty(t, none)

	_, err = f.c.CancelMandate(ctx, m.ID, "version:1")
	require.ErrorIs(t, err, atlar.ErrPreconditionFailed, "stale etag")
	cur, err := f.c.GetMandate(ctx, m.ID)
	require.NoError(t, err)
	cancelled, err := f.c.CancelMandate(ctx, m.ID, cur.ETag)
	require.NoError(t, err)
	assert.Equal(t, atlar.MandateCancelled, cancelled.Status)
	replay, err := f.c.CancelMandate(ctx, "external:mndt-m1", "")
	require.NoError(t, err, "cancelling twice is harmless")
	assert.Equal(t, cancelled.Version, replay.Version)

	// A cancelled mandate cannot collect.
	_, err = f.c.CreateDirectDebit(ctx, ddRequest(cp.Accounts[0].ID, "dd-after-cancel", "Invoice 1", 100), "k-dd-x")
	var ae *atlar.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.Status)
	assert.Equal(t, "source.id", ae.Details[0].Field)
	assert.Equal(t, "no_mandate", ae.Details[0].Code)

	_, err = f.c.GetMandate(ctx, "external:none")
	require.ErrorIs(t, err, atlar.ErrNotFound)
	_, err = f.c.CancelMandate(ctx, "external:none", "")
	require.ErrorIs(t, err, atlar.ErrNotFound)
	assert.Equal(t, 1, f.srv.Stats().MandatesCreated)
}

func ddRequest(sourceID, ext, ref string, minor int64) *atlar.CreateDirectDebitRequest {
	return &atlar.CreateDirectDebitRequest{
		Amount: atlar.Amount{Currency: "EUR", Value: minor}, Scheme: atlar.SchemeSDDCore, Date: "2025-03-12",
		Source:      atlar.AccountRef{Type: "EXTERNAL_ACCOUNT", ID: sourceID},
		Destination: atlar.AccountRef{Type: "ACCOUNT", ID: atlartest.SeedEURAccountID},
		Reference:   ref, ExternalID: ext,
	}
}

// statuses reads a debit's status once per PaymentStep until it is final.
func (f *ddFixture) statuses(t *testing.T, id string) []string {
	t.Helper()
	var out []string
	for range 10 {
		d, err := f.c.GetDirectDebit(t.Context(), id)
		require.NoError(t, err)
		out = append(out, d.Status)
		if atlar.DirectDebitTerminal(d.Status) {
			return out
		}
		f.clock.Advance(time.Second)
	}
	t.Fatalf("direct debit %s not final: %v", id, out)
	return nil
}

func TestDirectDebits_Lifecycle(t *testing.T) {
	f := newDDFixture(t, true)
	ctx := t.Context()
	cp, m := f.debtorWithMandate(t, "d1", true)
	src := cp.Accounts[0].ID

	tests := []struct {
		name, ref string
		minor     int64
		want      []string
	}{
		{"Executed", "Invoice 42", 12_50, []string{"CREATED", "APPROVED", "PENDING_SUBMISSION", "SENT", "EXECUTED"}},
		{"RejectedByBank", "Invoice REJECT", 10_00, []string{"CREATED", "APPROVED", "PENDING_SUBMISSION", "SENT", "REJECTED"}},
		{"Failed", "Invoice 43", atlartest.MagicFailedAmount, []string{"CREATED", "APPROVED", "PENDING_SUBMISSION", "SENT", "FAILED"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext := "e2e-" + tt.name
			d, err := f.c.CreateDirectDebit(ctx, ddRequest(src, ext, tt.ref, tt.minor), "k-dd-"+tt.name)
			require.NoError(t, err)
			assert.Equal(t, m.ID, d.Mandate.ID)
			assert.Equal(t, "MNDT-d1", d.Mandate.MandateReference)
			assert.Equal(t, tt.minor, d.Amount.Value)
			replay, err := f.c.CreateDirectDebit(ctx, ddRequest(src, ext, tt.ref, tt.minor), "k-dd-"+tt.name)
			require.NoError(t, err)
			assert.Equal(t, d.ID, replay.ID)
			_, err = f.c.CreateDirectDebit(ctx, ddRequest(src, ext, tt.ref, tt.minor), "k-dd-other-"+tt.name)
			require.ErrorIs(t, err, atlar.ErrConflict)
			assert.Equal(t, i+1, f.srv.Stats().DirectDebitsCreated)

			assert.Equal(t, tt.want, f.statuses(t, "external:"+ext))
			evs, err := f.c.ListDirectDebitEvents(ctx, d.ID)
			require.NoError(t, err)
			var names []string
			for _, e := range evs {
				names = append(names, e.Name)
			}
			assert.Equal(t, tt.want, names, "one event per status")
		})
	}
	all, err := f.c.ListDirectDebits(ctx, atlar.DirectDebitFilter{AccountID: atlartest.SeedEURAccountID})
	require.NoError(t, err)
	assert.Len(t, all, 3, "over two pages")
	exec, err := f.c.ListDirectDebits(ctx, atlar.DirectDebitFilter{Status: "EXECUTED"})
	require.NoError(t, err)
	assert.Len(t, exec, 1)
	_, err = f.c.GetDirectDebit(ctx, "external:nope")
	require.ErrorIs(t, err, atlar.ErrNotFound)
}

func TestDirectDebits_Approval(t *testing.T) {
	f := newDDFixture(t, true)
	ctx := t.Context()
	cp, _ := f.debtorWithMandate(t, "a1", true)
	src := cp.Accounts[0].ID

	d, err := f.c.CreateDirectDebit(ctx, ddRequest(src, "appr-1", "Needs APPROVAL", 500), "k-appr-1")
	require.NoError(t, err)
	step := d.PendingApprovalStep()
	require.NotEmpty(t, step)
	f.clock.Advance(5 * time.Second)
	d, err = f.c.GetDirectDebit(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, "CREATED", d.Status, "waits for approval")

	_, err = f.c.ApproveDirectDebit(ctx, d.ID, "version:9", step)
	require.ErrorIs(t, err, atlar.ErrPreconditionFailed)
	ok, err := f.c.ApproveDirectDebit(ctx, d.ID, d.ETag, step)
	require.NoError(t, err)
	assert.Empty(t, ok.PendingApprovalStep())
	assert.Equal(t, []string{"APPROVED", "PENDING_SUBMISSION", "SENT", "EXECUTED"}, f.statuses(t, d.ID))
	_, err = f.c.ApproveDirectDebit(ctx, d.ID, "", step)
	var ae *atlar.APIError
	require.ErrorAs(t, err, &ae, "nothing waits any more")
	assert.Equal(t, http.StatusBadRequest, ae.Status)

	r, err := f.c.CreateDirectDebit(ctx, ddRequest(src, "appr-2", "Needs APPROVAL", 600), "k-appr-2")
	require.NoError(t, err)
	rej, err := f.c.RejectDirectDebit(ctx, "external:appr-2", r.ETag, "not ours")
	require.NoError(t, err)
	assert.Equal(t, atlar.PaymentRejected, rej.Status)
	assert.True(t, atlar.DirectDebitTerminal(rej.Status))
}

// TestDirectDebits_FaultsExactlyOnce creates debits through 5xx, resets
// and lost responses (the effect applied, the answer lost): retries with
// the same key create each debit once.
func TestDirectDebits_FaultsExactlyOnce(t *testing.T) {
	f := newDDFixture(t, false)
	ctx := t.Context()
	cp, _ := f.debtorWithMandate(t, "f1", true)
	f.srv.SetFaults(atlartest.Faults{Rate5xx: 0.15, RateReset: 0.1, RateLostResponse: 0.3, Seed: 7,
		Only: []string{"POST /payments/v2/"}})
	const n = 20
	for i := range n {
		ext := "fault-" + string(rune('a'+i))
		_, err := f.c.CreateDirectDebit(ctx, ddRequest(cp.Accounts[0].ID, ext, "Invoice", int64(100+i)), "k-"+ext)
		require.NoError(t, err, ext)
	}
	st := f.srv.Stats()
	require.Positive(t, st.LostResponses, "the seed must lose some answers")
	assert.Equal(t, n, st.DirectDebitsCreated, "0 duplicates, 0 lost")
	seen := map[string]int{}
	for _, r := range f.srv.DirectDebits() {
		seen[r.IdempotencyKey]++
	}
	assert.Len(t, seen, n)
}

// TestDirectDebits_BookedAsCredits is the demo: an executed collection is a
// credit on the creditor's account in the Financial Data transactions and
// in the next camt.053 statement, with its mandate reference and EndToEndId.
func TestDirectDebits_BookedAsCredits(t *testing.T) {
	f := newDDFixture(t, false)
	ctx := t.Context()
	cp, _ := f.debtorWithMandate(t, "b1", true)
	_, err := f.c.CreateDirectDebit(ctx, ddRequest(cp.Accounts[0].ID, "E2E-COLL-1", "Membership 2025", 49_90), "k-b1")
	require.NoError(t, err)
	_, err = f.c.CreateDirectDebit(ctx, ddRequest(cp.Accounts[0].ID, "E2E-COLL-2", "Membership REJECT", 49_90), "k-b2")
	require.NoError(t, err)
	f.clock.Advance(10 * time.Second)

	txs, err := f.c.ListTransactions(ctx, atlar.TransactionQuery{AccountID: atlartest.SeedEURAccountID, DateFrom: "2025-03-10"})
	require.NoError(t, err)
	var booked []atlar.Transaction
	for _, tx := range txs {
		if tx.References != nil && tx.References.MandateReference != "" {
			booked = append(booked, tx)
		}
	}
	require.Len(t, booked, 1, "only the executed one is booked")
	assert.Equal(t, int64(49_90), booked[0].Amount.Value, "a credit: positive")
	assert.Equal(t, "MNDT-b1", booked[0].References.MandateReference)
	assert.Equal(t, "E2E-COLL-1", booked[0].References.EndToEndID)

	reps, err := f.c.ListReports(ctx, atlartest.SeedConnectionID)
	require.NoError(t, err)
	last := reps[len(reps)-1]
	require.Equal(t, []string{atlartest.SeedEURAccountID}, last.AccountIDs)
	content, err := f.c.ReportContent(ctx, atlartest.SeedConnectionID, last.ID, "camt.053.001.02", true)
	require.NoError(t, err)
	s := string(content)
	assert.Contains(t, s, "<CdtDbtInd>CRDT</CdtDbtInd>")
	assert.Contains(t, s, "<EndToEndId>E2E-COLL-1</EndToEndId>")
	assert.Contains(t, s, "<Cd>RDDT</Cd>")
	assert.NotContains(t, s, "E2E-COLL-2")
}

// TestCollections_OpenAPI checks every request the client sent and every
// answer the fake gave in a run over all the new endpoints against the
// published spec's schemas.
func TestCollections_OpenAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(sharedtest.Dir(t, "atlar", "openapi", "2024-11-08_651fdb9c4db7e30048abd7a7_openapi-3-0.json"))
	require.NoError(t, err)
	schema := func(name string) *openapi3.Schema {
		ref := doc.Components.Schemas[name]
		require.NotNil(t, ref, name)
		return ref.Value
	}
	f := newDDFixture(t, true)
	ctx := t.Context()
	cp, m := f.debtorWithMandate(t, "o1", false)
	f.clock.Advance(3 * time.Second)
	_, err = f.c.CreateExternalAccount(ctx, &atlar.CreateExternalAccountRequest{CounterpartyID: cp.ID, Market: "FR",
		Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "FR", Number: "FR7630006000011234567890189"}}}, "k-o-ea")
	require.NoError(t, err)
	cur, err := f.c.GetCounterparty(ctx, cp.ID)
	require.NoError(t, err)
	_, err = f.c.PatchCounterparty(ctx, cp.ID, cur.ETag, atlar.CounterpartyPatch(*cur, atlar.CreateCounterpartyRequest{
		LegalName: "Renamed GmbH", Phone: "+49301234567", NationalIdentifier: &atlar.NationalIdentifier{Type: "COMPANY", Market: "DE", Number: "HRB 1"}}))
	require.NoError(t, err)
	d, err := f.c.CreateDirectDebit(ctx, ddRequest(cp.Accounts[0].ID, "oas-1", "APPROVAL", 100), "k-o-dd")
	require.NoError(t, err)
	_, err = f.c.ApproveDirectDebit(ctx, d.ID, d.ETag, d.PendingApprovalStep())
	require.NoError(t, err)
	d2, err := f.c.CreateDirectDebit(ctx, ddRequest(cp.Accounts[0].ID, "oas-2", "APPROVAL", 100), "k-o-dd2")
	require.NoError(t, err)
	_, err = f.c.RejectDirectDebit(ctx, d2.ID, d2.ETag, "no")
	require.NoError(t, err)
	f.clock.Advance(5 * time.Second)
	_, err = f.c.ListDirectDebits(ctx, atlar.DirectDebitFilter{})
	require.NoError(t, err)
	_, err = f.c.ListDirectDebitEvents(ctx, d.ID)
	require.NoError(t, err)
	_, err = f.c.ListMandates(ctx, atlar.MandateFilter{})
	require.NoError(t, err)
	_, err = f.c.ListMandateEvents(ctx, m.ID)
	require.NoError(t, err)
	_, err = f.c.CancelMandate(ctx, m.ID, "")
	require.NoError(t, err)
	_, err = f.c.ListExternalAccounts(ctx, "")
	require.NoError(t, err)
	_, err = f.c.ListCounterparties(ctx, "")
	require.NoError(t, err)
	_, err = f.c.GetMandate(ctx, "external:none")
	require.Error(t, err)

	type rule struct {
		method, suffix, req, resp string
		list                      bool
	}
	rules := []rule{ // first match wins: actions and events first
		{"POST", ":cancel", "", "Mandate", false},
		{"POST", ":approve", "ApprovePaymentRequest", "DirectDebit", false},
		{"POST", ":reject", "RejectPaymentRequest", "DirectDebit", false},
		{"GET", "/events", "", "Event", true},
		{"POST", "/payments/v2/counterparties", "CreateCounterpartyRequest", "Counterparty", false},
		{"PATCH", "/payments/v2/counterparties/", "CounterpartyJSONPatchRequest", "Counterparty", false},
		{"GET", "/payments/v2/counterparties/", "", "Counterparty", false},
		{"GET", "/payments/v2/counterparties", "", "Counterparty", true},
		{"POST", "/payments/v2/external-accounts", "CreateExternalAccountRequest", "ExternalAccount", false},
		{"GET", "/payments/v2/external-accounts", "", "ExternalAccount", true},
		{"POST", "/payments/v2/mandates", "CreateMandateRequest", "Mandate", false},
		{"GET", "/payments/v2/mandates", "", "Mandate", true},
		{"GET", "/payments/v2/mandates/", "", "Mandate", false},
		{"POST", "/payments/v2/direct-debits", "CreateDirectDebitRequest", "DirectDebit", false},
		{"GET", "/payments/v2/direct-debits", "", "DirectDebit", true},
	}
	checked := map[string]int{}
	for _, ex := range f.wire.exchanges() {
		var r *rule
		for i := range rules {
			if rules[i].method == ex.method && (strings.HasSuffix(ex.path, rules[i].suffix) ||
				strings.HasSuffix(rules[i].suffix, "/") && strings.HasPrefix(ex.path, rules[i].suffix)) {
				r = &rules[i]
				break
			}
		}
		if r == nil {
			continue
		}
		name := ex.method + " " + ex.path
		if r.req != "" {
			require.NoError(t, visit(schema(r.req), ex.reqBody, openapi3.VisitAsRequest()), "%s request %s", name, ex.reqBody)
			checked["req "+r.req]++
		}
		respSchema := r.resp
		if ex.status >= 300 {
			respSchema = "ErrorResponse"
		}
		body := ex.respBody
		if r.list && ex.status < 300 {
			var page atlar.ListResponse[json.RawMessage]
			require.NoError(t, json.Unmarshal(body, &page))
			require.NoError(t, visit(schema("ListResponse"), body, openapi3.VisitAsResponse()), name)
			for _, item := range page.Items {
				require.NoError(t, visit(schema(respSchema), item, openapi3.VisitAsResponse()), "%s item %s", name, item)
			}
		} else {
			require.NoError(t, visit(schema(respSchema), body, openapi3.VisitAsResponse()), "%s answer %s", name, body)
		}
		checked["resp "+respSchema]++
	}
	for _, r := range rules {
		if r.req != "" {
			assert.Positive(t, checked["req "+r.req], "request schema %s never exercised", r.req)
		}
		assert.Positive(t, checked["resp "+r.resp], "response schema %s never exercised", r.resp)
	}
	assert.Positive(t, checked["resp ErrorResponse"])

	// The check has teeth: bodies the spec forbids fail.
	for name, bad := range map[string]string{
		"CreateDirectDebitRequest":     `{"amount":{"currency":"EUR","value":1,"stringValue":"0.01"},"scheme":"SDD_CORE","date":"2025-03-12","source":{"type":"EXTERNAL_ACCOUNT","id":"x"},"destination":{"type":"ACCOUNT","id":"y"},"reference":"r"}`,
		"CreateMandateRequest":         `{"scheme":"SEPA","externalAccountId":"x","creditorReference":"c","mandateReference":"m"}`,
		"CounterpartyJSONPatchRequest": `[{"op":"remove","path":"/legalName"}]`,
	} {
		assert.Error(t, visit(schema(name), []byte(bad), openapi3.VisitAsRequest()), name)
	}
}

func visit(s *openapi3.Schema, body []byte, opts ...openapi3.SchemaValidationOption) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	err := s.VisitJSON(v, append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, opts...)...)
	if err != nil {
		return errors.New(err.Error())
	}
	return nil
}
