package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// TestParse_Example parses config.toml.example at the repo root: the file
// operators copy must always be valid and show every key.
func TestParse_Example(t *testing.T) {
	path := filepath.Join(sharedtest.RepoRoot(t), "config.toml.example")
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	c, err := Parse(strings.NewReader(string(doc)), path)
	require.NoError(t, err)

	assert.Equal(t, []string{"payables", "sepa", "collections", "debits", "vendors"}, c.RouteNames())
	payables, ok := c.Route("payables")
	require.True(t, ok)
	assert.Equal(t, FormatCSV, payables.Format)
	p, atlar := c.CSVProfileFor(payables)
	assert.False(t, atlar)
	assert.Equal(t, ";", p.Delimiter)
	assert.Equal(t, ",", p.Decimal)
	assert.Equal(t, EncodingWin1252, p.Encoding)
	assert.Equal(t, "DD.MM.YYYY", p.DateFormat)
	assert.Equal(t, "Betrag", p.Columns["amount"])
	sepa, ok := c.Route("sepa")
	require.True(t, ok)
	assert.Equal(t, ModeInstruction, sepa.Mode)
	assert.Equal(t, ConnectionAuto, sepa.ConnectionID)
	assert.Equal(t, "ATLAR_SECRET", c.Atlar.SecretEnv)
	assert.Empty(t, c.Atlar.SecretFile, "the example never holds a secret inline")
	require.Len(t, c.SFTP.Users, 1)
	assert.True(t, c.SFTP.Enabled)

	// Every key of the struct appears in the example, in some route or
	// user; secret_file only as a comment, since it excludes secret_env.
	x, err := indexKeys(doc)
	require.NoError(t, err)
	written := map[string]bool{}
	for key := range x.lines {
		written[anyIndex.ReplaceAllString(key, "[]")] = true
	}
	for _, key := range allKeys(t) {
		if key == "atlar.secret_file" {
			assert.Regexp(t, `(?m)^# secret_file = "/`, string(doc))
			continue
		}
		assert.True(t, written[anyIndex.ReplaceAllString(key, "[]")], "config.toml.example lacks %s", key)
	}
}

var anyIndex = regexp.MustCompile(`\[[0-9]+\]`)

// allKeys lists the config's keys by marshalling a config that has one of
// each array element and map entry.
func allKeys(t *testing.T) []string {
	t.Helper()
	c := Default()
	c.Routes = []Route{{}}
	c.SFTP.Users = []SFTPUser{{}}
	f := false
	q := ""
	c.CSVProfile = map[string]CSVProfile{"sap": {Header: &f, Quote: &q, Columns: map[string]any{"amount": "Betrag"}}}
	b, err := toml.Marshal(c)
	require.NoError(t, err)
	x, err := indexKeys(b)
	require.NoError(t, err)
	var keys []string
	for _, e := range x.entries {
		if e.kind != 0 && !strings.Contains(e.key[strings.LastIndexByte(e.key, '.')+1:], "[") {
			keys = append(keys, e.key)
		}
	}
	return keys
}

// TestConfig_MarshalRoundTrip checks that a parsed config written back
// with go-toml (as `bridge demo` writes its config) parses to the same.
func TestConfig_MarshalRoundTrip(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(sharedtest.RepoRoot(t), "config.toml.example"))
	require.NoError(t, err)
	c, err := parse(t, string(doc))
	require.NoError(t, err)
	out, err := toml.Marshal(c)
	require.NoError(t, err)
	back, err := parse(t, string(out))
	require.NoError(t, err, string(out))
	c.keys, back.keys = nil, nil
	assert.Equal(t, c, back)
}
