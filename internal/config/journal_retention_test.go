package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig_Validate_JournalRetention(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // nil = valid
	}{
		{"Default", minimal, nil},
		{"KeepForever", minimal + "[storage]\njournal_retention = \"0s\"\n", nil},
		{"EqualToWindow", minimal + "dedupe_window = \"500d\"\n[storage]\njournal_retention = \"500d\"\n", nil},
		{
			"Negative", minimal + "[storage]\njournal_retention = \"-1h\"\n",
			[]string{`config.toml:9: storage.journal_retention: must be >= 0 (got "-1h")`},
		},
		{
			"ShorterThanWindowAndMaxWait", minimal + "dedupe_window = \"500d\"\n[storage]\njournal_retention = \"10d\"\n",
			[]string{
				`config.toml:10: storage.journal_retention: must be >= results.max_wait "14d" (got "10d")`,
				`config.toml:10: storage.journal_retention: must be >= routes[0].dedupe_window "500d" of route "payables" (got "10d")`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.doc)
			if tt.want == nil {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			assert.Nil(t, c)
			assert.Equal(t, tt.want, errorLines(t, err))
		})
	}
	c, err := parse(t, minimal)
	require.NoError(t, err)
	assert.Equal(t, 400*24*time.Hour, c.Storage.JournalRetention.Duration)
}
