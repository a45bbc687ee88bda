package sharedtest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRepoRoot(t *testing.T) {
	root := RepoRoot(t)
	assert.FileExists(t, filepath.Join(root, "go.mod"))
	assert.FileExists(t, filepath.Join(root, "internal", "sharedtest", "sharedtest.go"))
}

func TestDir(t *testing.T) {
	shared := filepath.Join(RepoRoot(t), "..", "shared")
	assert.Equal(t, shared, Dir(t))
	assert.Equal(t, filepath.Join(shared, "iso20022", "xsd"), Dir(t, "iso20022", "xsd"))
	assert.Equal(t, filepath.Join(shared, "iso20022", "xsd", "pain.002.001.10.xsd"), XSD(t, "pain.002.001.10.xsd"))
	assert.FileExists(t, XSD(t, "pain.002.001.10.xsd"))
}

// recorder is a testing.TB that records how a helper ended the test:
// t.Skipf, t.Fatalf, or require's Errorf and FailNow.
type recorder struct {
	testing.TB
	skipped, failed string
	errors          []string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() { runtime.Goexit() }

// run calls f with a recorder on its own goroutine, as the testing package
// does, so that Skipf and Fatalf can end it.
func run(t *testing.T, f func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestTool(t *testing.T) {
	const missing = "sharedtest-no-such-tool"
	tests := []struct {
		name                string
		ci                  string
		wantSkip, wantFatal bool
	}{
		{name: "MissingSkipsLocally", ci: "", wantSkip: true},
		{name: "MissingSkipsWhenCIIsNotTrue", ci: "1", wantSkip: true},
		{name: "MissingFailsInCI", ci: "true", wantFatal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := run(t, func(tb testing.TB) { Tool(tb, missing, "no-such-package") })
			assert.Equal(t, tt.wantSkip, r.skipped != "", "skipped: %q", r.skipped)
			assert.Equal(t, tt.wantFatal, r.failed != "", "failed: %q", r.failed)
			assert.Contains(t, r.skipped+r.failed, "apt-get install no-such-package")
		})
	}

	t.Run("Present", func(t *testing.T) {
		exe, err := os.Executable()
		require.NoError(t, err)
		t.Setenv("PATH", filepath.Dir(exe))
		assert.Equal(t, exe, Tool(t, filepath.Base(exe), "unused"))
	})
}

func TestXMLLint(t *testing.T) {
	xsd := filepath.Join(t.TempDir(), "note.xsd")
	require.NoError(t, os.WriteFile(xsd, []byte(`<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="note" type="xs:positiveInteger"/>
</xs:schema>
`), 0o600))

	t.Run("Valid", func(t *testing.T) {
		XMLLint(t, []byte(`<note>7</note>`), xsd)
	})
	t.Run("Invalid", func(t *testing.T) {
		Tool(t, "xmllint", "libxml2-utils")
		r := run(t, func(tb testing.TB) { XMLLint(tb, []byte(`<note>-7</note>`), xsd) })
		require.Len(t, r.errors, 1, "an invalid document must fail the test")
		assert.Contains(t, r.errors[0], "note.xsd")
		assert.Contains(t, r.errors[0], "-7", "the message shows xmllint's complaint and the document")
	})
}
