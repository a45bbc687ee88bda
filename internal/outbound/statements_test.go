package outbound

import (
	"context"
	"errors"
	"testing"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stubAtlar answers the connection list with err, or with no connections.
type stubAtlar struct{ err error }

func (s stubAtlar) ListConnections(ctx context.Context) ([]atlar.Connection, error) {
	if s.err != nil {
		return nil, s.err
	}
	return nil, ctx.Err()
}

func (stubAtlar) ListReports(context.Context, string) ([]atlar.Report, error) { return nil, nil }

func (stubAtlar) ReportContent(context.Context, string, string, string, bool) ([]byte, error) {
	return nil, errors.New("not expected")
}

// TestPollStatements_Result: status shows how the last finished poll went;
// a poll cut short by the bridge stopping is not one.
func TestPollStatements_Result(t *testing.T) {
	ob, store, _ := newSweepOutbound(t)
	last := func() string {
		v, _, err := store.GetMeta(MetaStatementsResult)
		require.NoError(t, err)
		return v
	}

	ob.o.API = stubAtlar{}
	require.NoError(t, ob.PollStatements(context.Background()))
	assert.Equal(t, "ok: 0 statement(s) delivered", last())

	ob.o.API = stubAtlar{err: errors.New("503 Service Unavailable")}
	require.Error(t, ob.PollStatements(context.Background()))
	assert.Equal(t, "error: list connections: 503 Service Unavailable", last())

	ob.o.API = stubAtlar{}
	require.NoError(t, ob.PollStatements(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, ob.PollStatements(ctx), context.Canceled)
	assert.Equal(t, "ok: 0 statement(s) delivered", last(), "an interrupted poll leaves the last result alone")
}
