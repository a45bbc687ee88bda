package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

type received struct {
	body      []byte
	ts, sig   string
	ctype     string
	signedOK  bool
	decodeErr error
}

// webhookReceiver is a loopback HTTP server that checks each POST's
// signature as an operator's receiver would.
func webhookReceiver(t *testing.T, secret string, status int) (*httptest.Server, chan received) {
	t.Helper()
	got := make(chan received, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc := received{body: body, ts: r.Header.Get("X-Bridge-Timestamp"), sig: r.Header.Get("X-Bridge-Signature"), ctype: r.Header.Get("Content-Type")}
		rc.signedOK = Verify(secret, rc.ts, rc.sig, body)
		got <- rc
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestWebhookBodyAndSignature(t *testing.T) {
	srv, got := webhookReceiver(t, "hook-secret", http.StatusNoContent)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	w := &Webhook{URL: srv.URL, Secret: "hook-secret", Clock: clock}
	e := Event{Kind: FileRejected, Severity: Error, Time: clock.Now(), Message: "row 3: amount: expected digits", FileID: "01F", Route: "payables", Name: "pay.csv"}
	if err := w.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	rc := <-got
	if !rc.signedOK {
		t.Fatalf("signature %q does not verify for ts %q", rc.sig, rc.ts)
	}
	if rc.ts != strconv.FormatInt(clock.Now().Unix(), 10) || rc.ctype != "application/json" {
		t.Fatalf("headers: ts %q content-type %q", rc.ts, rc.ctype)
	}
	var body map[string]string
	if err := json.Unmarshal(rc.body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"event": "file_rejected", "severity": "error", "time": "2026-12-04T10:00:00Z",
		"message": "row 3: amount: expected digits", "file_id": "01F", "route": "payables", "name": "pay.csv"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("body[%q] = %q, want %q (body %s)", k, body[k], v, rc.body)
		}
	}
	if len(body) != len(want) {
		t.Errorf("body has extra keys: %s", rc.body)
	}
	// A receiver with another secret must reject it.
	if Verify("other", rc.ts, rc.sig, rc.body) {
		t.Fatal("signature verifies under a wrong secret")
	}
}

func TestWebhookNon2xxIsAnError(t *testing.T) {
	srv, _ := webhookReceiver(t, "s", http.StatusInternalServerError)
	w := &Webhook{URL: srv.URL, Secret: "s"}
	if err := w.Send(context.Background(), Event{Kind: DiskLow, Time: time.Now()}); err == nil {
		t.Fatal("a 500 answer counted as delivered")
	}
}
