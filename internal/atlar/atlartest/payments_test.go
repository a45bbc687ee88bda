package atlartest

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// statuses returns the status of each payment of the batch, by externalId.
func (f *fixture) statuses(batchID string) map[string]string {
	f.t.Helper()
	out := map[string]string{}
	for _, p := range getAll[atlar.CreditTransfer](f, "/payments/v2/credit-transfers?batchId="+batchID) {
		out[p.ExternalID] = p.Status
	}
	return out
}

func TestServer_Payment_Progression(t *testing.T) {
	f := newFixture(t, Options{BatchStep: time.Second, PaymentStep: 5 * time.Second})
	b := f.createBatch(batchOf("prog",
		eurPayment("ok", 100, "plain"),
		eurPayment("rej", 100, "please REJECT me"),
		eurPayment("fail", MagicFailedAmount, "nine nine nine"),
		eurPayment("appr", 100, "needs APPROVAL"),
	))
	assert.Empty(t, f.statuses(b.ID), "no payments before the batch completes")

	f.clock.Advance(2 * time.Second) // batch COMPLETED at t0+2s
	steps := []struct {
		advance time.Duration
		want    map[string]string
	}{
		{0, map[string]string{"ok": "APPROVED", "rej": "APPROVED", "fail": "APPROVED", "appr": "CREATED"}},
		{5 * time.Second, map[string]string{"ok": "PENDING_SUBMISSION", "rej": "PENDING_SUBMISSION", "fail": "PENDING_SUBMISSION", "appr": "CREATED"}},
		{5 * time.Second, map[string]string{"ok": "SENT", "rej": "SENT", "fail": "SENT", "appr": "CREATED"}},
		{4 * time.Second, map[string]string{"ok": "SENT", "rej": "SENT", "fail": "SENT", "appr": "CREATED"}},
		{time.Second, map[string]string{"ok": "EXECUTED", "rej": "REJECTED", "fail": "FAILED", "appr": "CREATED"}},
		{24 * time.Hour, map[string]string{"ok": "EXECUTED", "rej": "REJECTED", "fail": "FAILED", "appr": "CREATED"}},
	}
	for i, st := range steps {
		f.clock.Advance(st.advance)
		assert.Equal(t, st.want, f.statuses(b.ID), "step %d", i)
	}

	var p atlar.CreditTransfer
	f.get("/payments/v2/credit-transfers/external:appr", &p)
	require.Len(t, p.ApprovalSteps, 1)
	assert.Equal(t, "PENDING", p.ApprovalSteps[0].Status)
	assert.False(t, p.ApprovalSteps[0].AutoApproved)

	require.NoError(t, f.srv.Approve("external:appr"))
	assert.Equal(t, "APPROVED", f.statuses(b.ID)["appr"])
	f.clock.Advance(15 * time.Second)
	assert.Equal(t, "EXECUTED", f.statuses(b.ID)["appr"])
	f.get("/payments/v2/credit-transfers/"+p.ID, &p)
	assert.Equal(t, "APPROVED", p.ApprovalSteps[0].Status)

	err := f.srv.Approve("external:appr")
	assert.True(t, errors.Is(err, ErrNotPending), "%v", err)
	err = f.srv.Approve("nope")
	assert.True(t, errors.Is(err, ErrNotFound), "%v", err)
}

