package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSize_UnmarshalText(t *testing.T) {
	tests := []struct {
		in      string
		want    Size
		wantErr string
	}{
		{in: "1024", want: 1024},
		{in: "0", want: 0},
		{in: "256MiB", want: 256 << 20},
		{in: "256mib", want: 256 << 20},
		{in: "50MB", want: 50_000_000},
		{in: "1.5GiB", want: 3 << 29},
		{in: "2 KiB", want: 2048},
		{in: "10B", want: 10},
		{in: "1TiB", want: 1 << 40},
		{in: "", wantErr: `must be a size like "256MiB", "50MB" or "1024" (got "")`},
		{in: "-1", wantErr: `(got "-1")`},
		{in: "12XB", wantErr: `(got "12XB")`},
		{in: "MiB", wantErr: `(got "MiB")`},
		{in: "1e3", wantErr: `(got "1e3")`},
		{in: "1.5B", wantErr: `must be a whole number of bytes (got "1.5B")`},
		{in: "9999999TiB", wantErr: `is too large (got "9999999TiB")`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s Size
			err := s.UnmarshalText([]byte(tt.in))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, s)
		})
	}
}

func TestSize_MarshalText(t *testing.T) {
	tests := []struct {
		in   Size
		want string
	}{
		{0, "0"},
		{1023, "1023"},
		{1024, "1KiB"},
		{256 << 20, "256MiB"},
		{50_000_000, "50MB"},
		{1500, "1500"}, // 1.5KB: kept exact rather than fractional
		{2000, "2KB"},
		{3 << 30, "3GiB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := tt.in.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b))
			var back Size
			require.NoError(t, back.UnmarshalText(b))
			assert.Equal(t, tt.in, back, "round trip")
		})
	}
}
