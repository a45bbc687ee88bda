package inbound

import (
	"encoding/json"
	"testing"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestApplyTransfers_ReturnReason: a payment that ended REJECTED or
// RETURNED with the bank's reason (returnReason {code, description}, as
// Atlar's transactions carry it) keeps code and text for the pain.002; a
// payment still on its way keeps none.
func TestApplyTransfers_ReturnReason(t *testing.T) {
	var transfers []atlar.CreditTransfer
	require.NoError(t, json.Unmarshal([]byte(`[
		{"id":"p1","status":"RETURNED","returnReason":{"code":"AC04","description":"Closed account number"}},
		{"id":"p2","status":"REJECTED","returnReason":{"code":" X9 ","description":""}},
		{"id":"p3","status":"SENT","returnReason":{"code":"AM04"}},
		{"id":"p4","status":"EXECUTED"}
	]`), &transfers))
	pays := []state.Payment{{PaymentID: "p1"}, {PaymentID: "p2"}, {PaymentID: "p3"}, {PaymentID: "p4", Reason: "old", ReasonCode: "OLD"}}
	applyTransfers(pays, transfers)
	assert.Equal(t, []state.Payment{
		{PaymentID: "p1", Status: "RETURNED", ReasonCode: "AC04", Reason: "Closed account number"},
		{PaymentID: "p2", Status: "REJECTED", ReasonCode: "X9"},
		{PaymentID: "p3", Status: "SENT"},
		{PaymentID: "p4", Status: "EXECUTED"},
	}, pays)
}
