package atlartest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStringValue(t *testing.T) {
	tests := []struct {
		in, ccy string
		want    int64
		err     bool
	}{
		{"15.02", "EUR", 1502, false},
		{"15.2", "EUR", 1520, false},
		{"15", "EUR", 1500, false},
		{"0.01", "EUR", 1, false},
		{"1000", "JPY", 1000, false},
		{"1.5", "JPY", 0, true},
		{"1.234", "BHD", 1234, false},
		{"1.005", "EUR", 0, true},
		{"1,00", "EUR", 0, true},
		{"-1.00", "EUR", 0, true},
		{"1e3", "EUR", 0, true},
		{"", "EUR", 0, true},
		{"1.00", "XXX", 0, true},
		{"99999999999999999999", "EUR", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in+"_"+tt.ccy, func(t *testing.T) {
			got, err := parseStringValue(tt.in, tt.ccy)
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFormatMinor(t *testing.T) {
	tests := []struct {
		v    int64
		ccy  string
		want string
	}{
		{1502, "EUR", "15.02"},
		{1, "EUR", "0.01"},
		{0, "EUR", "0.00"},
		{-250, "GBP", "-2.50"},
		{1000, "JPY", "1000"},
		{1234, "BHD", "1.234"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, formatMinor(tt.v, tt.ccy))
		back, err := parseStringValue(tt.want, tt.ccy)
		if tt.v >= 0 {
			require.NoError(t, err)
			assert.Equal(t, tt.v, back, "round trip")
		}
	}
}
