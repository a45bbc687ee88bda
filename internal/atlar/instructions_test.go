package atlar_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/stretchr/testify/require"
)

// TestClient_ListInstructions lists a connection's instructions across
// the fake's short pages, in creation order.
func TestClient_ListInstructions(t *testing.T) {
	_, url := atlartest.NewTest(t, atlartest.Options{PageSize: 2})
	c, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret"})
	require.NoError(t, err)
	ctx := context.Background()
	var want []string
	for i := range 5 {
		doc := fmt.Appendf(nil, `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><n>%d</n></Document>`, i)
		in, err := c.CreateInstruction(ctx, atlartest.SeedConnectionID, fmt.Sprintf("f%d.xml", i), doc,
			"application/vnd.iso20022.pain.001.001.03+xml", fmt.Sprintf("key-%d", i))
		require.NoError(t, err)
		want = append(want, in.ID)
	}
	list, err := c.ListInstructions(ctx, atlartest.SeedConnectionID)
	require.NoError(t, err)
	var got []string
	for _, in := range list {
		got = append(got, in.ID)
	}
	require.Equal(t, want, got)
	require.Equal(t, "f4.xml", list[4].FileName)

	_, err = c.ListInstructions(ctx, "no-such-connection")
	require.ErrorIs(t, err, atlar.ErrNotFound)
}
