package pain008

import (
	"bytes"
	"math/big"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// The fast scanner takes the files pain.008 writers make (so the figure in
// bench/results.md is the fast path's), and leaves to encoding/xml what
// it cannot be sure of; either way Read's Result is the one encoding/xml
// alone gives (read compares them).
func TestReadFast_TakesUsualFilesAndFallsBack(t *testing.T) {
	de := corrected(t, sampleCases[0])
	tests := []struct {
		name     string
		doc      []byte
		fallback bool
	}{
		{"generated", generate(20, 5, "2026-12-10"), false},
		{"xsi prefix bound on the root", de, false},
		{"prefixed elements bound on the root", regexp.MustCompile(`<(/?)([A-Za-z])`).ReplaceAll(
			bytes.Replace(de, []byte(`xmlns="`), []byte(`xmlns:p="`), 1), []byte("<${1}p:$2")), false},
		{"Latin-1", bytes.Replace(de, []byte(`encoding="UTF-8"`), []byte(`encoding="ISO-8859-1"`), 1), true},
		{"DOCTYPE", bytes.Replace(de, []byte("?>"), []byte("?><!DOCTYPE Document>"), 1), true},
		{"binding below the root", bytes.Replace(de, []byte("<CstmrDrctDbtInitn>"),
			[]byte(`<CstmrDrctDbtInitn xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.003.02">`), 1), true},
		{"end tag not matching", bytes.Replace(de, []byte("</GrpHdr>"), []byte("</GrpHdrX>"), 1), true},
		{"truncated", de[:len(de)-20], true},
		{"prefix closed unprefixed", bytes.Replace(
			bytes.Replace(de, []byte("<CstmrDrctDbtInitn>"), []byte("<xsi:CstmrDrctDbtInitn>"), 1),
			[]byte("</CstmrDrctDbtInitn>"), []byte("</CstmrDrctDbtInitn >"), 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readWith(bytes.NewReader(tt.doc), Options{Today: sampleCases[0].today}, true)
			if tt.fallback {
				assert.ErrorIs(t, err, isoxml.ErrFallback)
			} else {
				require.NoError(t, err)
			}
			read(t, tt.doc, Options{Today: sampleCases[0].today})
			read(t, tt.doc, Options{Today: sampleCases[0].today, Level: LevelWellformed})
		})
	}
}

// cents takes exactly the amounts it can add as an int64 of cents, to the
// same value big.Rat reads; the rest is left to big.Rat as before.
func TestCents(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12", 1200, true}, {"12.3", 1230, true}, {"12.34", 1234, true}, {"0.01", 1, true},
		{"007.10", 710, true}, {"9999999999999", 999999999999900, true},
		{"", 0, false}, {"12.", 0, false}, {".5", 0, false}, {"12.345", 0, false},
		{"1e3", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"1/2", 0, false},
		{"1.2.3", 0, false}, {" 1", 0, false}, {"10000000000000", 0, false},
	}
	for _, tt := range tests {
		got, ok := cents(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		if ok {
			v, _ := new(big.Rat).SetString(tt.in)
			assert.Zero(t, v.Cmp(big.NewRat(got, 100)), tt.in)
		}
	}
	// A sum past int64 cents folds into the big.Rat and stays exact.
	var s sum
	want := new(big.Rat)
	for range 2000 {
		s.addCents(999999999999999)
		want.Add(want, big.NewRat(999999999999999, 100))
	}
	s.add(big.NewRat(1, 1000))
	want.Add(want, big.NewRat(1, 1000))
	assert.Zero(t, want.Cmp(s.total()), "%s != %s", want.FloatString(3), s.total().FloatString(3))
}

// The room made for collections follows GrpHdr/NbOfTxs only as far as the
// file could hold them, so a lying count costs little.
func TestCollsHint(t *testing.T) {
	tests := []struct {
		nb      string
		maxSize int64
		want    int
	}{
		{"10000", 0, 10000},
		{"10000", 64 << 20, 10000},
		{"10000", 1 << 20, 4096},
		{"99999999", 0, 1 << 14},
		{"0", 0, 0}, {"-5", 0, 0}, {"x", 0, 0}, {"", 0, 0}, {"99999999999999999999", 0, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, collsHint(tt.nb, tt.maxSize), "%q, max %d", tt.nb, tt.maxSize)
	}
}
