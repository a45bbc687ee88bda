package atlartest

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// instruction is a file pushed to the bank over a connection. Its status is
// derived from the clock: CREATED, then SENT, then ACCEPTED or REJECTED,
// one InstructionStep each.
type instruction struct {
	id, connectionID      string
	created               time.Time
	fileName, contentType string
	content               []byte
	idempotencyKey        string
	reject                bool
	txs                   []painTx // read from the file, booked once ACCEPTED
	booked                bool
}

// InstructionRecord is an instruction as the server stores it, with the
// exact bytes that were uploaded.
type InstructionRecord struct {
	atlar.Instruction
	Content        []byte
	IdempotencyKey string
}

// painContentTypeRE is the content type an instruction upload must declare
// (ASSUMED; the endpoint is not in the public spec).
var painContentTypeRE = regexp.MustCompile(`^application/vnd\.iso20022\.pain\.001\.001\.[0-9]{2}\+xml$`)

func (s *Server) connection() atlar.Connection {
	return atlar.Connection{
		ID: SeedConnectionID, ThirdPartyID: SeedThirdPartyID, Name: SeedConnectionName,
		Status: "ACTIVE", Created: timestamp(seedCreated),
	}
}

func (s *Server) handleListConnections(w http.ResponseWriter, r *http.Request) {
	writePage(s, w, r, []atlar.Connection{s.connection()})
}

func (s *Server) handleGetConnection(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("cid") != SeedConnectionID {
		writeNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.connection())
}

// instructionAcceptedAt reports when the instruction became ACCEPTED, if
// it has by now.
func (s *Server) instructionAcceptedAt(in *instruction, now time.Time) (time.Time, bool) {
	at := in.created.Add(2 * s.opts.InstructionStep)
	return at, !in.reject && !now.Before(at)
}

func (s *Server) instructionView(in *instruction, now time.Time) atlar.Instruction {
	k := min(max(int(now.Sub(in.created)/s.opts.InstructionStep), 0), 2)
	out := atlar.Instruction{
		ID: in.id, ConnectionID: in.connectionID, FileName: in.fileName, ContentType: in.contentType,
		Status:  []string{"CREATED", "SENT", "ACCEPTED"}[k],
		Created: timestamp(in.created),
		Updated: timestamp(in.created.Add(time.Duration(k) * s.opts.InstructionStep)),
	}
	if k == 2 && in.reject {
		out.Status = "REJECTED"
		out.Message = "rejected by the bank: the file contains " + MagicRejectInstruction
	}
	return out
}

// handleCreateInstruction accepts multipart/form-data with parts file and
// fileContentType (ASSUMED shape, mirroring the batch upload).
func (s *Server) handleCreateInstruction(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("cid") != SeedConnectionID {
		writeNotFound(w)
		return
	}
	if err := r.ParseMultipartForm(maxBody); err != nil {
		writeError(w, http.StatusBadRequest, msgBadInput,
			errorDetail("invalid_body", "must be multipart/form-data with parts file and fileContentType", ""))
		return
	}
	var p problems
	ct := r.FormValue("fileContentType")
	switch {
	case ct == "":
		p.required("fileContentType")
	case !painContentTypeRE.MatchString(ct):
		p.add("fileContentType", "invalid_value", "must look like application/vnd.iso20022.pain.001.001.NN+xml")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		p.required("file")
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	switch {
	case err != nil:
		p.add("file", "invalid_body", "read file: %v", err)
	case len(content) == 0:
		p.add("file", "invalid_value", "must not be empty")
	}
	if len(p) > 0 {
		writeError(w, http.StatusBadRequest, msgBadInput, p...)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &instruction{
		id: newID(), connectionID: SeedConnectionID, created: s.clock.Now(),
		fileName: hdr.Filename, contentType: ct, content: content,
		idempotencyKey: r.Header.Get("Idempotency-Key"),
		reject:         bytes.Contains(content, []byte(MagicRejectInstruction)),
		txs:            readPainTxs(content),
	}
	s.instructions = append(s.instructions, in)
	s.stats.InstructionsCreated++
	writeJSON(w, http.StatusCreated, s.instructionView(in, in.created))
}

func (s *Server) handleGetInstruction(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.instructions {
		if in.id == r.PathValue("id") && in.connectionID == r.PathValue("cid") {
			writeJSON(w, http.StatusOK, s.instructionView(in, s.clock.Now()))
			return
		}
	}
	writeNotFound(w)
}

func (s *Server) handleListInstructions(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("cid") != SeedConnectionID {
		writeNotFound(w)
		return
	}
	s.mu.Lock()
	now := s.clock.Now()
	items := make([]atlar.Instruction, 0, len(s.instructions))
	for _, in := range s.instructions {
		items = append(items, s.instructionView(in, now))
	}
	s.mu.Unlock()
	writePage(s, w, r, items)
}
