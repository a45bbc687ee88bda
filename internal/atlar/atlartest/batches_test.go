package atlartest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

func TestServer_CreateBatch_Lifecycle(t *testing.T) {
	f := newFixture(t, Options{BatchStep: 10 * time.Second})
	created := f.createBatch(batchOf("run-1",
		eurPayment("pay-1", 1502, "Invoice 1"),
		eurPayment("pay-2", 250_00, "Invoice 2"),
	), "Idempotency-Key", "k-1")
	assert.Equal(t, atlar.BatchCreated, created.Status)
	assert.Equal(t, "INDIVIDUAL_PAYMENTS", created.Treatment)
	assert.Equal(t, "run-1", created.ExternalID)
	assert.Len(t, created.ID, 36)
	assert.Nil(t, created.ResultSummary)
	assert.Empty(t, created.Errors)

	steps := []struct {
		advance time.Duration
		status  string
		version int
	}{
		{0, atlar.BatchCreated, 1},
		{9 * time.Second, atlar.BatchCreated, 1},
		{time.Second, atlar.BatchProcessingStarted, 2},
		{9 * time.Second, atlar.BatchProcessingStarted, 2},
		{time.Second, atlar.BatchCompleted, 3},
		{time.Hour, atlar.BatchCompleted, 3},
	}
	for _, st := range steps {
		f.clock.Advance(st.advance)
		var b atlar.CreditTransferBatch
		f.get(batchesPath+"/"+created.ID, &b)
		require.Equal(t, st.status, b.Status, "after %s", f.clock.Now().Sub(t0))
		assert.Equal(t, st.version, b.Version)
		assert.Equal(t, fmt.Sprintf("version:%d", st.version), b.ETag)
	}

	var b atlar.CreditTransferBatch
	f.get(batchesPath+"/external:run-1", &b)
	assert.Equal(t, created.ID, b.ID)
	require.NotNil(t, b.ResultSummary)
	assert.Equal(t, atlar.BatchResultSummary{Total: 2, Succeeded: 2}, *b.ResultSummary)
	assert.Empty(t, b.Errors)
	require.Len(t, b.ApprovalSteps, 1)
	assert.Equal(t, "APPROVED", b.ApprovalSteps[0].Status)

	results := getAll[atlar.BatchResult](f, batchesPath+"/"+created.ID+"/results")
	require.Len(t, results, 2)
	payments := getAll[atlar.CreditTransfer](f, "/payments/v2/credit-transfers?batchId="+created.ID)
	require.Len(t, payments, 2)
	for i, r := range results {
		require.NotNil(t, r.RecordIndex)
		assert.Equal(t, i, *r.RecordIndex)
		assert.Empty(t, r.Errors)
		assert.Equal(t, payments[i].ID, r.PaymentID)
	}
	assert.Equal(t, "pay-1", payments[0].ExternalID)
	assert.Equal(t, atlar.Amount{Currency: "EUR", Value: 1502, StringValue: "15.02"}, payments[0].Amount)
	assert.Equal(t, &atlar.BatchDetails{ID: created.ID, Treatment: "INDIVIDUAL_PAYMENTS"}, payments[0].Batch)

	recs := f.srv.BatchRecords()
	require.Len(t, recs, 1)
	assert.Equal(t, "k-1", recs[0].IdempotencyKey)
	assert.Equal(t, "15.02", recs[0].Request.Payments[0].Amount.StringValue, "normalised")
	assert.Len(t, recs[0].Payments, 2)
	assert.Equal(t, 1, f.srv.Stats().BatchesCreated)
	assert.Equal(t, 1, f.srv.Stats().BatchCreateAttempts)
}

