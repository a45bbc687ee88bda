package atlartest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

const painType = "application/vnd.iso20022.pain.001.001.03+xml"

func TestServer_Connections(t *testing.T) {
	f := newFixture(t, Options{})
	all := getAll[atlar.Connection](f, "/connectivity/v2beta/connections")
	require.Len(t, all, 1)
	assert.Equal(t, SeedConnectionID, all[0].ID)
	assert.Equal(t, SeedConnectionName, all[0].Name)
	assert.Equal(t, SeedThirdPartyID, all[0].ThirdPartyID, "matches the accounts' thirdPartyId")

	var one atlar.Connection
	f.get("/connectivity/v2beta/connections/"+SeedConnectionID, &one)
	assert.Equal(t, all[0], one)
	for _, path := range []string{
		"/connectivity/v2beta/connections/nope",
		"/connectivity/v2beta/connections/nope/reports",
		"/connectivity/v2beta/connections/nope/instructions",
	} {
		resp, _ := f.do(http.MethodGet, path, nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
}

// postInstruction uploads content as an instruction and returns the answer.
func (f *fixture) postInstruction(content, contentType string, hdr ...string) (*http.Response, []byte) {
	f.t.Helper()
	body, ct := multipartBody(f.t, [][2]string{{"fileContentType", contentType}, {"file", content}}, "pay.xml", contentType)
	return f.do(http.MethodPost, instructionsPath, body, append([]string{"Content-Type", ct}, hdr...)...)
}

func TestServer_Instruction_Lifecycle(t *testing.T) {
	tests := []struct {
		name    string
		content string
		final   string
		message bool
	}{
		{"Accepted", "<Document>\r\n  <pain>ü</pain>\x00\xff</Document>", "ACCEPTED", false},
		{"Rejected", "<Document>REJECT-INSTRUCTION</Document>", "REJECTED", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{InstructionStep: 3 * time.Second})
			resp, body := f.postInstruction(tt.content, painType, "Idempotency-Key", "ik")
			require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
			var in atlar.Instruction
			require.NoError(t, json.Unmarshal(body, &in))
			assert.Equal(t, "CREATED", in.Status)
			assert.Equal(t, SeedConnectionID, in.ConnectionID)
			assert.Equal(t, "pay.xml", in.FileName)
			assert.Equal(t, painType, in.ContentType)

			recs := f.srv.Instructions()
			require.Len(t, recs, 1)
			assert.Equal(t, []byte(tt.content), recs[0].Content, "bytes stored exactly")
			assert.Equal(t, "ik", recs[0].IdempotencyKey)
			assert.Equal(t, 1, f.srv.Stats().InstructionsCreated)

			for _, want := range []string{"CREATED", "SENT", tt.final, tt.final} {
				var got atlar.Instruction
				f.get(instructionsPath+"/"+in.ID, &got)
				assert.Equal(t, want, got.Status)
				f.clock.Advance(3 * time.Second)
			}
			var got atlar.Instruction
			f.get(instructionsPath+"/"+in.ID, &got)
			assert.Equal(t, tt.message, got.Message != "", "message %q", got.Message)

			list := getAll[atlar.Instruction](f, instructionsPath)
			require.Len(t, list, 1)
			assert.Equal(t, got, list[0])
		})
	}
}

func TestServer_Instruction_BadRequest(t *testing.T) {
	tests := []struct {
		name   string
		fields [][2]string
		field  string
	}{
		{"NoContentType", [][2]string{{"file", "<x/>"}}, "fileContentType"},
		{"WrongContentType", [][2]string{{"fileContentType", "application/xml"}, {"file", "<x/>"}}, "fileContentType"},
		{"NoFile", [][2]string{{"fileContentType", painType}}, "file"},
		{"EmptyFile", [][2]string{{"fileContentType", painType}, {"file", ""}}, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			body, ct := multipartBody(t, tt.fields, "p.xml", "application/xml")
			resp, out := f.do(http.MethodPost, instructionsPath, body, "Content-Type", ct)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", out)
			var er atlar.ErrorResponse
			require.NoError(t, json.Unmarshal(out, &er))
			var fields []string
			for _, d := range er.Details {
				fields = append(fields, d.Field)
			}
			assert.Contains(t, fields, tt.field)
			assert.Empty(t, f.srv.Instructions())
		})
	}

	f := newFixture(t, Options{})
	resp, _ := f.do(http.MethodPost, instructionsPath, []byte(`{"file":"x"}`))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "JSON is not the upload shape")
	resp, _ = f.do(http.MethodGet, instructionsPath+"/nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
