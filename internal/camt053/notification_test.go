package camt053

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRenderNotification_Golden renders the golden statements as camt.054
// in both versions, validates them against the official XSDs and checks
// that every entry and its EndToEndId is there, without balances.
func TestRenderNotification_Golden(t *testing.T) {
	sharedtest.Tool(t, "xmllint", "libxml2-utils")
	for base, c := range renderCases(t) {
		for _, version := range NotificationVersions {
			t.Run(filepath.Base(base)+"/"+version, func(t *testing.T) {
				got, err := RenderNotification(version, c.Statement)
				require.NoError(t, err)
				golden(t, base+"."+version+".xml", got)
				sharedtest.XMLLint(t, got, sharedtest.XSD(t, version+".xsd"))
				assert.NotContains(t, string(got), "<Bal>")
				assert.Equal(t, len(c.Statement.Entries), strings.Count(string(got), "<Ntry>"))
				for _, id := range c.EndToEndIDs {
					assert.Contains(t, string(got), "<EndToEndId>"+id+"</EndToEndId>")
				}
			})
		}
	}
}

func TestRenderNotification_Version(t *testing.T) {
	_, err := RenderNotification("camt.054.001.04", Statement{})
	require.ErrorIs(t, err, ErrUnsupportedVersion)
}
