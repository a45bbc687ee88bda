// Package sharedtest is for tests only: it gives them the team's shared
// folder (../shared beside the repository root, where the ISO 20022
// schemas and samples and Atlar's OpenAPI file live, read by path and never
// copied) and the external tools they are judged with, such as xmllint.
//
// A missing tool skips the test, except when CI=true, where it fails: CI
// installs every tool, so a skip there would hide a test that never ran.
package sharedtest

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// xmllintTimeout bounds one schema validation, so a wedged xmllint fails
// the test instead of hanging it until the test binary's deadline.
const xmllintTimeout = time.Minute

// RepoRoot returns the directory holding go.mod, found by walking up from
// the test's working directory (its package directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found above the package")
		dir = parent
	}
}

// Dir returns the path of elem inside the shared folder beside the
// repository root; with no elem, the shared folder itself. It fails the
// test when the shared folder is missing.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	shared := filepath.Join(RepoRoot(t), "..", "shared")
	// os.Stat, not require.DirExists: that one does not follow a symlink,
	// and the shared folder may well be one.
	info, err := os.Stat(shared)
	require.NoError(t, err, "the shared folder beside the repository")
	require.True(t, info.IsDir(), "%s is not a folder", shared)
	return filepath.Join(append([]string{shared}, elem...)...)
}

// XSD returns the path of the shared ISO 20022 schema name, such as
// "pain.002.001.10.xsd".
func XSD(t testing.TB, name string) string {
	t.Helper()
	return Dir(t, "iso20022", "xsd", name)
}

// Tool returns the path of the external program name. When it is missing
// the test is skipped, unless CI=true, where the test fails naming
// aptPackage, the Debian package that provides it.
func Tool(t testing.TB, name, aptPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (apt-get install %s): %v", name, aptPackage, err)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, aptPackage)
	}
	return path
}

// XMLLint validates doc against the schema at xsdPath with
// `xmllint --noout --schema xsdPath -` and fails the test with xmllint's
// output when doc is not valid. It skips as Tool does without xmllint.
func XMLLint(t testing.TB, doc []byte, xsdPath string) {
	t.Helper()
	lint := Tool(t, "xmllint", "libxml2-utils")
	ctx, cancel := context.WithTimeout(t.Context(), xmllintTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, lint, "--noout", "--schema", xsdPath, "-")
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "xmllint --schema %s:\n%s\ndocument:\n%s", filepath.Base(xsdPath), out, doc)
}

// FreeAddr returns a loopback address with a port nobody listens on now,
// for a process the test starts that must be told its address up front.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// LogBuffer collects log output written from several goroutines while
// the test reads it. The zero value is ready to use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// NodeModule returns the folder of the npm package name that .ci/run
// installs as a test oracle under .oracles/node_modules in the repository
// (gitignored), and the node binary to run it with. A missing node or
// package skips the test, except when CI=true, where it fails.
func NodeModule(t testing.TB, name string) (node, dir string) {
	t.Helper()
	node = Tool(t, "node", "nodejs")
	dir = filepath.Join(RepoRoot(t), ".oracles", "node_modules", name)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("npm package %s is required in CI (.ci/run installs it into .oracles): %v", name, err)
		}
		t.Skipf("npm package %s not installed (see .ci/run: npm install --prefix .oracles)", name)
	}
	return node, dir
}
