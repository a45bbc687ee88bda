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
)

// sharedDir finds ../shared next to the module root, where the ISO 20022
// schemas and public samples live (read by path, never copied).
func sharedDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	require.NoError(tb, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		require.NotEqual(tb, parent, dir, "no go.mod above the package")
		dir = parent
	}
	shared := filepath.Join(dir, "..", "shared")
	_, err = os.Stat(shared)
	require.NoError(tb, err, "the shared folder next to the repository")
	return shared
}

func samplesDir(tb testing.TB) string {
	return filepath.Join(sharedDir(tb), "iso20022", "samples", "pain001")
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

// needTool skips when an external tool is missing, except on CI where its
// absence is a failure.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is required on CI: %v", name, err)
		}
		tb.Skipf("%s not installed", name)
	}
	return path
}

// xmllint validates doc against the official XSD of version and returns
// nil when it is schema-valid.
func xmllint(tb testing.TB, version string, doc []byte) error {
	tb.Helper()
	lint := needTool(tb, "xmllint")
	xsd := filepath.Join(sharedDir(tb), "iso20022", "xsd", version+".xsd")
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
// which a bytes.Reader never causes.
func read(tb testing.TB, doc []byte, o Options) *Result {
	tb.Helper()
	res, err := Read(bytes.NewReader(doc), o)
	require.NoError(tb, err)
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
