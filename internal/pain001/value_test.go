package pain001

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in          string
		canon       string
		neg         bool
		total, frac int
		scale       int
		ok          bool
	}{
		{in: "12.34", canon: "12.34", total: 4, frac: 2, scale: 2, ok: true},
		{in: "0012.340", canon: "12.34", total: 4, frac: 2, scale: 3, ok: true},
		{in: " 10.1\n", canon: "10.1", total: 3, frac: 1, scale: 1, ok: true},
		{in: "+5", canon: "5", total: 1, ok: true},
		{in: "5.", canon: "5", total: 1, ok: true},
		{in: ".5", canon: "0.5", total: 1, frac: 1, scale: 1, ok: true},
		{in: "0.05", canon: "0.05", total: 1, frac: 2, scale: 2, ok: true},
		{in: "-1.5", canon: "1.5", neg: true, total: 2, frac: 1, scale: 1, ok: true},
		{in: "-0.00", canon: "0", total: 1, scale: 2, ok: true},
		{in: "11500000", canon: "11500000", total: 8, ok: true},
		{in: "", ok: false},
		{in: ".", ok: false},
		{in: "1e3", ok: false},
		{in: "1,50", ok: false},
		{in: "1.2.3", ok: false},
		{in: "--1", ok: false},
		{in: "1 000", ok: false},
		{in: "½", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, ok := parseDecimal(tt.in)
			assert.Equal(t, tt.ok, ok)
			if !tt.ok {
				return
			}
			assert.Equal(t, decimal{canon: tt.canon, neg: tt.neg, total: tt.total, frac: tt.frac, scale: tt.scale}, d)
		})
	}
}

func TestParseISODate(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2010-11-25", "2010-11-25", true},
		{" 2010-11-25\n", "2010-11-25", true},
		{"2010-11-25Z", "2010-11-25", true},
		{"2010-11-25+01:00", "2010-11-25", true},
		{"2010-02-30", "", false},
		{"2010-11-25T10:00:00", "", false},
		{"25.11.2010", "", false},
		{"2010-11-25+1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseISODate(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseISODateTime(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"2010-11-11T09:30:47.000Z", "2010-11-11", true},
		{"2025-08-19T08:32:02+00:00", "2025-08-19", true},
		{"2013-04-02T14:52:09", "2013-04-02", true},
		{"2013-04-02T14:52", "", false},
		{"2013-04-02T25:00:00", "", false},
		{"2013-04-02T14:52:09.", "", false},
		{"2013-04-02", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseISODateTime(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPatterns(t *testing.T) {
	t.Run("IBAN", func(t *testing.T) {
		assert.True(t, ibanPattern("DE87200500001234567890", 3))
		assert.True(t, ibanPattern("CH010023512312312365L", 3)) // checksum is not the pattern's business
		assert.False(t, ibanPattern("DE87 2005 0000 1234 5678 90", 3))
		assert.False(t, ibanPattern("de87200500001234567890", 3))
		assert.True(t, ibanPattern("de87200500001234567890", 2)) // v02's IBANIdentifier
		assert.False(t, ibanPattern("DEXX200500001234567890", 3))
		assert.False(t, ibanPattern("DE87", 3))
	})
	t.Run("BIC", func(t *testing.T) {
		for _, ok := range []string{"COBADEFFXXX", "RAIFCH22", "SPUEDE2UXXX", "AAAAGB2L"} {
			assert.True(t, bicPattern(ok, 3), ok)
			assert.True(t, bicPattern(ok, 9), ok)
		}
		for _, bad := range []string{"COBADEFF1", "cobadeffxxx", "COBADE1FXXX", "COBADEFO", "COBADE"} {
			assert.False(t, bicPattern(bad, 3), bad)
		}
		assert.True(t, bicPattern("1234DEFFXXX", 9)) // BICFIDec2014 allows digits in the bank code
		assert.False(t, bicPattern("1234DEFFXXX", 3))
	})
	t.Run("codes", func(t *testing.T) {
		assert.True(t, codePattern("EUR", 3))
		assert.False(t, codePattern("eur", 3))
		assert.False(t, codePattern("EURO", 3))
		assert.True(t, numericText("000000000000002"))
		assert.False(t, numericText("0000000000000002"))
		assert.False(t, numericText(" 2"))
	})
}

func TestClip(t *testing.T) {
	assert.Equal(t, "short", clip("short"))
	long := ""
	for range 100 {
		long += "ä"
	}
	got := clip(long)
	assert.LessOrEqual(t, len(got), 120+len("…"))
	assert.Equal(t, "…", got[len(got)-len("…"):])
}
