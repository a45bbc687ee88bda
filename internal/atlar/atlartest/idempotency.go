package atlartest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"time"
)

// idemTTL is how long an Idempotency-Key is remembered after its first use.
const idemTTL = 24 * time.Hour

// idemEntry is the state of one Idempotency-Key.
type idemEntry struct {
	fingerprint string
	first       time.Time
	inFlight    bool
	resp        *recorder // set once the first request finished
}

// idemBegin looks key up. It returns a stored response to replay, or a
// status to answer (422 different body, 425 still in flight), or neither,
// in which case the key is now in flight and the caller must finish or
// abort it.
func (s *Server) idemBegin(key, fp string) (*recorder, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if e, ok := s.idem[key]; ok && now.Sub(e.first) < idemTTL {
		switch {
		case e.fingerprint != fp:
			return nil, http.StatusUnprocessableEntity
		case e.inFlight:
			return nil, http.StatusTooEarly
		default:
			return e.resp, e.resp.code()
		}
	}
	for k, e := range s.idem {
		if now.Sub(e.first) >= idemTTL {
			delete(s.idem, k)
		}
	}
	s.idem[key] = &idemEntry{fingerprint: fp, first: now, inFlight: true}
	return nil, 0
}

// idemAbort forgets an in-flight key whose request had no effect.
func (s *Server) idemAbort(key string) {
	if key == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.idem[key]; ok && e.inFlight {
		delete(s.idem, key)
	}
}

// idemFinish stores the response for replay. Server errors are not stored:
// they had no effect, so a retry must be processed afresh.
func (s *Server) idemFinish(key string, rec *recorder) {
	if key == "" {
		return
	}
	if rec.code() >= 500 {
		s.idemAbort(key)
		return
	}
	stored := newRecorder()
	stored.status = rec.code()
	stored.body.Write(rec.body.Bytes())
	for _, h := range []string{"Content-Type", "Location"} {
		if v := rec.header.Get(h); v != "" {
			stored.header.Set(h, v)
		}
	}
	stored.header.Set("Idempotent-Replayed", "true")
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.idem[key]; ok {
		e.inFlight = false
		e.resp = stored
	}
}

func writeIdemError(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusUnprocessableEntity:
		writeError(w, status, "Idempotency-Key was already used with a different request.",
			errorDetail("idempotency_key_reused", "the same key must be sent with the same method, path and body", "Idempotency-Key"))
	case http.StatusTooEarly:
		writeError(w, status, "Too early: a request with this Idempotency-Key is still being processed.")
	}
}

// fingerprint identifies a request body for idempotency. Multipart bodies
// are compared by their parts (names, filenames, part content types and
// bytes), not by their raw bytes, because a client rebuilding the same form
// for a retry picks a new random boundary.
func fingerprint(r *http.Request, body []byte) string {
	h := sha256.New()
	writeField(h, []byte(r.Method))
	writeField(h, []byte(r.URL.Path))
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" && params["boundary"] != "" {
		if parts, ok := multipartParts(body, params["boundary"]); ok {
			for _, p := range parts {
				writeField(h, p)
			}
			return hex.EncodeToString(h.Sum(nil))
		}
	}
	writeField(h, body)
	return hex.EncodeToString(h.Sum(nil))
}

// multipartParts returns one canonical byte string per part, sorted.
func multipartParts(body []byte, boundary string) ([][]byte, bool) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var parts [][]byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		content, err := io.ReadAll(p)
		if err != nil {
			return nil, false
		}
		var b bytes.Buffer
		for _, f := range []string{p.FormName(), p.FileName(), p.Header.Get("Content-Type")} {
			b.WriteString(f)
			b.WriteByte(0)
		}
		b.Write(content)
		parts = append(parts, b.Bytes())
	}
	sort.Slice(parts, func(i, j int) bool { return bytes.Compare(parts[i], parts[j]) < 0 })
	return parts, true
}

// writeField writes a length-prefixed field so that concatenations cannot
// collide.
func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}
