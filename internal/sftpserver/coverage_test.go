package sftpserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCoverage_Add(t *testing.T) {
	tests := []struct {
		name     string
		writes   []span
		complete bool
		prefix   int64
		end      int64
	}{
		{"nothing", nil, true, 0, 0},
		{"in order", []span{{0, 10}, {10, 20}, {20, 25}}, true, 25, 25},
		{"out of order", []span{{10, 20}, {0, 10}, {20, 30}}, true, 30, 30},
		{"reverse", []span{{20, 30}, {10, 20}, {0, 10}}, true, 30, 30},
		{"overlapping", []span{{0, 10}, {5, 15}, {15, 16}}, true, 16, 16},
		{"pending merge", []span{{30, 40}, {10, 20}, {20, 30}, {0, 10}}, true, 40, 40},
		{"hole", []span{{0, 10}, {20, 30}}, false, 10, 30},
		{"resume from the middle", []span{{1000, 2000}}, false, 0, 2000},
		{"empty writes", []span{{0, 0}, {5, 5}}, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c coverage
			for _, w := range tt.writes {
				require.NoError(t, c.add(w.start, w.end))
			}
			assert.Equal(t, tt.complete, c.complete())
			assert.Equal(t, tt.prefix, c.prefix)
			assert.Equal(t, tt.end, c.end)
		})
	}
}

func TestCoverage_AddBoundsPending(t *testing.T) {
	var c coverage
	var err error
	for i := int64(1); err == nil; i++ {
		err = c.add(2*i, 2*i+1) // every other byte: nothing merges
	}
	require.ErrorIs(t, err, errTooManySpans)
}
