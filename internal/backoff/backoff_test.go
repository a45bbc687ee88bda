package backoff

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPolicy_Next(t *testing.T) {
	p := Policy{Base: time.Second, Max: 10 * time.Second}
	for _, tc := range []struct {
		attempt int
		ceiling time.Duration
	}{
		{-1, time.Second},
		{0, time.Second},
		{1, time.Second},
		{2, 2 * time.Second},
		{3, 4 * time.Second},
		{4, 8 * time.Second},
		{5, 10 * time.Second},
		{1000, 10 * time.Second}, // no overflow
	} {
		assert.Equal(t, tc.ceiling, p.Ceiling(tc.attempt), "attempt %d", tc.attempt)
		seen := map[time.Duration]bool{}
		for range 200 {
			d := p.Next(tc.attempt)
			assert.GreaterOrEqual(t, d, tc.ceiling/2, "attempt %d", tc.attempt)
			assert.LessOrEqual(t, d, tc.ceiling, "attempt %d", tc.attempt)
			seen[d] = true
		}
		assert.Greater(t, len(seen), 1, "attempt %d: no jitter", tc.attempt)
	}
}

func TestPolicy_Degenerate(t *testing.T) {
	assert.Zero(t, Policy{}.Next(3))
	// Max below Base: Base is the cap.
	assert.Equal(t, time.Minute, Policy{Base: time.Minute, Max: time.Second}.Ceiling(5))
	// Max beyond what doubling can reach without overflow.
	assert.Equal(t, time.Duration(1<<62), Policy{Base: time.Nanosecond, Max: 1 << 62}.Ceiling(100))
}

func TestThrottle(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	th := &Throttle{Every: time.Minute}
	steps := []struct {
		key  string
		at   time.Duration
		ok   bool
		held int
	}{
		{"a", 0, true, 0},
		{"a", 10 * time.Second, false, 0},
		{"b", 20 * time.Second, true, 0}, // keys are independent
		{"a", 59 * time.Second, false, 0},
		{"a", 60 * time.Second, true, 2},
		{"a", 61 * time.Second, false, 0},
		{"b", 61 * time.Second, false, 0},
	}
	for i, s := range steps {
		ok, held := th.Allow(s.key, t0.Add(s.at))
		assert.Equal(t, s.ok, ok, "step %d", i)
		assert.Equal(t, s.held, held, "step %d", i)
	}
	assert.True(t, th.Active("a"))
	reported, held := th.Reset("a")
	assert.True(t, reported)
	assert.Equal(t, 1, held)
	assert.False(t, th.Active("a"))
	reported, _ = th.Reset("a")
	assert.False(t, reported, "reset twice")
	ok, _ := th.Allow("a", t0.Add(62*time.Second))
	assert.True(t, ok, "after a reset the next report goes through at once")
}