func TestServer_CreateBatch_ResultsBeforeCompleted(t *testing.T) {
	f := newFixture(t, Options{})
	b := f.createBatch(batchOf("", eurPayment("", 100, "x")))
	var page atlar.ListResponse[atlar.BatchResult]
	f.get(batchesPath+"/"+b.ID+"/results", &page)
	assert.Empty(t, page.Items)
	assert.NotNil(t, page.Items, "items is [] not null")

	resp, _ := f.do(http.MethodGet, batchesPath+"/external:x/results", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "results take an Atlar id only")
	resp, _ = f.do(http.MethodGet, batchesPath+"/00000000-0000-0000-0000-000000000000/results", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = f.do(http.MethodGet, batchesPath+"/external:nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestServer_CreateBatch_Accepts(t *testing.T) {
	tests := []struct {
		name string
		pay  atlar.CreateCreditTransferRequest
	}{
		{"StringValueWithZeroValue", func() atlar.CreateCreditTransferRequest {
			// atlar.Amount always marshals value; 0 means "not given".
			p := eurPayment("", 0, "r")
			p.Amount = atlar.Amount{Currency: "EUR", StringValue: "12.3"}
			return p
		}()},
		{"ValueAndStringValue", func() atlar.CreateCreditTransferRequest {
			p := eurPayment("", 1230, "r")
			p.Amount.StringValue = "12.30"
			return p
		}()},
		{"SixtyDaysAhead", func() atlar.CreateCreditTransferRequest {
			p := eurPayment("", 1, "r")
			p.Date = t0.AddDate(0, 0, 60).Format(time.DateOnly)
			return p
		}()},
		{"Reference140", eurPayment("", 1, strings.Repeat("é", 140))},
		{"ExternalID64", eurPayment(strings.Repeat("a", 60)+"._-+", 1, "r")},
		{"Inline", func() atlar.CreateCreditTransferRequest {
			p := eurPayment("", 1, "r")
			p.Destination = atlar.AccountRef{Type: "INLINE", Market: "DE",
				Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "DE", Number: "DE02120300000000202051"}},
				Routing:     []atlar.RoutingIdentifier{{Type: "BIC", Number: "BYLADEM1001"}},
				Holder:      &atlar.InlineAccountHolder{LegalName: "Kunde AG"}}
			return p
		}()},
		{"ExternalAccountByExternalID", func() atlar.CreateCreditTransferRequest {
			p := eurPayment("", 1, "r")
			p.Destination.ID = "external:" + SeedFournisseurExternalID
			return p
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			b := f.createBatch(batchOf("", tt.pay))
			f.clock.Advance(2 * time.Second)
			var got atlar.CreditTransferBatch
			f.get(batchesPath+"/"+b.ID, &got)
			require.Equal(t, atlar.BatchCompleted, got.Status)
			assert.Empty(t, got.Errors)
			assert.Equal(t, 1, got.ResultSummary.Succeeded)
		})
	}
}

func TestServer_CreateBatch_DuplicateExternalID(t *testing.T) {
	f := newFixture(t, Options{})
	first := f.createBatch(batchOf("file-1", eurPayment("", 100, "a")))
	resp, body := f.postJSON(batchesPath, batchOf("file-1", eurPayment("", 200, "b")))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	var er atlar.ErrorResponse
	require.NoError(t, json.Unmarshal(body, &er))
	require.Len(t, er.Details, 1)
	assert.Equal(t, "duplicate", er.Details[0].Code)
	assert.Equal(t, "externalId", er.Details[0].Field)
	assert.NotEmpty(t, resp.Header.Get("Request-Id"))

	// Seeded resources hold externalIds too: they are unique across resources.
	resp, _ = f.postJSON(batchesPath, batchOf(SeedSupplierExternalID, eurPayment("", 200, "b")))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	batches := f.srv.Batches()
	require.Len(t, batches, 1)
	assert.Equal(t, first.ID, batches[0].ID)
	assert.Equal(t, 3, f.srv.Stats().BatchCreateAttempts)
	assert.Equal(t, 1, f.srv.Stats().BatchesCreated)
}

