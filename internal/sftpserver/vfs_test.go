package sftpserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"pay.csv": true, "Zahlungen März.xml": true, ".hidden": true, "a b": true,
		"": false, ".": false, "..": false, "a/b": false, `a\b`: false, "a\x00b": false,
		"a\nb": false, strings.Repeat("x", 256): false, "\xff": false,
	} {
		assert.Equal(t, want, validName(name), "%q", name)
	}
}

func TestIsClientTemp(t *testing.T) {
	for name, want := range map[string]bool{
		"pay.csv.filepart": true, "pay.csv.PART": true, "pay.tmp": true, "~pay.csv": true, ".pay.csv": true,
		"pay.csv": false, "part.csv": false, "tmp": false,
	} {
		assert.Equal(t, want, isClientTemp(name), name)
	}
}

func TestHiddenTempName(t *testing.T) {
	for _, name := range []string{"pay.csv", strings.Repeat("ü", 120), "a"} {
		tmp := hiddenTempName(name)
		assert.True(t, isHiddenTemp(tmp), tmp)
		assert.True(t, isClientTemp(tmp), "the folder watcher ignores it")
		assert.LessOrEqual(t, len(tmp), 255)
		assert.True(t, validName(tmp))
	}
	assert.NotEqual(t, hiddenTempName("a"), hiddenTempName("a"))
	for _, name := range []string{".pay.csv", ".x.upload", ".x.0123456789abcdeg.upload", "x.0123456789abcdef.upload"} {
		assert.False(t, isHiddenTemp(name), name)
	}
}

func TestCleanStaleTemps(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	stale := hiddenTempName("pay.csv")
	keep := []string{"pay.csv", "pay.csv.filepart", ".other"}
	for _, n := range append([]string{stale}, keep...) {
		require.NoError(t, os.WriteFile(filepath.Join(a, n), nil, 0o600))
	}
	require.NoError(t, os.WriteFile(filepath.Join(b, hiddenTempName("x")), nil, 0o600))

	require.NoError(t, CleanStaleTemps([]string{a, b, filepath.Join(a, "missing")}))
	assert.ElementsMatch(t, keep, dirNames(t, a))
	assert.Empty(t, dirNames(t, b))
}
