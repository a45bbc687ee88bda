package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDuration_UnmarshalText(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "2s", want: 2 * time.Second},
		{in: "5m", want: 5 * time.Minute},
		{in: "168h", want: 168 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "0s", want: 0},
		{in: "90d", want: 90 * 24 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: " 7d ", want: 7 * 24 * time.Hour},
		{in: "-5m", want: -5 * time.Minute}, // Validate rejects it with the key
		{in: "", wantErr: `must be a duration like "30s", "5m", "168h" or "90d" (got "")`},
		{in: "30", wantErr: `(got "30")`},
		{in: "5x", wantErr: `(got "5x")`},
		{in: "d", wantErr: `(got "d")`},
		{in: "1.5d", wantErr: `(got "1.5d")`},
		{in: "-1d", wantErr: `(got "-1d")`},
		{in: "+1d", wantErr: `(got "+1d")`},
		{in: "1d-2h", wantErr: `(got "1d-2h")`},
		{in: "1d2d", wantErr: `(got "1d2d")`},
		{in: "999999999d", wantErr: "under 292 years"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d Duration
			err := d.UnmarshalText([]byte(tt.in))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, d.Duration)
		})
	}
}

func TestDuration_MarshalText(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{2 * time.Second, "2s"},
		{5 * time.Minute, "5m"},
		{90 * time.Second, "1m30s"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{36 * time.Hour, "36h"},
		{168 * time.Hour, "7d"},
		{1500 * time.Millisecond, "1.5s"},
		{-5 * time.Minute, "-5m"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b, err := D(tt.in).MarshalText()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(b))
			var back Duration
			require.NoError(t, back.UnmarshalText(b))
			assert.Equal(t, tt.in, back.Duration, "round trip")
		})
	}
}