func TestServer_Batch_RecordErrors(t *testing.T) {
	f := newFixture(t, Options{})
	// An earlier batch uses externalId "used-before".
	f.createBatch(batchOf("", eurPayment("used-before", 100, "ok")))
	f.clock.Advance(2 * time.Second)

	gbp := eurPayment("gbp-from-eur", 100, "ok")
	gbp.Amount.Currency = "GBP"
	unknownSource := eurPayment("", 100, "ok")
	unknownSource.Source.ID = "00000000-0000-0000-0000-000000000000"
	unknownDest := eurPayment("", 100, "ok")
	unknownDest.Destination.ID = "external:nobody"
	unknownInternal := eurPayment("", 100, "ok")
	unknownInternal.Destination = atlar.AccountRef{Type: "ACCOUNT", ID: "00000000-0000-0000-0000-000000000001"}
	internal := eurPayment("", 100, "ok")
	internal.Destination = atlar.AccountRef{Type: "ACCOUNT", ID: SeedGBPAccountID}

	b := f.createBatch(batchOf("with-errors",
		eurPayment("good-1", 100, "fine"),      // 0
		unknownSource,                          // 1
		unknownDest,                            // 2
		gbp,                                    // 3
		eurPayment("used-before", 100, "dup"),  // 4
		eurPayment("", 100, "this is INVALID"), // 5
		eurPayment("twice", 100, "first"),      // 6
		eurPayment("twice", 100, "second in same batch"), // 7
		unknownInternal, // 8
		internal,        // 9
	))
	f.clock.Advance(time.Second)
	var mid atlar.CreditTransferBatch
	f.get(batchesPath+"/"+b.ID, &mid)
	require.Equal(t, atlar.BatchProcessingStarted, mid.Status)
	assert.Empty(t, mid.Errors, "errors only appear once COMPLETED")

	f.clock.Advance(time.Second)
	var got atlar.CreditTransferBatch
	f.get(batchesPath+"/"+b.ID, &got)
	require.Equal(t, atlar.BatchCompleted, got.Status)
	assert.Equal(t, atlar.BatchResultSummary{Total: 10, Succeeded: 3, Failed: 7}, *got.ResultSummary)

	wantErr := map[int]struct{ field, code string }{
		1: {"payments.1.source.id", "not_found"},
		2: {"payments.2.destination.id", "not_found"},
		3: {"payments.3.amount.currency", "invalid_value"},
		4: {"payments.4.externalId", "duplicate"},
		5: {"payments.5.reference", "invalid_value"},
		7: {"payments.7.externalId", "duplicate"},
		8: {"payments.8.destination.id", "not_found"},
	}
	var gotFields []string
	for _, e := range got.Errors {
		gotFields = append(gotFields, e.Field)
	}
	assert.ElementsMatch(t, []string{
		"payments.1.source.id", "payments.2.destination.id", "payments.3.amount.currency",
		"payments.4.externalId", "payments.5.reference", "payments.7.externalId", "payments.8.destination.id",
	}, gotFields)

	results := getAll[atlar.BatchResult](f, batchesPath+"/"+b.ID+"/results")
	require.Len(t, results, 10)
	for i, r := range results {
		require.NotNil(t, r.RecordIndex)
		assert.Equal(t, i, *r.RecordIndex)
		if want, bad := wantErr[i]; bad {
			assert.Empty(t, r.PaymentID, "record %d", i)
			require.Len(t, r.Errors, 1, "record %d", i)
			assert.Equal(t, want.field, r.Errors[0].Field)
			assert.Equal(t, want.code, r.Errors[0].Code)
		} else {
			assert.NotEmpty(t, r.PaymentID, "record %d", i)
			assert.Empty(t, r.Errors, "record %d", i)
		}
	}

	onlyErrors := getAll[atlar.BatchResult](f, batchesPath+"/"+b.ID+"/results?errors=true")
	assert.Len(t, onlyErrors, 7)
	onlyOK := getAll[atlar.BatchResult](f, batchesPath+"/"+b.ID+"/results?errors=false")
	assert.Len(t, onlyOK, 3)
	resp, _ := f.do(http.MethodGet, batchesPath+"/"+b.ID+"/results?errors=maybe", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	payments := getAll[atlar.CreditTransfer](f, "/payments/v2/credit-transfers?batchId="+b.ID)
	assert.Len(t, payments, 3)
}

func TestServer_CreateBatch_Multipart(t *testing.T) {
	today := t0.Format(time.DateOnly)
	payment := fmt.Sprintf(`{"amount":{"currency":"GBP","value":500},"scheme":"GB_CT_FPS","date":%q,`+
		`"source":{"type":"ACCOUNT","id":%q},"destination":{"type":"EXTERNAL_ACCOUNT","id":%q},"reference":"Services"}`,
		today, SeedGBPAccountID, SeedSupplierExternalAccountID)
	tests := []struct {
		name   string
		fields [][2]string
		status int
		field  string
	}{
		{"PaymentsArray", [][2]string{{"treatment", "BATCH"}, {"fileContentType", batchContentJSON}, {"file", "[" + payment + "]"}}, 201, ""},
		{"RequestObject", [][2]string{{"treatment", "BATCH"}, {"fileContentType", batchContentJSON},
			{"file", `{"treatment":"BATCH","payments":[` + payment + `],"externalId":"mp-1"}`}}, 201, ""},
		{"ExternalIDField", [][2]string{{"treatment", "BATCH"}, {"fileContentType", batchContentJSON}, {"externalId", "mp-2"}, {"file", "[" + payment + "]"}}, 201, ""},
		{"CSV", [][2]string{{"treatment", "BATCH"}, {"fileContentType", batchContentCSV}, {"file", "amount.currency\nEUR\n"}}, 400, "fileContentType"},
		{"NoContentType", [][2]string{{"treatment", "BATCH"}, {"file", "[" + payment + "]"}}, 400, "fileContentType"},
		{"NoTreatment", [][2]string{{"fileContentType", batchContentJSON}, {"file", "[" + payment + "]"}}, 400, "treatment"},
		{"NoFile", [][2]string{{"treatment", "BATCH"}, {"fileContentType", batchContentJSON}}, 400, "file"},
		{"BadFileJSON", [][2]string{{"treatment", "BATCH"}, {"fileContentType", batchContentJSON}, {"file", "[{"}}, 400, ""},
		{"InvalidPayment", [][2]string{{"treatment", "BATCH"}, {"fileContentType", batchContentJSON}, {"file", `[{"scheme":"SCT"}]`}}, 400, "payments.0.amount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			body, ct := multipartBody(t, tt.fields, "batch.json", "application/json")
			resp, out := f.do(http.MethodPost, batchesPath, body, "Content-Type", ct)
			require.Equal(t, tt.status, resp.StatusCode, "%s", out)
			if tt.status != 201 {
				var er atlar.ErrorResponse
				require.NoError(t, json.Unmarshal(out, &er))
				if tt.field != "" {
					require.NotEmpty(t, er.Details)
					assert.Equal(t, tt.field, er.Details[0].Field)
				}
				return
			}
			var raw struct {
				atlar.CreditTransferBatch
				InputContent inputContentJSON `json:"inputContent"`
			}
			require.NoError(t, json.Unmarshal(out, &raw))
			assert.Equal(t, "BATCH", raw.Treatment)
			assert.Equal(t, batchContentJSON, raw.InputContent.ContentType)
			assert.Equal(t, "batch.json", raw.InputContent.Filename)
			assert.Equal(t, 1, raw.InputContent.RecordCount)
			assert.True(t, strings.HasPrefix(raw.InputContent.Checksum, "sha256:"))
		})
	}
}

