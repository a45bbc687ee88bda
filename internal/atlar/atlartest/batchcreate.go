package atlartest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// Batch file content types of the multipart upload.
const (
	batchContentJSON = "application/vnd.atlar.payments.v2.credit-transfer.batch+json"
	batchContentCSV  = "application/vnd.atlar.payments.v2.credit-transfer.batch+csv"
)

// handleCreateBatch checks the request structurally (400 with every
// problem found), refuses a batch externalId already used (400 duplicate),
// and creates the batch in status CREATED (201). Record-level problems are
// found later, when the batch completes.
func (s *Server) handleCreateBatch(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.BatchCreateAttempts++ })
	in, input, status, probs := readBatchInput(r)
	if status != 0 {
		writeError(w, status, msgBadInput, probs...)
		return
	}
	now := s.clock.Now()
	spec, probs := validateBatch(in, now)
	if len(probs) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, probs...)
		return
	}
	input.RecordCount = len(spec.payments)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(now)
	if spec.externalID != "" {
		if _, used := s.externalIDs[spec.externalID]; used {
			writeError(w, http.StatusBadRequest, msgBadInput,
				errorDetail("duplicate", fmt.Sprintf("externalId %q is already used", spec.externalID), "externalId"))
			return
		}
	}
	b := &batch{
		id: newID(), externalID: spec.externalID, treatment: spec.treatment, created: now,
		request: atlar.CreateCreditTransferBatchRequest{
			Treatment: spec.treatment, Payments: spec.payments, ExternalID: spec.externalID,
		},
		input: input, idempotencyKey: r.Header.Get("Idempotency-Key"), stepID: newID(),
	}
	s.batches = append(s.batches, b)
	if b.externalID != "" {
		s.externalIDs[b.externalID] = b.id
	}
	s.stats.BatchesCreated++
	writeJSON(w, http.StatusCreated, s.batchView(b, now))
}

// readBatchInput decodes a JSON or multipart batch body. A non-zero status
// means the body was unusable.
func readBatchInput(r *http.Request) (batchInput, inputContentJSON, int, problems) {
	var in batchInput
	var p problems
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			p.add("", "invalid_body", "read body: %v", err)
			return in, inputContentJSON{}, http.StatusBadRequest, p
		}
		in, p = decodeBatchJSON(body)
		if len(p) > 0 {
			return in, inputContentJSON{}, http.StatusBadRequest, p
		}
		return in, contentInfo("application/json", body, ""), 0, nil
	case "multipart/form-data":
		return readBatchMultipart(r)
	default:
		p.add("Content-Type", "unsupported_media_type", "must be application/json or multipart/form-data")
		return in, inputContentJSON{}, http.StatusUnsupportedMediaType, p
	}
}

// readBatchMultipart reads the documented upload: treatment,
// fileContentType and file. The JSON file holds either the payments array
// or an object shaped like the JSON request (ASSUMED: the JSON file format
// is not documented). CSV content is not supported by the fake.
func readBatchMultipart(r *http.Request) (batchInput, inputContentJSON, int, problems) {
	var in batchInput
	var p problems
	if err := r.ParseMultipartForm(maxBody); err != nil {
		p.add("", "invalid_body", "invalid multipart body: %v", err)
		return in, inputContentJSON{}, http.StatusBadRequest, p
	}
	fct := r.FormValue("fileContentType")
	switch fct {
	case "":
		p.required("fileContentType")
	case batchContentJSON:
	case batchContentCSV:
		p.add("fileContentType", "unsupported", "the fake Atlar server does not read CSV batches")
	default:
		p.add("fileContentType", "invalid_value", "must be one of [%s %s]", batchContentCSV, batchContentJSON)
	}
	if _, ok := r.MultipartForm.Value["treatment"]; !ok {
		p.required("treatment")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		p.required("file")
		return in, inputContentJSON{}, http.StatusBadRequest, p
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	if err != nil {
		p.add("file", "invalid_body", "read file: %v", err)
	}
	if len(p) > 0 {
		return in, inputContentJSON{}, http.StatusBadRequest, p
	}
	if trimmed := bytes.TrimSpace(content); len(trimmed) > 0 && trimmed[0] == '[' {
		var payments []paymentInput
		if err := json.Unmarshal(content, &payments); err != nil {
			return in, inputContentJSON{}, http.StatusBadRequest, jsonProblem(err)
		}
		in.Payments = &payments
	} else if in, p = decodeBatchJSON(content); len(p) > 0 {
		return in, inputContentJSON{}, http.StatusBadRequest, p
	}
	treatment := r.FormValue("treatment")
	in.Treatment = &treatment
	if v, ok := r.MultipartForm.Value["externalId"]; ok && len(v) > 0 {
		in.ExternalID = &v[0]
	}
	return in, contentInfo(fct, content, hdr.Filename), 0, nil
}

func contentInfo(contentType string, content []byte, filename string) inputContentJSON {
	sum := sha256.Sum256(content)
	return inputContentJSON{
		ContentType: contentType, Size: len(content),
		Checksum: "sha256:" + hex.EncodeToString(sum[:]), Filename: filename,
	}
}
