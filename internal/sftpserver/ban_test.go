package sftpserver

import (
	"net/netip"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
)

func TestBanList_Fail(t *testing.T) {
	clock := clockwork.NewFakeClock()
	b := newBanList(clock, 3, 10*time.Minute, 15*time.Minute)
	a, other := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")

	b.fail(a)
	clock.Advance(9 * time.Minute)
	b.fail(a)
	clock.Advance(2 * time.Minute) // the first failure left the window
	count, until := b.fail(a)
	assert.Equal(t, 2, count)
	assert.True(t, until.IsZero())
	_, banned := b.bannedUntil(a)
	assert.False(t, banned)

	count, until = b.fail(a)
	assert.Equal(t, 3, count)
	assert.Equal(t, clock.Now().Add(15*time.Minute), until)
	_, banned = b.bannedUntil(a)
	assert.True(t, banned)
	_, banned = b.bannedUntil(other)
	assert.False(t, banned, "bans are per address")

	clock.Advance(15 * time.Minute)
	_, banned = b.bannedUntil(a)
	assert.False(t, banned, "the ban expires")
	count, _ = b.fail(a)
	assert.Equal(t, 1, count, "a new ban needs a new series of failures")
}

func TestBanList_Disabled(t *testing.T) {
	b := newBanList(clockwork.NewFakeClock(), -1, time.Minute, time.Minute)
	a := netip.MustParseAddr("192.0.2.1")
	for range 100 {
		b.fail(a)
	}
	_, banned := b.bannedUntil(a)
	assert.False(t, banned)
}

func TestBanList_Prunes(t *testing.T) {
	clock := clockwork.NewFakeClock()
	b := newBanList(clock, 5, time.Minute, time.Minute)
	for i := range 2 * banPruneAt {
		b.fail(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		if i == banPruneAt {
			clock.Advance(2 * time.Minute)
		}
	}
	assert.LessOrEqual(t, len(b.addrs), banPruneAt+1)
}
