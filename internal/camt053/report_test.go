package camt053

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// TestRenderAccountReport_Golden renders the golden statements as camt.052
// in both versions and validates them against the official XSDs (xmllint):
// every entry and EndToEndId is there, with one interim booked balance.
func TestRenderAccountReport_Golden(t *testing.T) {
	sharedtest.Tool(t, "xmllint", "libxml2-utils")
	for base, c := range renderCases(t) {
		for _, version := range AccountReportVersions {
			t.Run(filepath.Base(base)+"/"+version, func(t *testing.T) {
				got, err := RenderAccountReport(version, c.Statement)
				require.NoError(t, err)
				golden(t, base+"."+version+".xml", got)
				sharedtest.XMLLint(t, got, sharedtest.XSD(t, version+".xsd"))
				s := string(got)
				assert.Contains(t, s, "<BkToCstmrAcctRpt>")
				assert.Equal(t, 1, strings.Count(s, "<Bal>"))
				assert.Contains(t, s, "<Cd>ITBD</Cd>")
				assert.NotContains(t, s, "OPBD")
				assert.Equal(t, len(c.Statement.Entries), strings.Count(s, "<Ntry>"))
				for _, id := range c.EndToEndIDs {
					assert.Contains(t, s, "<EndToEndId>"+id+"</EndToEndId>")
				}
			})
		}
	}
}

func TestRenderAccountReport_Version(t *testing.T) {
	_, err := RenderAccountReport("camt.052.001.04", Statement{})
	require.ErrorIs(t, err, ErrUnsupportedVersion)
}
