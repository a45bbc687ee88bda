package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
)

// TestOutage_Report: an outage is one "unreachable" and one "back" line; a
// storm of blips within failLogEvery of a reported outage is not reported
// again; final answers end an outage, a caller's cancellation does not;
// a long outage is reminded of every outageRemind.
func TestOutage_Report(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	logs := &sharedtest.LogBuffer{}
	backs := 0
	o := newOutage(clock, slog.New(slog.NewTextHandler(logs, nil)), func() { backs++ })
	ctx := context.Background()
	down := &atlar.TemporaryError{Method: "GET", Path: "/x", Attempts: 3, Status: 503, Err: fmt.Errorf("503")}
	count := func(msg string) int { return strings.Count(logs.String(), `msg="`+msg) }

	for range 5 { // one outage, many failing calls
		o.observe(ctx, down)
		clock.Advance(10 * time.Second)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	o.observe(cancelled, context.Canceled) // says nothing about Atlar
	assert.Equal(t, 1, count("Atlar unreachable"))
	assert.Equal(t, 0, backs)

	o.observe(ctx, &atlar.APIError{Status: 400}) // a final answer: Atlar is back
	assert.Equal(t, 1, count("Atlar back"))
	assert.Equal(t, 1, backs)

	// A blip right after (within failLogEvery of the first report), answered
	// at once: held back, so no back line either.
	clock.Advance(time.Second)
	o.observe(ctx, down)
	o.observe(ctx, nil)
	assert.Equal(t, 1, count("Atlar unreachable"), "a blip right after an outage")
	assert.Equal(t, 1, count("Atlar back"))

	// A new outage a while later is reported, and reminded of if it lasts.
	clock.Advance(2 * time.Minute)
	for range 20 {
		o.observe(ctx, down)
		clock.Advance(time.Minute)
	}
	assert.Equal(t, 2, count("Atlar unreachable"))
	assert.Equal(t, 1, count("Atlar still unreachable"), "one reminder in 20 minutes")
	o.observe(ctx, nil)
	assert.Equal(t, 2, count("Atlar back"), logs.String())
}
