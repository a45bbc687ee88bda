package inbound

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/jonboulle/clockwork"
	"golang.org/x/sync/singleflight"
)

// fetchTimeout bounds one list call that every waiter has given up on: the
// call goes on without them (its answer warms the cache for the next file
// and for offline in-band checks) but not forever.
const fetchTimeout = 5 * time.Minute

// errNotCached is returned by the offline resolver when the answer needs
// Atlar: the in-band check cannot tell, so the file is left to the pipeline.
var errNotCached = errors.New("accounts not cached: needs Atlar")

// accounts caches Atlar's accounts and connections: every payment of a
// file names its source by IBAN or id, and one list call serves them all.
//
// The mutex guards the cached maps only and is never held over a call to
// Atlar: concurrent misses share one call through singleflight, and each
// caller waits for it under its own context, so a cancelled worker returns
// at once while the call goes on for the others.
type accounts struct {
	api   Atlar
	clock clockwork.Clock
	ttl   time.Duration

	flight singleflight.Group
	// waiting counts callers waiting on a shared call now, so a test can
	// tell that they have all joined it.
	waiting atomic.Int32

	mu      sync.RWMutex
	fetched time.Time
	byIBAN  map[string]*atlar.Account
	byID    map[string]*atlar.Account
	conns   []atlar.Connection
}

var _ Resolver = (*accounts)(nil)

func newAccounts(api Atlar, clock clockwork.Clock, ttl time.Duration) *accounts {
	return &accounts{api: api, clock: clock, ttl: ttl}
}

// share runs fn once for all concurrent callers of key and waits for its
// answer under ctx. fn runs under a context detached from the caller's
// cancellation (bounded by fetchTimeout): one caller giving up must not
// fail the call for the others.
func (a *accounts) share(ctx context.Context, key string, fn func(ctx context.Context) error) error {
	ch := a.flight.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		return nil, fn(fctx)
	})
	a.waiting.Add(1)
	defer a.waiting.Add(-1)
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return fmt.Errorf("wait for %s: %w", key, ctx.Err())
	}
}

// refresh lists the accounts, unless a list fetched at or after since is
// cached already (another caller refreshed while this one waited).
func (a *accounts) refresh(ctx context.Context, since time.Time) error {
	return a.share(ctx, "accounts", func(ctx context.Context) error {
		a.mu.RLock()
		fresh := a.byID != nil && !a.fetched.Before(since)
		a.mu.RUnlock()
		if fresh {
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
		a.mu.Lock()
		a.byIBAN, a.byID, a.fetched, a.conns = byIBAN, byID, a.clock.Now(), nil
		a.mu.Unlock()
		return nil
	})
}

// cached looks get up in the cache: found, whether the cache is loaded and
// within its ttl, and when it was fetched.
func (a *accounts) cached(get func() *atlar.Account) (acc *atlar.Account, fresh bool, fetched time.Time) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.byID == nil {
		return nil, false, time.Time{}
	}
	return get(), a.clock.Since(a.fetched) < a.ttl, a.fetched
}

// lookup finds an account, refreshing the cache once on a miss so an
// account added in Atlar a minute ago is found.
func (a *accounts) lookup(ctx context.Context, get func() *atlar.Account) (*atlar.Account, error) {
	acc, fresh, fetched := a.cached(get)
	if !fresh {
		if err := a.refresh(ctx, a.clock.Now().Add(-a.ttl)); err != nil {
			return nil, err
		}
		acc, _, fetched = a.cached(get)
	}
	if acc != nil {
		return acc, nil
	}
	if a.clock.Since(fetched) > time.Minute {
		if err := a.refresh(ctx, fetched.Add(time.Nanosecond)); err != nil {
			return nil, err
		}
		if acc, _, _ = a.cached(get); acc != nil {
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

func (a *accounts) connection(thirdPartyID string) (conn *atlar.Connection, loaded bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.conns == nil {
		return nil, false
	}
	for i := range a.conns {
		if a.conns[i].ThirdPartyID == thirdPartyID {
			c := a.conns[i]
			return &c, true
		}
	}
	return nil, true
}

func (a *accounts) ConnectionFor(ctx context.Context, thirdPartyID string) (*atlar.Connection, error) {
	conn, loaded := a.connection(thirdPartyID)
	if !loaded {
		err := a.share(ctx, "connections", func(ctx context.Context) error {
			if _, loaded := a.connection(""); loaded {
				return nil
			}
			conns, err := a.api.ListConnections(ctx)
			if err != nil {
				return fmt.Errorf("list connections: %w", err)
			}
			if conns == nil {
				conns = []atlar.Connection{}
			}
			a.mu.Lock()
			a.conns = conns
			a.mu.Unlock()
			return nil
		})
		if err != nil {
			return nil, err
		}
		conn, _ = a.connection(thirdPartyID)
	}
	if conn == nil {
		return nil, errUnknownAccount
	}
	return conn, nil
}

// offline is a Resolver that answers from the cache alone and never calls
// Atlar: the SFTP close path uses it so an ERP's close() does not wait on
// an Atlar outage. What the cache cannot answer is errNotCached, and the
// pipeline validates the file again, online, after the close.
type offlineAccounts struct{ a *accounts }

var _ Resolver = offlineAccounts{}

func (o offlineAccounts) lookup(get func() *atlar.Account) (*atlar.Account, error) {
	acc, fresh, fetched := o.a.cached(get)
	switch {
	case !fresh:
		return nil, errNotCached
	case acc != nil:
		return acc, nil
	case o.a.clock.Since(fetched) > time.Minute:
		// Online lookup would list again for an account added since.
		return nil, errNotCached
	}
	return nil, errUnknownAccount
}

func (o offlineAccounts) AccountByIBAN(_ context.Context, iban string) (*atlar.Account, error) {
	iban = bankid.NormalizeIBAN(iban)
	return o.lookup(func() *atlar.Account { return o.a.byIBAN[iban] })
}

func (o offlineAccounts) AccountByID(_ context.Context, id string) (*atlar.Account, error) {
	return o.lookup(func() *atlar.Account { return o.a.byID[id] })
}

func (o offlineAccounts) ConnectionFor(_ context.Context, thirdPartyID string) (*atlar.Connection, error) {
	conn, loaded := o.a.connection(thirdPartyID)
	switch {
	case !loaded:
		return nil, errNotCached
	case conn == nil:
		return nil, errUnknownAccount
	}
	return conn, nil
}
