package inbound

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/jonboulle/clockwork"
)

// accounts caches Atlar's accounts and connections: every payment of a
// file names its source by IBAN or id, and one list call serves them all.
type accounts struct {
	api   Atlar
	clock clockwork.Clock
	ttl   time.Duration

	mu      sync.Mutex
	fetched time.Time
	byIBAN  map[string]*atlar.Account
	byID    map[string]*atlar.Account
	conns   []atlar.Connection
}

var _ Resolver = (*accounts)(nil)

func newAccounts(api Atlar, clock clockwork.Clock, ttl time.Duration) *accounts {
	return &accounts{api: api, clock: clock, ttl: ttl}
}

func (a *accounts) load(ctx context.Context, force bool) error {
	if !force && a.byID != nil && a.clock.Since(a.fetched) < a.ttl {
		return nil
	}
	list, err := a.api.ListAccounts(ctx)
	if err != nil {
		return fmt.Errorf("list accounts: %w", err)
	}
	byIBAN := make(map[string]*atlar.Account, len(list))
	byID := make(map[string]*atlar.Account, len(list))
	for i := range list {
		acc := &list[i]
		byID[acc.ID] = acc
		if iban := acc.IBAN(); iban != "" {
			byIBAN[iban] = acc
		}
	}
	a.byIBAN, a.byID, a.fetched, a.conns = byIBAN, byID, a.clock.Now(), nil
	return nil
}

// lookup finds an account, refreshing the cache once on a miss so an
// account added in Atlar a minute ago is found.
func (a *accounts) lookup(ctx context.Context, get func() *atlar.Account) (*atlar.Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.load(ctx, false); err != nil {
		return nil, err
	}
	if acc := get(); acc != nil {
		return acc, nil
	}
	if a.clock.Since(a.fetched) > time.Minute {
		if err := a.load(ctx, true); err != nil {
			return nil, err
		}
		if acc := get(); acc != nil {
			return acc, nil
		}
	}
	return nil, errUnknownAccount
}

func (a *accounts) AccountByIBAN(ctx context.Context, iban string) (*atlar.Account, error) {
	iban = bankid.NormalizeIBAN(iban)
	return a.lookup(ctx, func() *atlar.Account { return a.byIBAN[iban] })
}

// AccountByNumber finds an account by a domestic account number and
// optional routing (numbers.go).
func (a *accounts) AccountByNumber(ctx context.Context, number, routing string) (*atlar.Account, error) {
	var mismatch error
	acc, err := a.lookup(ctx, func() *atlar.Account {
		acc, err := matchNumber(a.byID, number, routing)
		mismatch = err
		return acc
	})
	if err != nil && mismatch != nil && !errors.Is(mismatch, errUnknownAccount) {
		return nil, mismatch
	}
	return acc, err
}

func (a *accounts) AccountByID(ctx context.Context, id string) (*atlar.Account, error) {
	return a.lookup(ctx, func() *atlar.Account { return a.byID[id] })
}

func (a *accounts) ConnectionFor(ctx context.Context, thirdPartyID string) (*atlar.Connection, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conns == nil {
		conns, err := a.api.ListConnections(ctx)
		if err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		a.conns = conns
	}
	for i := range a.conns {
		if a.conns[i].ThirdPartyID == thirdPartyID {
			return &a.conns[i], nil
		}
	}
	return nil, errUnknownAccount
}
