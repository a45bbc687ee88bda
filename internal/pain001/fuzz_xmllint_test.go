package pain001

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// FuzzSchemaVerdict runs xmllint as the oracle on every input the fuzzer
// tries: for a well-formed document in a supported namespace, the bridge's
// schema verdict must be xmllint's against the same XSD. Inputs outside
// that (not well-formed to either, another namespace or encoding, past the
// reader's resource limits, an entity declaration) are not schema
// questions and are skipped. bench/fuzz.sh runs it in CI; locally it skips
// without xmllint.
func FuzzSchemaVerdict(f *testing.F) {
	lint := sharedtest.Tool(f, "xmllint", "libxml2-utils")
	xsdDir := sharedtest.Dir(f, "iso20022", "xsd")
	// The samples and one of each mutation of one of them: each seed
	// costs an xmllint run before fuzzing starts.
	for _, name := range sampleNames(f) {
		f.Add(readSample(f, name))
	}
	for _, m := range mutations(f, deSample, readSample(f, deSample), 1) {
		f.Add(m.doc)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, ok := schemaFor(doc)
		if !ok || len(doc) > 1<<20 {
			t.Skip("not a supported pain.001")
		}
		valid, res := bridgeValid(t, doc)
		for _, p := range res.Problems {
			if p.Code == codeFileFormat {
				switch p.Field {
				case "", "DOCTYPE", "encoding":
					// Well-formedness (encoding/xml's and libxml2's
					// parsers differ in corners) and the reader's own
					// policies and limits are not the schema's verdict.
					t.Skip("not well-formed, or outside the reader's limits")
				}
			}
		}
		f := filepath.Join(dir, "doc.xml")
		if err := os.WriteFile(f, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, lint, "--noout", "--nonet", "--schema",
			filepath.Join(xsdDir, s.rules.Name+".xsd"), f).CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			if !valid {
				t.Fatalf("xmllint: valid; bridge: %d schema errors: %v", res.SchemaErrors, res.Problems)
			}
		case errors.As(err, &ee) && ee.ExitCode() == 3: // validation failed
			if valid {
				t.Fatalf("xmllint: invalid; bridge: valid\n%s", out)
			}
		case errors.As(err, &ee) && ee.ExitCode() == 1 && bytes.Contains(out, []byte("parser error")):
			t.Skip("xmllint: not well-formed")
		default:
			t.Skipf("xmllint: %v\n%s", err, out)
		}
	})
}
