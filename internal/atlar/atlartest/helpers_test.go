package atlartest

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// t0 is the fake clock's start: a fixed instant so that dates, seeded
// statements and golden files are stable.
var t0 = time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC)

// fixture is a fake server on httptest with a fake clock.
type fixture struct {
	t     testing.TB
	srv   *Server
	base  string
	clock *clockwork.FakeClock
	hc    *http.Client
}

func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	clock := clockwork.NewFakeClockAt(t0)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	srv, base := NewTest(t, opts)
	return &fixture{t: t, srv: srv, base: base, clock: clock, hc: &http.Client{Timeout: 10 * time.Second}}
}

// do sends a request with HTTP Basic (unless hdr sets Authorization) and
// returns the response with its body read.
func (f *fixture) do(method, path string, body []byte, hdr ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.base+path, bytes.NewReader(body))
	require.NoError(f.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if req.Header.Get("Authorization") == "" {
		req.SetBasicAuth("demo-key", "demo-secret")
	}
	resp, err := f.hc.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return resp, b
}

// get GETs path, requires status 200 and decodes the body into out.
func (f *fixture) get(path string, out any) {
	f.t.Helper()
	resp, body := f.do(http.MethodGet, path, nil)
	require.Equal(f.t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, body)
	require.NoError(f.t, json.Unmarshal(body, out), "GET %s: %s", path, body)
}

// getAll follows nextToken until it is "".
func getAll[T any](f *fixture, path string) []T {
	f.t.Helper()
	var all []T
	token := ""
	for range 1000 {
		u := path
		if token != "" {
			sep := "?"
			if bytes.ContainsRune([]byte(path), '?') {
				sep = "&"
			}
			u += sep + "token=" + url.QueryEscape(token)
		}
		var page atlar.ListResponse[T]
		f.get(u, &page)
		all = append(all, page.Items...)
		if page.NextToken == "" {
			return all
		}
		token = page.NextToken
	}
	f.t.Fatalf("paging %s did not end", path)
	return nil
}

// postJSON POSTs v as JSON.
func (f *fixture) postJSON(path string, v any, hdr ...string) (*http.Response, []byte) {
	f.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(f.t, err)
	return f.do(http.MethodPost, path, b, hdr...)
}

// createBatch POSTs a batch, requires 201 and returns it.
func (f *fixture) createBatch(req atlar.CreateCreditTransferBatchRequest, hdr ...string) atlar.CreditTransferBatch {
	f.t.Helper()
	resp, body := f.postJSON(batchesPath, req, hdr...)
	require.Equal(f.t, http.StatusCreated, resp.StatusCode, "%s", body)
	var b atlar.CreditTransferBatch
	require.NoError(f.t, json.Unmarshal(body, &b))
	return b
}

// multipartBody builds a multipart/form-data body; a field whose name is
// "file" becomes a file part named fileName with partType.
func multipartBody(t testing.TB, fields [][2]string, fileName, partType string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, kv := range fields {
		if kv[0] == "file" {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="file"; filename="`+fileName+`"`)
			h.Set("Content-Type", partType)
			w, err := mw.CreatePart(h)
			require.NoError(t, err)
			_, err = w.Write([]byte(kv[1]))
			require.NoError(t, err)
			continue
		}
		require.NoError(t, mw.WriteField(kv[0], kv[1]))
	}
	require.NoError(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

const batchesPath = "/payments/v2beta/credit-transfer-batches"

// eurPayment is a valid payment from the EUR account to the seeded French
// supplier, dated today.
func eurPayment(externalID string, value int64, reference string) atlar.CreateCreditTransferRequest {
	return atlar.CreateCreditTransferRequest{
		Amount:      atlar.Amount{Currency: "EUR", Value: value},
		Scheme:      "SCT",
		Date:        t0.Format(time.DateOnly),
		Source:      atlar.AccountRef{Type: "ACCOUNT", ID: SeedEURAccountID},
		Destination: atlar.AccountRef{Type: "EXTERNAL_ACCOUNT", ID: SeedFournisseurExternalAccountID},
		Reference:   reference,
		ExternalID:  externalID,
	}
}

func batchOf(externalID string, payments ...atlar.CreateCreditTransferRequest) atlar.CreateCreditTransferBatchRequest {
	return atlar.CreateCreditTransferBatchRequest{Treatment: "INDIVIDUAL_PAYMENTS", Payments: payments, ExternalID: externalID}
}

// golden compares got with testdata/<name>, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	require.Equal(t, string(want), string(got))
}

// eventually polls cond with a deadline.
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, time.Millisecond, msg)
}

const instructionsPath = "/connectivity/v2beta/connections/" + SeedConnectionID + "/instructions"