func TestServer_CreateBatch_UnsupportedMediaType(t *testing.T) {
	f := newFixture(t, Options{})
	resp, _ := f.do(http.MethodPost, batchesPath, []byte("a,b"), "Content-Type", "text/csv")
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
}

func TestServer_ListBatches(t *testing.T) {
	f := newFixture(t, Options{})
	var ids []string
	for i := range 5 {
		ids = append(ids, f.createBatch(batchOf(fmt.Sprintf("list-%d", i), eurPayment("", 100, "x"))).ID)
	}
	all := getAll[atlar.CreditTransferBatch](f, batchesPath+"?limit=500")
	require.Len(t, all, 5)
	for i, b := range all {
		assert.Equal(t, ids[i], b.ID)
	}
}

// TestServer_CreateBatch_Concurrent races creates of the same batch: one
// externalId is one batch, with or without an Idempotency-Key.
func TestServer_CreateBatch_Concurrent(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		allowed []int
	}{
		{"SameExternalID", "", []int{201, 400}},
		{"SameKey", "race-key", []int{201, 425}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			req := batchOf("race", eurPayment("", 100, "x"))
			statuses := make(chan int, 20)
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					resp, err := f.rawPost(f.hc, req, tt.key)
					if err != nil {
						statuses <- 0
						return
					}
					statuses <- resp.StatusCode
				})
			}
			wg.Wait()
			close(statuses)
			created := 0
			for st := range statuses {
				assert.Contains(t, tt.allowed, st)
				if st == 201 {
					created++
				}
			}
			assert.GreaterOrEqual(t, created, 1)
			assert.Len(t, f.srv.Batches(), 1)
			assert.Equal(t, 1, f.srv.Stats().BatchesCreated)
		})
	}
}
