package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in TOML as a string: "2s", "5m",
// "168h", or whole days for convenience ("90d", "1d12h"). A bare number is
// rejected: "30" could mean seconds or minutes, and for money the guess
// must not be ours.
type Duration struct{ time.Duration }

// D makes a Duration, for Default and tests.
func D(d time.Duration) Duration { return Duration{d} }

// UnmarshalText parses "5m", "90d", "1d12h".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText writes the shortest form UnmarshalText reads back: whole
// days as "90d", otherwise time.Duration's form without zero units ("5m",
// "1h30m").
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(formatDuration(d.Duration)), nil
}

// String is MarshalText's form, so errors quote what the operator writes.
func (d Duration) String() string { return formatDuration(d.Duration) }

func parseDuration(s string) (time.Duration, error) {
	bad := func() (time.Duration, error) {
		return 0, fmt.Errorf("must be a duration like \"30s\", \"5m\", \"168h\" or \"90d\" (got %q)", s)
	}
	days, rest := int64(0), s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 || s[0] == '+' {
			return bad()
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" || days == 0 && s == "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return bad()
		}
		if days > 0 && d < 0 {
			return bad() // "1d-2h" is not a duration anyone means
		}
	}
	if days > 0 && days > (math.MaxInt64-int64(d))/int64(24*time.Hour) {
		return 0, fmt.Errorf("must be a duration under 292 years (got %q)", s)
	}
	return time.Duration(days)*24*time.Hour + d, nil
}

func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d > 0 && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
