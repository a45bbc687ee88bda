package atlar

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// upload is one instruction upload as the server parsed it back.
type upload struct {
	raw             []byte
	key             string
	fileName        string
	partType        string
	fileContentType string
	content         []byte
}

func parseUpload(t *testing.T, r *http.Request) upload {
	t.Helper()
	raw, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mt)
	u := upload{raw: raw, key: r.Header.Get("Idempotency-Key")}
	mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		switch p.FormName() {
		case "file":
			u.fileName, u.partType, u.content = p.FileName(), p.Header.Get("Content-Type"), b
		case "fileContentType":
			u.fileContentType = string(b)
		default:
			t.Errorf("unexpected part %q", p.FormName())
		}
	}
	return u
}

func TestClient_CreateInstruction(t *testing.T) {
	// Bytes a careless client would alter: BOM, CRLF, Latin-1, trailing NUL.
	content := append([]byte("\xef\xbb\xbf<?xml version=\"1.0\"?>\r\n<Document>M\xfcller &amp; S\xf6hne</Document>\r\n"), 0)
	const contentType = "application/vnd.iso20022.pain.001.001.03+xml"

	var (
		mu      sync.Mutex
		uploads []upload
	)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/connectivity/v2beta/connections/conn-1/instructions", r.URL.Path)
		u := parseUpload(t, r)
		mu.Lock()
		uploads = append(uploads, u)
		n := len(uploads)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the retry must resend the same body
			return
		}
		w.Header().Set("Request-Id", "req-instr")
		writeJSON(t, w, http.StatusCreated, Instruction{ID: "instr-1", ConnectionID: "conn-1", Status: "CREATED"})
	}))
	c, _ := newTestClient(t, srv.URL, nil)

	in, err := c.CreateInstruction(testCtx(t), "conn-1", "Zahlungen März 01.xml", content, contentType, "file-9/instruction")
	require.NoError(t, err)
	assert.Equal(t, &Instruction{ID: "instr-1", ConnectionID: "conn-1", Status: "CREATED", RequestID: "req-instr"}, in)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, uploads, 2)
	u := uploads[1]
	assert.Equal(t, content, u.content, "file bytes arrive untouched")
	assert.Equal(t, "Zahlungen März 01.xml", u.fileName)
	assert.Equal(t, contentType, u.partType)
	assert.Equal(t, contentType, u.fileContentType)
	assert.Equal(t, "file-9/instruction", u.key)
	assert.Equal(t, uploads[0].raw, uploads[1].raw, "retries replay the identical body")
	assert.Equal(t, uploads[0].key, uploads[1].key)
}

func TestClient_GetInstruction(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/connectivity/v2beta/connections/conn-1/instructions/instr-1", r.URL.Path)
		writeJSON(t, w, http.StatusOK, Instruction{ID: "instr-1", Status: "ACCEPTED"})
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	in, err := c.GetInstruction(testCtx(t), "conn-1", "instr-1")
	require.NoError(t, err)
	assert.Equal(t, "ACCEPTED", in.Status)
}

func TestClient_ReportContent(t *testing.T) {
	xml := []byte("<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"/>\n")
	tests := []struct {
		name        string
		e2e         bool
		wantE2EFlag string
	}{
		{"Plain", false, ""},
		{"ExternalIDAsEndToEndID", true, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				assert.Equal(t, "/connectivity/v2beta/connections/conn-1/reports/rep-7/content", r.URL.Path)
				assert.Equal(t, "application/vnd.iso20022.camt.053.001.02+xml", q.Get("format"))
				assert.Equal(t, tt.wantE2EFlag, q.Get("externalIdAsEndToEndId"))
				assert.True(t, strings.HasPrefix(r.Header.Get("Accept"), "application/vnd.iso20022.camt.053.001.02+xml"))
				w.Header().Set("Content-Type", "application/xml")
				_, _ = w.Write(xml)
			}))
			c, _ := newTestClient(t, srv.URL, nil)
			got, err := c.ReportContent(testCtx(t), "conn-1", "rep-7", "camt.053.001.02", tt.e2e)
			require.NoError(t, err)
			assert.Equal(t, xml, got)
		})
	}

	t.Run("InvalidVersion", func(t *testing.T) {
		c, _ := newTestClient(t, "http://127.0.0.1:1", nil)
		_, err := c.ReportContent(testCtx(t), "conn-1", "rep-7", "camt.053+json", false)
		assert.ErrorContains(t, err, "invalid message version")
	})
}

func TestClient_ListConnectionsAndReports(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case connectionsPath:
			writeJSON(t, w, http.StatusOK, ListResponse[Connection]{Items: []Connection{{ID: "conn-1", ThirdPartyID: "tp-1"}}})
		case connectionsPath + "/conn-1/reports":
			if r.URL.Query().Get("token") == "" {
				writeJSON(t, w, http.StatusOK, ListResponse[Report]{Items: []Report{{ID: "r1"}}, NextToken: "x"})
				return
			}
			writeJSON(t, w, http.StatusOK, ListResponse[Report]{Items: []Report{{ID: "r2"}}})
		default:
			t.Errorf("unexpected path %s", r.URL.Path)
		}
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	conns, err := c.ListConnections(testCtx(t))
	require.NoError(t, err)
	require.Equal(t, []Connection{{ID: "conn-1", ThirdPartyID: "tp-1"}}, conns)
	reps, err := c.ListReports(testCtx(t), "conn-1")
	require.NoError(t, err)
	assert.Equal(t, []Report{{ID: "r1"}, {ID: "r2"}}, reps)
	assert.EqualValues(t, 3, calls.Load())
}

func TestClient_ResponseTooLarge(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"b","pad":"`))
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for range 9 { // 9 MiB > the 8 MiB JSON limit
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.GetCreditTransferBatch(testCtx(t), "b")
	require.ErrorIs(t, err, errBodyTooLarge)
	assert.False(t, Temporary(err))
	assert.EqualValues(t, 1, calls.Load(), "not retried")
}
