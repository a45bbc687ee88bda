package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStore_Deliveries(t *testing.T) {
	s, clock := openTest(t, Options{})

	intent := &Delivery{
		Key:  "report/R1",
		Path: "outbox/statements/DE89370400440532013000_2025-03-13_R1.xml",
		Temp: "outbox/statements/.DE89370400440532013000_2025-03-13_R1.xml.tmp",
	}
	require.NoError(t, s.PutDelivery(intent))
	assert.Equal(t, t0, intent.At, "At defaults to now")
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F1/ack", Path: "outbox/results/a.csv.ack.xml", Done: true}))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F1/result.csv", Path: "outbox/results/a.csv.result.csv"}))
	require.NoError(t, s.PutDelivery(&Delivery{Key: "file/F10/ack", Path: "outbox/results/b.csv.ack.xml", Done: true}))

	got, err := s.GetDelivery("report/R1")
	require.NoError(t, err)
	assert.Equal(t, intent, got)
	_, err = s.GetDelivery("report/R2")
	require.ErrorIs(t, err, ErrNotFound)

	pending, err := s.PendingDeliveries()
	require.NoError(t, err)
	assert.Equal(t, []string{"file/F1/result.csv", "report/R1"}, keys(pending))

	// Renamed into place: done.
	clock.Advance(time.Second)
	done := *got
	done.Done, done.Bytes, done.At = true, 1234, clock.Now()
	require.NoError(t, s.PutDelivery(&done))
	pending, err = s.PendingDeliveries()
	require.NoError(t, err)
	assert.Equal(t, []string{"file/F1/result.csv"}, keys(pending))

	tests := []struct {
		prefix string
		want   []string
	}{
		{"report/", []string{"report/R1"}},
		{"file/F1/", []string{"file/F1/ack", "file/F1/result.csv"}},
		{"file/", []string{"file/F1/ack", "file/F1/result.csv", "file/F10/ack"}},
		{"", []string{"file/F1/ack", "file/F1/result.csv", "file/F10/ack", "report/R1"}},
		{"nope/", nil},
	}
	for _, tt := range tests {
		t.Run("Prefix"+tt.prefix, func(t *testing.T) {
			got, err := s.Deliveries(tt.prefix)
			require.NoError(t, err)
			assert.Equal(t, tt.want, keys(got))
		})
	}

	t.Run("Invalid", func(t *testing.T) {
		assert.Error(t, s.PutDelivery(&Delivery{Path: "outbox/x"}))
		assert.Error(t, s.PutDelivery(&Delivery{Key: "report/R9"}))
	})
}

func keys(ds []*Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Key)
	}
	return out
}
