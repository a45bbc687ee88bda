package atlar

import (
	"bytes"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
)

// instructionBody builds the upload body of CreateInstruction and returns it
// with its Content-Type.
//
// ASSUMPTION: the instructions endpoint is not in Atlar's public spec, so its
// body shape is unverified. It mirrors the documented multipart upload of
// credit-transfer batches: a multipart/form-data body with a field
// "fileContentType" (the file's media type) and a part "file" holding the
// untouched bytes, with the file name and that media type as the part's
// Content-Type. Verify against a sandbox and change only this function.
//
// The body is built once per call, so every retry sends the same bytes.
func instructionBody(fileName string, content []byte, contentType string) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("fileContentType", contentType); err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	// FormatMediaType quotes the name and encodes non-ASCII (RFC 2231).
	disposition := mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": fileName})
	if disposition == "" {
		return nil, "", fmt.Errorf("file name %q cannot be sent", fileName)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	if _, err := part.Write(content); err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}
