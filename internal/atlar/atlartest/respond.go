package atlartest

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// Messages used in error bodies, as the public spec's examples word them.
const (
	msgBadInput     = "There is some problem with the data you submitted."
	msgNotFound     = "Resource not found."
	msgUnauthorized = "Unauthorized."
)

// recorder buffers a handler's response so that the serving pipeline can
// store it for idempotent replay, or drop it to simulate a lost response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// flush writes the buffered response to w, keeping headers already set on w
// (Request-Id) unless the handler set them too.
func (r *recorder) flush(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.code())
	_, _ = w.Write(r.body.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types are marshalled; this is a bug in the fake.
		panic("atlartest: marshal response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError writes Atlar's ErrorResponse body.
func writeError(w http.ResponseWriter, status int, message string, details ...atlar.ErrorDetail) {
	writeJSON(w, status, atlar.ErrorResponse{Status: status, Message: message, Details: details})
}

func writeNotFound(w http.ResponseWriter) { writeError(w, http.StatusNotFound, msgNotFound) }

// writeBadField writes a 400 naming one field.
func writeBadField(w http.ResponseWriter, field, code, msg string) {
	writeError(w, http.StatusBadRequest, msgBadInput, atlar.ErrorDetail{Code: code, Error: msg, Field: field})
}

func errorDetail(code, msg, field string) atlar.ErrorDetail {
	return atlar.ErrorDetail{Code: code, Error: msg, Field: field}
}
