package atlar_test

import (
	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/outbound"
)

// The Client is the Atlar API of both pipelines. These assertions sit
// beside the implementation, in an external test package because inbound
// and outbound import atlar. The error contracts the pipelines rely on
// (Temporary, *APIError, ErrNotFound) are documented on inbound.Atlar.
var (
	_ inbound.Atlar  = (*atlar.Client)(nil)
	_ outbound.Atlar = (*atlar.Client)(nil)
)
