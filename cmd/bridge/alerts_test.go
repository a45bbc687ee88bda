package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/alert"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

type hookBody struct {
	Event    string `json:"event"`
	Severity string `json:"severity"`
	Time     string `json:"time"`
	Message  string `json:"message"`
	FileID   string `json:"file_id"`
	Route    string `json:"route"`
	Name     string `json:"name"`
}

// hookSink is a loopback webhook receiver that keeps only POSTs whose
// signature verifies.
type hookSink struct {
	srv      *httptest.Server
	mu       sync.Mutex
	got      []hookBody
	unsigned int
}

func newHookSink(t *testing.T, secret string) *hookSink {
	h := &hookSink{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if !alert.Verify(secret, r.Header.Get("X-Bridge-Timestamp"), r.Header.Get("X-Bridge-Signature"), body) {
			h.unsigned++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var b hookBody
		if err := json.Unmarshal(body, &b); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		h.got = append(h.got, b)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait returns the first event matching kind and severity.
func (h *hookSink) wait(t *testing.T, kind, severity string) hookBody {
	t.Helper()
	var found hookBody
	require.Eventuallyf(t, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, b := range h.got {
			if b.Event == kind && b.Severity == severity {
				found = b
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "no %s/%s webhook; got %+v", kind, severity, h.events())
	return found
}

func (h *hookSink) events() []hookBody {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookBody(nil), h.got...)
}

func withWebhook(h *hookSink) func(*config.Config) {
	return func(c *config.Config) {
		c.Alerts.Webhook = &config.AlertWebhook{URL: h.srv.URL, Secret: "hook-secret"}
		c.Alerts.DiskMinFree = 0
		c.Alerts.StuckAfter = config.D(time.Minute)
	}
}

func TestAlerts_RejectedFileReachesWebhook(t *testing.T) {
	h := newHookSink(t, "hook-secret")
	tb := newTestBridge(t, withWebhook(h))
	tb.drop("payables", "bad.csv", []byte("external_id,source_iban,amount,currency,external_account_id\nA1,DE89370400440532013000,12.345,EUR,external:x\n"))
	files := tb.waitFiles(15*time.Second, 1, state.Rejected)
	b := h.wait(t, alert.FileRejected, "error")
	require.Equal(t, files[0].ID, b.FileID)
	require.Equal(t, "payables", b.Route)
	require.Equal(t, "bad.csv", b.Name)
	require.Contains(t, b.Message, "row 1")
	_, err := time.Parse(time.RFC3339, b.Time)
	require.NoError(t, err)
	// Later journal writes of the same file (moving the original) do not
	// raise it again.
	tb.original(files[0])
	n := 0
	for _, e := range h.events() {
		if e.Event == alert.FileRejected {
			n++
		}
	}
	require.Equal(t, 1, n, "one alert per rejected file")
	require.Zero(t, h.unsigned)
	require.NotContains(t, tb.logs.String(), "hook-secret", "the webhook secret is never logged")
}

func TestAlerts_StuckFileRaisedAndResolved(t *testing.T) {
	h := newHookSink(t, "hook-secret")
	tb := newTestBridge(t, withWebhook(h))
	// Received an hour ago: stuck for the bridge's own watchdog too, which
	// runs beside these calls (a file stuck only in the test's future
	// would be resolved by it in between, and raised twice).
	f := &state.File{ID: state.NewID(time.Now()), Route: "payables", Format: "csv", Name: "stuck.csv",
		State: state.Received, Path: "processing/payables/x", InboxPath: "inbox/payables/x", ReceivedAt: time.Now().Add(-time.Hour)}
	require.NoError(t, tb.app.store.Create(f, "test"))
	reported := map[string]bool{}
	tb.app.checkAlerts(reported, time.Now())
	tb.app.checkAlerts(reported, time.Now().Add(time.Minute))
	b := h.wait(t, alert.FileStuck, "warning")
	require.Equal(t, "stuck.csv", b.Name)
	_, err := tb.app.store.Update(f.ID, "test", func(f *state.File) error { f.State = state.Completed; return nil })
	require.NoError(t, err)
	tb.app.checkAlerts(reported, time.Now().Add(2*time.Minute))
	r := h.wait(t, alert.FileStuck, "resolved")
	require.Equal(t, f.ID, r.FileID)
	stuck := 0
	for _, e := range h.events() {
		if e.Event == alert.FileStuck && e.Severity == "warning" {
			stuck++
		}
	}
	require.Equal(t, 1, stuck, "de-duplicated while the condition lasts")
}

func TestAlerts_AtlarUnauthorizedRaisedAndResolved(t *testing.T) {
	h := newHookSink(t, "hook-secret")
	tb := newTestBridge(t, withWebhook(h))
	tb.app.api.SetCredentials(tb.cfg.Atlar.AccessKey, "wrong-secret")
	tb.drop("payables", "p.csv", []byte("external_id,source_iban,amount,currency,external_account_id\nU1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"))
	b := h.wait(t, alert.AtlarAuth, "error")
	require.Contains(t, b.Message, "401")
	require.NotContains(t, b.Message, "wrong-secret")
	tb.app.api.SetCredentials(tb.cfg.Atlar.AccessKey, "demo-secret")
	h.wait(t, alert.AtlarAuth, "resolved")
}

func TestAlerts_CLITestSendsEveryKind(t *testing.T) {
	h := newHookSink(t, "hook-secret")
	tb := newTestBridge(t)
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	t.Setenv("TEST_HOOK_SECRET", "hook-secret")
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(f, "[alerts]\nwebhook = { url = %q, secret_env = \"TEST_HOOK_SECRET\" }\n", h.srv.URL)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	out, errOut, code := runCLI(t, "alerts", "test", "--config", cfgPath)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	got := map[string]bool{}
	for _, e := range h.events() {
		got[e.Event] = true
	}
	for _, k := range alert.Kinds {
		require.True(t, got[k], "kind %s not sent; got %v", k, got)
		require.Contains(t, out, k)
	}
	require.Zero(t, h.unsigned)
	require.NotContains(t, out+errOut, "hook-secret")

	// A receiver that refuses: exit 1, each failure printed.
	h.srv.Close()
	_, _, code = runCLI(t, "alerts", "test", "--config", cfgPath)
	require.Equal(t, 1, code)

	// No channel configured: a config error.
	bare := filepath.Join(tb.root, "bare.toml")
	require.NoError(t, os.WriteFile(bare, []byte(fmt.Sprintf(testConfig, tb.cfg.Atlar.BaseURL, tb.root, false)), 0o600))
	_, errOut, code = runCLI(t, "alerts", "test", "--config", bare)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "alerts.email")
}
