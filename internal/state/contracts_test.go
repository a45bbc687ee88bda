package state_test

import (
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/outbound"
	"github.com/atlarbridge/bridge/internal/state"
)

// The Store is the journal of both pipelines. These assertions sit beside
// the implementation, in an external test package because inbound and
// outbound import state: a change to a method here that breaks a consumer's
// contract fails state's own build, not only a later one of cmd/bridge.
// The error contracts are documented on the interfaces.
var (
	_ inbound.Journal     = (*state.Store)(nil)
	_ outbound.Journal    = (*state.Store)(nil)
	_ outbound.ChangeFeed = (*state.Store)(nil)
)
