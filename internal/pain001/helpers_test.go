package pain001

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// samplesDir holds the public pain.001 samples in the shared folder (read
// by path, never copied).
func samplesDir(tb testing.TB) string {
	tb.Helper()
	return sharedtest.Dir(tb, "iso20022", "samples", "pain001")
}

func readSample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir(tb), name))
	require.NoError(tb, err)
	return b
}

// sampleNames lists every public pain.001 sample.
func sampleNames(tb testing.TB) []string {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(samplesDir(tb), "*.xml"))
	require.NoError(tb, err)
	require.NotEmpty(tb, paths)
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return names
}

// xmllint validates doc against the official XSD of version and returns
// nil when it is schema-valid. Unlike sharedtest.XMLLint it returns the
// verdict instead of failing: the mutation tests expect invalid documents.
func xmllint(tb testing.TB, version string, doc []byte) error {
	tb.Helper()
	lint := sharedtest.Tool(tb, "xmllint", "libxml2-utils")
	xsd := sharedtest.XSD(tb, version+".xsd")
	f := filepath.Join(tb.TempDir(), "doc.xml")
	require.NoError(tb, os.WriteFile(f, doc, 0o600))
	out, err := exec.Command(lint, "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	if err != nil {
		return &lintError{out: string(out)}
	}
	return nil
}

type lintError struct{ out string }

func (e *lintError) Error() string { return "xmllint: " + e.out }

// read runs Read on bytes with fixed options and fails on an I/O error,
// which a bytes.Reader never causes, or if reading with encoding/xml alone
// finds anything else than Read with its fast scanner.
func read(tb testing.TB, doc []byte, o Options) *Result {
	tb.Helper()
	res, err := Read(bytes.NewReader(doc), o)
	require.NoError(tb, err)
	slow, err := readWith(bytes.NewReader(doc), o, false)
	require.NoError(tb, err)
	require.Equal(tb, slow, res, "Read against encoding/xml alone")
	return res
}

// codes lists the problems' reason codes, in order.
func codes(ps payrun.Problems) []string {
	var cs []string
	for _, p := range ps {
		cs = append(cs, p.Code)
	}
	return cs
}

// withCode returns the problems that carry code.
func withCode(ps payrun.Problems, code string) payrun.Problems {
	var out payrun.Problems
	for _, p := range ps {
		if p.Code == code {
			out = append(out, p)
		}
	}
	return out
}

// replaceOnce replaces the first old in doc and fails if there is none,
// so that a mutation cannot silently do nothing.
func replaceOnce(tb testing.TB, doc []byte, old, new string) []byte {
	tb.Helper()
	require.Contains(tb, string(doc), old, "mutation target")
	return []byte(strings.Replace(string(doc), old, new, 1))
}
