package pain001

import (
	"os"
	"testing"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeader_MessageName: the name a status report echoes as OrgnlMsgNmId
// is the file's own, national variants included, not the ISO version
// they restrict.
func TestHeader_MessageName(t *testing.T) {
	for _, c := range []struct{ sample, want string }{
		{"de-sepaking.pain.001.001.03.xml", "pain.001.001.03"},
		{"de-dk-sepaking.pain.001.003.03.xml", "pain.001.003.03"},
		{"ch-six-musterfile-nov2020.pain.001.001.03.ch.02.xml", "pain.001.001.03.ch.02"},
	} {
		t.Run(c.sample, func(t *testing.T) {
			f, err := os.Open(sharedtest.Dir(t, "iso20022", "samples", "pain001", c.sample))
			require.NoError(t, err)
			defer f.Close()
			res, err := Read(f, Options{Level: LevelNone})
			require.NoError(t, err)
			assert.Equal(t, c.want, res.Header.MessageName())
		})
	}
	assert.Equal(t, "pain.001.002.03", Header{Namespace: "urn:iso:std:iso:20022:tech:xsd:pain.001.002.03", Version: "pain.001.001.03"}.MessageName())
	assert.Equal(t, "pain.001.001.03", Header{Namespace: "urn:example:not-a-pain", Version: "pain.001.001.03"}.MessageName(), "another shape: the ISO version")
	assert.Equal(t, "", Header{}.MessageName(), "nothing read: nothing to echo")
}
