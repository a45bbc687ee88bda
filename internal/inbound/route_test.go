package inbound

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/csvpay"
)

// config validates [csv_profiles] column names against its own list; both
// must name the same columns or a valid config fails when a route is built.
func TestCSVProfile_ColumnsMatchConfig(t *testing.T) {
	assert.Equal(t, config.ColumnNames, csvpay.ColumnNames())
}

// A [csv_profiles] table left at its defaults reads files as the default
// layout does.
func TestCSVProfile_ConfigDefaultsAreDefault(t *testing.T) {
	cfg := config.Default()
	cfg.CSVProfile = map[string]config.CSVProfile{"sap": config.DefaultCSVProfile()}
	p, err := CSVProfile(cfg, &config.Route{Name: "pay", Format: "csv", CSVProfile: "sap"})
	require.NoError(t, err)
	want := csvpay.DefaultProfile()
	want.Name = "sap"
	assert.Equal(t, want, p)
}
