package atlar_test

import (
	"context"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// collectionsAPI is the Atlar surface the collection and counterparty
// routes (issue 16) are built on. The inbound pipeline will declare its own
// smaller interface at the consumer; this assertion keeps the methods and
// their signatures from drifting until then.
type collectionsAPI interface {
	CreateCounterparty(ctx context.Context, req *atlar.CreateCounterpartyRequest, idempotencyKey string) (*atlar.Counterparty, error)
	GetCounterparty(ctx context.Context, idOrExternal string) (*atlar.Counterparty, error)
	ListCounterparties(ctx context.Context, query string) ([]atlar.Counterparty, error)
	PatchCounterparty(ctx context.Context, idOrExternal, etag string, ops []atlar.PatchOp) (*atlar.Counterparty, error)

	CreateExternalAccount(ctx context.Context, req *atlar.CreateExternalAccountRequest, idempotencyKey string) (*atlar.ExternalAccount, error)
	GetExternalAccount(ctx context.Context, idOrExternal string) (*atlar.ExternalAccount, error)
	ListExternalAccounts(ctx context.Context, counterpartyID string) ([]atlar.ExternalAccount, error)
	FindExternalAccountsByIBAN(ctx context.Context, iban string) ([]atlar.ExternalAccount, error)

	CreateMandate(ctx context.Context, req *atlar.CreateMandateRequest, idempotencyKey string) (*atlar.Mandate, error)
	GetMandate(ctx context.Context, idOrExternal string) (*atlar.Mandate, error)
	ListMandates(ctx context.Context, f atlar.MandateFilter) ([]atlar.Mandate, error)
	FindMandatesByReference(ctx context.Context, ref string, f atlar.MandateFilter) ([]atlar.Mandate, error)
	ListMandateEvents(ctx context.Context, id string) ([]atlar.Event, error)
	CancelMandate(ctx context.Context, idOrExternal, etag string) (*atlar.Mandate, error)

	CreateDirectDebit(ctx context.Context, req *atlar.CreateDirectDebitRequest, idempotencyKey string) (*atlar.DirectDebit, error)
	GetDirectDebit(ctx context.Context, idOrExternal string) (*atlar.DirectDebit, error)
	ListDirectDebits(ctx context.Context, f atlar.DirectDebitFilter) ([]atlar.DirectDebit, error)
	ListDirectDebitEvents(ctx context.Context, id string) ([]atlar.Event, error)
	ApproveDirectDebit(ctx context.Context, idOrExternal, etag, stepID string) (*atlar.DirectDebit, error)
	RejectDirectDebit(ctx context.Context, idOrExternal, etag, reason string) (*atlar.DirectDebit, error)
}

var (
	_ collectionsAPI = (*atlar.Client)(nil)
	// The pure helpers the routes use beside the client.
	_ func(atlar.Counterparty, atlar.CreateCounterpartyRequest) []atlar.PatchOp = atlar.CounterpartyPatch
	_ func(string) bool                                                         = atlar.DirectDebitTerminal
	_ func(string) bool                                                         = atlar.MandateUsable
)
