package camt053

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

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

// renderCases reads the golden statements under testdata/render, keyed by
// the path (without .json) their golden files start with.
func renderCases(t *testing.T) map[string]renderCase {
	t.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", "render", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	cases := map[string]renderCase{}
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		require.NoError(t, err)
		var c renderCase
		require.NoError(t, json.Unmarshal(raw, &c), in)
		cases[strings.TrimSuffix(in, ".json")] = c
	}
	return cases
}
