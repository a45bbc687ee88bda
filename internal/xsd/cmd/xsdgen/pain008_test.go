package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// The committed pain008 tables are what go generate makes from the XSDs
// today: an XSD replaced without regenerating fails here.
func TestGenerate_Pain008UpToDate(t *testing.T) {
	dir := filepath.Join(sharedtest.RepoRoot(t), "internal", "pain008")
	src, err := os.ReadFile(filepath.Join(dir, "schemas.go"))
	require.NoError(t, err)
	line := regexp.MustCompile(`(?m)^//go:generate go run \S+ -pkg (\S+) -o (\S+) (.*)$`).FindSubmatch(src)
	require.NotNil(t, line, "go:generate line in pain008/schemas.go")
	var files []string
	for _, f := range strings.Fields(string(line[3])) {
		files = append(files, filepath.Join(dir, f))
	}
	got, err := generate(string(line[1]), files)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(dir, string(line[2])))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run go generate ./internal/pain008")
}
