package atlartest

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// Options configures a Server. The zero value is usable: every field has a
// default.
type Options struct {
	// Clock drives everything time-based (token expiry, batch, payment and
	// instruction progress, statement dates, idempotency key expiry).
	// Default: the real clock.
	Clock clockwork.Clock
	// AccessKey and Secret are the only accepted credentials.
	// Default "demo-key" / "demo-secret".
	AccessKey, Secret string
	// DisableBasic rejects HTTP Basic on API endpoints, so only Bearer
	// tokens work. By default Basic is accepted everywhere, as Atlar does.
	DisableBasic bool
	// TokenTTL is the lifetime of OAuth2 access tokens. Default 300s.
	TokenTTL time.Duration
	// PageSize caps the items of one list page whatever limit the client
	// asked for, while nextToken stays non-empty until the last item: it
	// catches clients that stop paging when len(items) < limit. Default 2.
	PageSize int
	// BatchStep is the time a batch spends in CREATED and then in
	// PROCESSING_STARTED before it is COMPLETED. Default 1s.
	BatchStep time.Duration
	// PaymentStep is the time a payment spends in each of APPROVED,
	// PENDING_SUBMISSION and SENT before its final status. Default 1s.
	PaymentStep time.Duration
	// InstructionStep is the time an instruction spends in CREATED and
	// then SENT before its final status. Default 1s.
	InstructionStep time.Duration
	// SeedDays is how many past days of statements are seeded per account.
	// Default 3; negative seeds none.
	SeedDays int
	// Logger receives one debug line per request. Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.AccessKey == "" {
		o.AccessKey = "demo-key"
	}
	if o.Secret == "" {
		o.Secret = "demo-secret"
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 300 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 2
	}
	if o.BatchStep <= 0 {
		o.BatchStep = time.Second
	}
	if o.PaymentStep <= 0 {
		o.PaymentStep = time.Second
	}
	if o.InstructionStep <= 0 {
		o.InstructionStep = time.Second
	}
	switch {
	case o.SeedDays == 0:
		o.SeedDays = 3
	case o.SeedDays < 0:
		o.SeedDays = 0
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Server is an in-memory Atlar API. It is safe for concurrent use. All
// state lives behind one mutex; time-based progress is derived from the
// clock when a request (or an inspection method) looks at it, so there are
// no background goroutines.
type Server struct {
	opts     Options
	clock    clockwork.Clock
	log      *slog.Logger
	mux      *http.ServeMux
	reqIDPfx string

	mu     sync.Mutex
	reqSeq uint64
	down   bool
	faults Faults
	rng    *mrand.Rand
	stats  Stats
	tokens map[string]time.Time // access token → expiry
	idem   map[string]*idemEntry

	// forbidden are the mux patterns ("GET /payments/v2/counterparties")
	// answered 403, as for a programmatic user whose role lacks the
	// permission (see Forbid).
	forbidden map[string]bool

	accounts         []*seedAccount
	externalAccounts []*seedExternalAccount
	counterparties   []*seedCounterparty
	externalIDs      map[string]string // externalId → id of the resource that holds it

	mandates     []*mandate
	directDebits []*directDebit

	batches      []*batch
	payments     []*payment
	instructions []*instruction
	reports      []*report
	// closing is each account's balance after its latest report.
	closing map[string]int64
	// stmtSeq is each account's latest statement sequence number.
	stmtSeq map[string]int64
}

// New returns a Server seeded with the fixed demo data (see seed.go and the
// package documentation).
func New(opts Options) *Server {
	opts = opts.withDefaults()
	var pfx [4]byte
	_, _ = rand.Read(pfx[:])
	s := &Server{
		opts:        opts,
		clock:       opts.Clock,
		log:         opts.Logger,
		reqIDPfx:    hex.EncodeToString(pfx[:]),
		rng:         newFaultRand(0),
		tokens:      map[string]time.Time{},
		idem:        map[string]*idemEntry{},
		externalIDs: map[string]string{},
		closing:     map[string]int64{},
		stmtSeq:     map[string]int64{},
		stats:       newStats(),
	}
	s.accounts = seedAccounts()
	s.externalAccounts = seedExternalAccounts()
	s.counterparties = seedCounterparties()
	for _, ea := range s.externalAccounts {
		s.externalIDs[ea.externalID] = ea.id
	}
	for _, cp := range s.counterparties {
		s.externalIDs[cp.externalID] = cp.id
	}
	s.seedReports(s.clock.Now())
	s.mux = s.routes()
	return s
}

// Handler returns the HTTP handler serving the API. Use it on a real
// listener (bridge demo) or under httptest.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// NewTest starts the server under httptest and returns it with its base URL
// (no trailing slash). The test server is closed at cleanup.
func NewTest(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts.URL
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST "+tokenPath, s.handleToken)

	m.HandleFunc("GET /financial-data/v2/accounts", s.handleListAccounts)
	m.HandleFunc("GET /financial-data/v2/accounts/{id}", s.handleGetAccount)
	m.HandleFunc("GET /financial-data/v2/accounts/{id}/balances", s.handleListBalances)
	m.HandleFunc("GET /financial-data/v2/transactions", s.handleListTransactions)
	m.HandleFunc("GET /payments/v2/external-accounts", s.handleListExternalAccounts)
	m.HandleFunc("GET /payments/v2/external-accounts/{id}", s.handleGetExternalAccount)
	m.HandleFunc("GET /payments/v2/counterparties", s.handleListCounterparties)
	m.HandleFunc("GET /payments/v2/counterparties/{id}", s.handleGetCounterparty)
	m.HandleFunc("POST /payments/v2/counterparties", s.handleCreateCounterparty)
	m.HandleFunc("PATCH /payments/v2/counterparties/{id}", s.handlePatchCounterparty)
	m.HandleFunc("POST /payments/v2/external-accounts", s.handleCreateExternalAccount)

	m.HandleFunc("POST /payments/v2/mandates", s.handleCreateMandate)
	m.HandleFunc("GET /payments/v2/mandates", s.handleListMandates)
	m.HandleFunc("GET /payments/v2/mandates/{id}", s.handleGetMandate)
	m.HandleFunc("GET /payments/v2/mandates/{id}/events", s.handleMandateEvents)
	m.HandleFunc("POST /payments/v2/mandates/{action}", s.handleMandateAction)
	m.HandleFunc("POST /payments/v2/direct-debits", s.handleCreateDirectDebit)
	m.HandleFunc("GET /payments/v2/direct-debits", s.handleListDirectDebits)
	m.HandleFunc("GET /payments/v2/direct-debits/{id}", s.handleGetDirectDebit)
	m.HandleFunc("GET /payments/v2/direct-debits/{id}/events", s.handleDirectDebitEvents)
	m.HandleFunc("POST /payments/v2/direct-debits/{action}", s.handleDirectDebitAction)

	m.HandleFunc("POST /payments/v2beta/credit-transfer-batches", s.handleCreateBatch)
	m.HandleFunc("GET /payments/v2beta/credit-transfer-batches", s.handleListBatches)
	m.HandleFunc("GET /payments/v2beta/credit-transfer-batches/{id}", s.handleGetBatch)
	m.HandleFunc("GET /payments/v2beta/credit-transfer-batches/{id}/results", s.handleBatchResults)
	m.HandleFunc("POST /payments/v2/credit-transfer-batches/{action}", s.handleBatchAction)

	m.HandleFunc("GET /payments/v2/credit-transfers", s.handleListPayments)
	m.HandleFunc("GET /payments/v2/credit-transfers/{id}", s.handleGetPayment)
	m.HandleFunc("POST /payments/v2/credit-transfers/{action}", s.handlePaymentAction)

	m.HandleFunc("GET /connectivity/v2beta/connections", s.handleListConnections)
	m.HandleFunc("GET /connectivity/v2beta/connections/{cid}", s.handleGetConnection)
	m.HandleFunc("GET /connectivity/v2beta/connections/{cid}/reports", s.handleListReports)
	m.HandleFunc("GET /connectivity/v2beta/connections/{cid}/reports/{rid}", s.handleGetReport)
	m.HandleFunc("GET /connectivity/v2beta/connections/{cid}/reports/{rid}/content", s.handleReportContent)
	m.HandleFunc("GET /connectivity/v2beta/connections/{cid}/reports/{rid}/bank-statement", s.handleBankStatement)
	m.HandleFunc("POST /connectivity/v2beta/connections/{cid}/instructions", s.handleCreateInstruction)
	m.HandleFunc("GET /connectivity/v2beta/connections/{cid}/instructions", s.handleListInstructions)
	m.HandleFunc("GET /connectivity/v2beta/connections/{cid}/instructions/{id}", s.handleGetInstruction)
	return m
}

// newID returns a random UUID (v4). Created resources get random ids so
// that a restarted demo sandbox never reuses an id the bridge has journaled.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b[:])
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// timestamp formats t as Atlar does: RFC 3339 with nanoseconds, UTC.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// today is the fake clock's date (UTC), YYYY-MM-DD.
func today(now time.Time) string { return now.UTC().Format(time.DateOnly) }
