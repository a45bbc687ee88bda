package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyIndex_Line(t *testing.T) {
	doc := `version = 1
atlar.base_url = "https://x"
[[routes]]
name = "a"
[[routes]]
name = "b"
results = [
  "csv",
  "pain002",
]
[routes.extra]
x = 1
[[sftp.users]]
name = "u"
authorized_keys = ["k1", "k2"]
[csv_profiles."my.profile"]
columns = { amount = "Betrag", currency = 4 }
[statements]
`
	x, err := indexKeys([]byte(doc))
	require.NoError(t, err)
	tests := []struct {
		key  string
		want int
	}{
		{"version", 1},
		{"atlar", 2},
		{"atlar.base_url", 2},
		{"routes", 3},
		{"routes[0]", 3},
		{"routes[0].name", 4},
		{"routes[1]", 5},
		{"routes[1].name", 6},
		{"routes[1].results", 7},
		{"routes[1].results[1]", 9},
		{"routes[1].extra.x", 12},
		{"routes[1].format", 5}, // not in the file: its [[routes]] header
		{"sftp.users[0].name", 14},
		{"sftp.users[0].authorized_keys[1]", 15},
		{`csv_profiles."my.profile".columns.currency`, 17},
		{`csv_profiles."my.profile".delimiter`, 16},
		{"statements.poll_interval", 18},
		{"log.level", 0},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assert.Equal(t, tt.want, x.line(tt.key))
		})
	}
}

func TestKeyIndex_At(t *testing.T) {
	doc := "[csv_profiles.p]\ncolumns = { amount = 1.5, currency = true }\n"
	x, err := indexKeys([]byte(doc))
	require.NoError(t, err)
	e, ok := x.at(2, 36)
	require.True(t, ok)
	assert.Equal(t, "csv_profiles.p.columns.currency", e.key)
	assert.Equal(t, "true", e.raw)
	e, ok = x.at(2, 22)
	require.True(t, ok)
	assert.Equal(t, "csv_profiles.p.columns.amount", e.key)
	_, ok = x.at(3, 1)
	assert.False(t, ok)
}

func TestSplitKey(t *testing.T) {
	tests := map[string][]string{
		"version":                          {"version"},
		"routes[1].format":                 {"routes", "[]", "format"},
		"sftp.users[0].authorized_keys[2]": {"sftp", "users", "[]", "authorized_keys", "[]"},
		`csv_profiles."a.b".columns.x`:     {"csv_profiles", "a.b", "columns", "x"},
	}
	for key, want := range tests {
		t.Run(key, func(t *testing.T) {
			assert.Equal(t, want, splitKey(key))
		})
	}
}

func TestParentKey(t *testing.T) {
	tests := map[string]string{
		"routes[1].format":             "routes[1]",
		"routes[1]":                    "routes",
		"routes":                       "",
		`csv_profiles."a.b"`:           "csv_profiles",
		`csv_profiles."a.b".delimiter`: `csv_profiles."a.b"`,
	}
	for key, want := range tests {
		t.Run(key, func(t *testing.T) {
			assert.Equal(t, want, parentKey(key))
		})
	}
}
