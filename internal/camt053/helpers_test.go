package camt053

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// sharedDir returns the team's shared folder (../shared next to the
// directory holding go.mod).
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared")
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found above the package")
		dir = parent
	}
}

// requireXMLLint skips the test when xmllint is missing, except in CI,
// where a missing judge is a failure.
func requireXMLLint(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("xmllint is required in CI (apt-get install libxml2-utils): %v", err)
		}
		t.Skip("xmllint not installed (apt-get install libxml2-utils)")
	}
	return path
}

// validateXSD checks doc against the schema with xmllint.
func validateXSD(t testing.TB, xmllint, xsd string, doc []byte) {
	t.Helper()
	cmd := exec.Command(xmllint, "--noout", "--schema", xsd, "-")
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "xmllint --schema %s:\n%s", filepath.Base(xsd), out)
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test -update")
	require.Equal(t, string(want), string(got))
}