func TestServer_Payment_Get(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.createBatch(batchOf("", eurPayment("get-me", 4711, "Invoice 4711")))
	f.clock.Advance(2 * time.Second)

	var byExt atlar.CreditTransfer
	f.get("/payments/v2/credit-transfers/external:get-me", &byExt)
	var byID atlar.CreditTransfer
	f.get("/payments/v2/credit-transfers/"+byExt.ID, &byID)
	assert.Equal(t, byExt, byID)
	assert.Equal(t, "Invoice 4711", byID.Reference)
	assert.Equal(t, "SCT", byID.Scheme)
	assert.Equal(t, t0.Format(time.DateOnly), byID.Date)
	assert.Equal(t, &atlar.BatchDetails{ID: b.ID, Treatment: "INDIVIDUAL_PAYMENTS"}, byID.Batch)
	require.NotNil(t, byID.Source)
	assert.Equal(t, SeedEURAccountID, byID.Source.ID)
	require.NotNil(t, byID.Destination)
	assert.Equal(t, "EXTERNAL_ACCOUNT", byID.Destination.Type)
	assert.Equal(t, SeedFournisseurExternalAccountID, byID.Destination.ID)
	assert.Equal(t, f.srv.Payments(), []atlar.CreditTransfer{byID})

	resp, _ := f.do(http.MethodGet, "/payments/v2/credit-transfers/external:nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestServer_Payment_ListFilters(t *testing.T) {
	f := newFixture(t, Options{PaymentStep: time.Hour})
	later := eurPayment("later", 100, "later")
	later.Date = t0.AddDate(0, 0, 5).Format(time.DateOnly)
	gbp := eurPayment("gbp", 100, "gbp")
	gbp.Amount.Currency = "GBP"
	gbp.Source.ID = SeedGBPAccountID
	gbp.Destination.ID = SeedSupplierExternalAccountID
	b1 := f.createBatch(batchOf("", eurPayment("a", 100, "a"), later, eurPayment("w", 100, "APPROVAL")))
	b2 := f.createBatch(batchOf("", gbp))
	f.clock.Advance(2 * time.Second)

	ids := func(query string) []string {
		var out []string
		for _, p := range getAll[atlar.CreditTransfer](f, "/payments/v2/credit-transfers"+query) {
			out = append(out, p.ExternalID)
		}
		return out
	}
	tests := []struct{ query string }{{""}, {"?batchId=" + b1.ID}, {"?batchId=" + b2.ID}}
	want := [][]string{{"a", "later", "w", "gbp"}, {"a", "later", "w"}, {"gbp"}}
	for i, tt := range tests {
		assert.Equal(t, want[i], ids(tt.query), tt.query)
	}
	assert.Equal(t, []string{"gbp"}, ids("?accountId="+SeedGBPAccountID))
	assert.Equal(t, []string{"w"}, ids("?status=CREATED"))
	assert.Equal(t, []string{"a", "later", "gbp"}, ids("?status=APPROVED"))
	assert.Equal(t, []string{"later"}, ids("?date="+later.Date))
	assert.Equal(t, []string{"later"}, ids("?date%5Bgte%5D="+t0.AddDate(0, 0, 1).Format(time.DateOnly)))
	assert.Equal(t, []string{"a", "w", "gbp"}, ids("?date%5Blte%5D="+t0.Format(time.DateOnly)))
}

func TestServer_Approve_Batch(t *testing.T) {
	f := newFixture(t, Options{})
	req := batchOf("", eurPayment("x1", 100, "APPROVAL 1"), eurPayment("x2", 100, "APPROVAL 2"), eurPayment("x3", 100, "auto"))
	req.Treatment = "BATCH"
	b := f.createBatch(req)

	err := f.srv.Approve(b.ID)
	assert.True(t, errors.Is(err, ErrNotPending), "not COMPLETED yet: %v", err)

	f.clock.Advance(2 * time.Second)
	var got atlar.CreditTransferBatch
	f.get(batchesPath+"/"+b.ID, &got)
	require.Len(t, got.ApprovalSteps, 1)
	assert.Equal(t, "PENDING", got.ApprovalSteps[0].Status)

	// Through the API, as an operator would.
	resp, body := f.postJSON("/payments/v2/credit-transfer-batches/"+b.ID+":approve",
		map[string]string{"approvalStepId": got.ApprovalSteps[0].ID})
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", body)
	assert.Equal(t, map[string]string{"x1": "APPROVED", "x2": "APPROVED", "x3": "APPROVED"}, f.statuses(b.ID))
	f.get(batchesPath+"/"+b.ID, &got)
	assert.Equal(t, "APPROVED", got.ApprovalSteps[0].Status)

	resp, _ = f.postJSON("/payments/v2/credit-transfer-batches/"+b.ID+":approve", map[string]string{"approvalStepId": "x"})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "nothing left to approve")
}

func TestServer_Payment_Actions(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		body   map[string]string
		status int
		want   string
	}{
		{"Approve", ":approve", map[string]string{"approvalStepId": "step"}, 202, "APPROVED"},
		{"ApproveNoStep", ":approve", map[string]string{}, 400, "CREATED"},
		{"Reject", ":reject", map[string]string{"reason": "no"}, 202, "REJECTED"},
		{"UnknownAction", ":cancel", map[string]string{}, 404, "CREATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.createBatch(batchOf("", eurPayment("p", 100, "APPROVAL")))
			f.clock.Advance(2 * time.Second)
			var p atlar.CreditTransfer
			f.get("/payments/v2/credit-transfers/external:p", &p)
			resp, body := f.postJSON("/payments/v2/credit-transfers/"+p.ID+tt.path, tt.body)
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			f.get("/payments/v2/credit-transfers/external:p", &p)
			assert.Equal(t, tt.want, p.Status)
		})
	}
}

func TestServer_Reject(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.createBatch(batchOf("", eurPayment("r", 100, "APPROVAL")))
	f.clock.Advance(2 * time.Second)
	require.NoError(t, f.srv.Reject(b.ID))
	f.clock.Advance(time.Hour)
	assert.Equal(t, map[string]string{"r": "REJECTED"}, f.statuses(b.ID))
	assert.ErrorIs(t, f.srv.Approve("external:r"), ErrNotPending)
}
