package pain001

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSchemeFor(t *testing.T) {
	tests := []struct {
		name, svcLvl, lclInstrm, want string
	}{
		{"SEPA", "SEPA", "", "SCT"},
		{"SEPA with INST", "SEPA", "INST", "SCT_INST"},
		{"INST alone", "", "INST", "SCT_INST"},
		{"INST as service level", "INST", "", "SCT_INST"},
		{"urgent", "URGP", "", ""},
		{"non-urgent", "NURG", "", ""},
		{"SEPA with another local instrument", "SEPA", "CORE", "SCT"},
		{"nothing", "", "", ""},
		{"lower case is not a code", "sepa", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, SchemeFor(tt.svcLvl, tt.lclInstrm))
		})
	}
}

func TestContentType(t *testing.T) {
	tests := map[string]string{
		"pain.001.001.03": "application/vnd.iso20022.pain.001.001.03+xml",
		"pain.001.001.09": "application/vnd.iso20022.pain.001.001.09+xml",
		"pain.001.001.02": "application/vnd.iso20022.pain.001.001.02+xml",
		"":                "",
		"camt.053.001.02": "",
	}
	for version, want := range tests {
		t.Run(version, func(t *testing.T) {
			assert.Equal(t, want, ContentType(version))
		})
	}
}
