package config

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fmtAll prints c every way a careless log line might.
func fmtAll(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v %+v %#v %s %v %+v %#v\n", c, c, c, c, *c, *c, *c)
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "cfg", c, "value", *c)
	return b.String()
}

func TestConfig_Route(t *testing.T) {
	c, err := parse(t, minimal+"[[routes]]\nname = \"sepa\"\nformat = \"pain001\"\nconnection_id = \"auto\"\n")
	require.NoError(t, err)
	tests := []struct {
		name   string
		ok     bool
		format string
	}{
		{"payables", true, FormatCSV},
		{"sepa", true, FormatPain001},
		{"Sepa", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := c.Route(tt.name)
			require.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.format, r.Format)
			}
		})
	}
	r, _ := c.Route("sepa")
	r.ConnectionID = "c1"
	assert.Equal(t, "c1", c.Routes[1].ConnectionID, "Route points into the config")
	assert.Equal(t, []string{"payables", "sepa"}, c.RouteNames())
}

func TestConfig_SFTPUser(t *testing.T) {
	c, err := parse(t, minimal+"[[sftp.users]]\nname = \"erp\"\npassword_hash = \""+testHash+"\"\n")
	require.NoError(t, err)
	u, ok := c.SFTPUser("erp")
	require.True(t, ok)
	assert.Equal(t, testHash, u.PasswordHash)
	_, ok = c.SFTPUser("nobody")
	assert.False(t, ok)
}

func TestConfig_CSVProfileFor(t *testing.T) {
	c, err := parse(t, minimal+`csv_profile = "sap"
[[routes]]
name = "atlar-csv"
format = "csv"
csv_profile = "atlar"
[[routes]]
name = "plain"
format = "csv"
[csv_profiles.sap]
delimiter = ";"
decimal = ","
header = false
quote = ""
`)
	require.NoError(t, err)
	tests := []struct {
		route     string
		atlar     bool
		delimiter string
		header    bool
		quote     string
	}{
		{"payables", false, ";", false, ""},
		{"atlar-csv", true, ",", true, `"`},
		{"plain", false, ",", true, `"`},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			r, ok := c.Route(tt.route)
			require.True(t, ok)
			p, atlar := c.CSVProfileFor(r)
			assert.Equal(t, tt.atlar, atlar)
			assert.Equal(t, tt.delimiter, p.Delimiter)
			assert.Equal(t, tt.header, p.HasHeader())
			assert.Equal(t, tt.quote, p.QuoteChar())
		})
	}
	assert.Equal(t, CSVProfile{}.QuoteChar(), `"`, "unset quote is the default")
	assert.True(t, CSVProfile{}.HasHeader(), "unset header is the default")
}

func TestConfig_String(t *testing.T) {
	c, err := parse(t, minimal)
	require.NoError(t, err)
	assert.Equal(t, "config config.toml: atlar https://api.atlar.com, routes [payables], secret unset", c.String())
	c.Secret = "hunter2"
	assert.Equal(t, "config config.toml: atlar https://api.atlar.com, routes [payables], secret set", c.String())
	assert.NotContains(t, fmtAll(c), "hunter2")
}
