package money

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExponent(t *testing.T) {
	tests := []struct {
		code string
		want int
		ok   bool
	}{
		{"EUR", 2, true},
		{"USD", 2, true},
		{"GBP", 2, true},
		{"JPY", 0, true},
		{"KRW", 0, true},
		{"CLP", 0, true},
		{"ISK", 0, true},
		{"XOF", 0, true},
		{"BHD", 3, true},
		{"KWD", 3, true},
		{"OMR", 3, true},
		{"JOD", 3, true},
		{"IQD", 3, true},
		{"LYD", 3, true},
		{"TND", 3, true},
		{"CLF", 4, true},
		{"UYW", 4, true},
		{"XCG", 2, true},
		{"ZWG", 2, true},
		{"eur", 0, false}, // callers upper-case
		{"XAU", 0, false}, // no minor unit
		{"XDR", 0, false},
		{"XTS", 0, false},
		{"XXX", 0, false},
		{"HRK", 0, false}, // withdrawn 2023
		{"ANG", 0, false}, // replaced by XCG
		{"ABC", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, ok := Exponent(tt.code)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExponent_TableIsWellFormed(t *testing.T) {
	for code, exp := range exponents {
		assert.Len(t, code, 3, code)
		for _, r := range code {
			assert.True(t, r >= 'A' && r <= 'Z', code)
		}
		assert.Less(t, exp, len(pow10), code)
	}
	assert.Greater(t, len(exponents), 150, "the table should hold every active code")
}

func TestParse(t *testing.T) {
	const nb = "\u00a0"
	tests := []struct {
		name     string
		s        string
		currency string
		dec, th  rune
		want     int64
		wantErr  string
	}{
		{name: "plain", s: "1234.50", currency: "EUR", dec: '.', want: 123450},
		{name: "integer", s: "1234", currency: "EUR", dec: '.', want: 123400},
		{name: "fewer decimals", s: "12.5", currency: "EUR", dec: '.', want: 1250},
		{name: "zero", s: "0", currency: "EUR", dec: '.', want: 0},
		{name: "zero with decimals", s: "0.00", currency: "EUR", dec: '.', want: 0},
		{name: "leading zeros", s: "007.10", currency: "EUR", dec: '.', want: 710},
		{name: "surrounding space", s: "  12.00 ", currency: "EUR", dec: '.', want: 1200},
		{name: "decimal comma", s: "1234,56", currency: "EUR", dec: ',', want: 123456},
		{name: "german", s: "1.234.567,89", currency: "EUR", dec: ',', th: '.', want: 123456789},
		{name: "english", s: "1,234,567.89", currency: "USD", dec: '.', th: ',', want: 123456789},
		{name: "swiss", s: "1'234.05", currency: "CHF", dec: '.', th: '\'', want: 123405},
		{name: "french space", s: "1 234,05", currency: "EUR", dec: ',', th: ' ', want: 123405},
		{name: "french nbsp for space", s: "1" + nb + "234,05", currency: "EUR", dec: ',', th: ' ', want: 123405},
		{name: "narrow nbsp", s: "12\u202f345,00", currency: "EUR", dec: ',', th: nbsp, want: 1234500},
		{name: "thousands optional", s: "1234567,89", currency: "EUR", dec: ',', th: '.', want: 123456789},
		{name: "short first group", s: "12.345", currency: "JPY", dec: ',', th: '.', want: 12345},
		{name: "JPY", s: "1234", currency: "JPY", dec: '.', want: 1234},
		{name: "BHD", s: "1.234", currency: "BHD", dec: '.', want: 1234},
		{name: "BHD fewer", s: "1.2", currency: "BHD", dec: '.', want: 1200},
		{name: "CLF", s: "1.2345", currency: "CLF", dec: '.', want: 12345},
		{name: "max", s: "92233720368547758.07", currency: "EUR", dec: '.', want: math.MaxInt64},

		{name: "too many decimals", s: "1.234", currency: "EUR", dec: '.', wantErr: "EUR allows at most 2 decimals"},
		{name: "trailing zero decimals", s: "1.230", currency: "EUR", dec: '.', wantErr: "EUR allows at most 2 decimals"},
		{name: "JPY decimals", s: "1.5", currency: "JPY", dec: '.', wantErr: "JPY allows no decimals"},
		{name: "BHD decimals", s: "1.2345", currency: "BHD", dec: '.', wantErr: "BHD allows at most 3 decimals"},
		{name: "empty", s: "", currency: "EUR", dec: '.', wantErr: "amount is empty"},
		{name: "blank", s: "   ", currency: "EUR", dec: '.', wantErr: "amount is empty"},
		{name: "negative", s: "-1.00", currency: "EUR", dec: '.', wantErr: "amount must not be negative"},
		{name: "plus", s: "+1.00", currency: "EUR", dec: '.', wantErr: "amount must not have a sign"},
		{name: "trailing minus", s: "1.00-", currency: "EUR", dec: '.', wantErr: `invalid character '-'`},
		{name: "exponent", s: "1e5", currency: "EUR", dec: '.', wantErr: `invalid character 'e'`},
		{name: "garbage", s: "abc", currency: "EUR", dec: '.', wantErr: `invalid character 'a'`},
		{name: "currency symbol", s: "€12", currency: "EUR", dec: '.', wantErr: `invalid character '€'`},
		{name: "comma without thousands", s: "1,234.00", currency: "EUR", dec: '.', wantErr: `invalid character ',' (decimal separator '.', no thousands separator)`},
		{name: "two decimal separators", s: "1.2.3", currency: "EUR", dec: '.', wantErr: "more than one decimal separator"},
		{name: "leading decimal", s: ".5", currency: "EUR", dec: '.', wantErr: "a digit must come before the decimal separator"},
		{name: "trailing decimal", s: "5.", currency: "EUR", dec: '.', wantErr: "a digit must follow the decimal separator"},
		{name: "indian grouping", s: "1,23,456.00", currency: "INR", dec: '.', th: ',', wantErr: "thousands groups must have 3 digits"},
		{name: "long first group", s: "1234,567.00", currency: "USD", dec: '.', th: ',', wantErr: "thousands groups must have 3 digits"},
		{name: "short last group", s: "1,23", currency: "USD", dec: '.', th: ',', wantErr: "thousands groups must have 3 digits"},
		{name: "long last group", s: "1,2345", currency: "USD", dec: '.', th: ',', wantErr: "thousands groups must have 3 digits"},
		{name: "leading thousands", s: ",123", currency: "USD", dec: '.', th: ',', wantErr: "amount starts with thousands separator"},
		{name: "thousands in decimals", s: "1.2,3", currency: "EUR", dec: '.', th: ',', wantErr: "thousands separator ',' after the decimal separator"},
		{name: "overflow digits", s: "92233720368547758.08", currency: "EUR", dec: '.', wantErr: "amount is too large"},
		{name: "overflow scale", s: "922337203685477581", currency: "EUR", dec: '.', wantErr: "amount is too large"},
		{name: "huge", s: "99999999999999999999999999", currency: "JPY", dec: '.', wantErr: "amount is too large"},
		{name: "unknown currency", s: "1", currency: "EUX", dec: '.', wantErr: `unknown currency "EUX"`},
		{name: "bad decimal separator", s: "1", currency: "EUR", dec: ';', wantErr: "decimal separator must be"},
		{name: "bad thousands separator", s: "1", currency: "EUR", dec: '.', th: '_', wantErr: "thousands separator must be"},
		{name: "same separators", s: "1", currency: "EUR", dec: ',', th: ',', wantErr: "thousands and decimal separator are both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.s, tt.currency, tt.dec, tt.th)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{123450, "EUR", "1234.50"},
		{5, "EUR", "0.05"},
		{0, "EUR", "0.00"},
		{-5, "EUR", "-0.05"},
		{-123450, "EUR", "-1234.50"},
		{1234, "JPY", "1234"},
		{0, "JPY", "0"},
		{1234, "BHD", "1.234"},
		{7, "BHD", "0.007"},
		{12345, "CLF", "1.2345"},
		{150, "???", "1.50"},
		{math.MaxInt64, "EUR", "92233720368547758.07"},
		{math.MinInt64, "EUR", "-92233720368547758.08"},
		{math.MinInt64, "JPY", "-9223372036854775808"},
	}
	for _, tt := range tests {
		t.Run(tt.want+"_"+tt.currency, func(t *testing.T) {
			assert.Equal(t, tt.want, Format(tt.minor, tt.currency))
		})
	}
}

// roundTripCurrencies covers every exponent in the table.
var roundTripCurrencies = []string{"EUR", "JPY", "BHD", "CLF"}

func FuzzParse(f *testing.F) {
	f.Add("1.234,50", int64(123450), uint8(0))
	f.Add("1,234.50", int64(1), uint8(1))
	f.Add("-0", int64(0), uint8(2))
	f.Add("1e5", int64(math.MaxInt64), uint8(3))
	f.Add("9223372036854775807", int64(7), uint8(4))
	seps := []struct{ dec, th rune }{{'.', 0}, {',', '.'}, {'.', ','}, {'.', '\''}, {',', ' '}}
	f.Fuzz(func(t *testing.T, s string, x int64, pick uint8) {
		sep := seps[int(pick)%len(seps)]
		cur := roundTripCurrencies[int(pick)%len(roundTripCurrencies)]

		// Arbitrary input: never panics, never returns a negative amount.
		if v, err := Parse(s, cur, sep.dec, sep.th); err == nil && v < 0 {
			t.Fatalf("Parse(%q) = %d, want >= 0", s, v)
		}

		// Round trip: whatever Format writes, Parse reads back exactly.
		if x < 0 {
			x = -(x + 1) // fold into [0, MaxInt64] without overflow
		}
		formatted := Format(x, cur)
		got, err := Parse(formatted, cur, '.', 0)
		if err != nil {
			t.Fatalf("Parse(Format(%d, %s) = %q): %v", x, cur, formatted, err)
		}
		if got != x {
			t.Fatalf("Parse(Format(%d, %s) = %q) = %d", x, cur, formatted, got)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	inputs := []struct {
		s       string
		dec, th rune
	}{
		{"1234.50", '.', 0},
		{"1.234.567,89", ',', '.'},
		{"12", '.', 0},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		in := inputs[i%len(inputs)]
		if _, err := Parse(in.s, "EUR", in.dec, in.th); err != nil {
			b.Fatal(err)
		}
	}
}
