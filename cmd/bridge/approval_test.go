package main

import (
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// A payment waiting for approval in Atlar shows as pending (PDNG) in an
// interim status report; once approved, the final result follows.
func TestBridge_ApprovalPendingThenFinal(t *testing.T) {
	tb := newTestBridge(t)
	csv := "external_id,source_iban,amount,currency,external_account_id,reference\n" +
		"APR-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur,needs APPROVAL\n" +
		"APR-2,DE89370400440532013000,11.00,EUR,external:fournisseur-sarl-eur,plain\n"
	tb.drop("payables", "approve.csv", []byte(csv))

	pending := tb.waitFile(15*time.Second, "outbox", "results", "approve.csv.pending.xml")
	require.Contains(t, string(pending), "<TxSts>PDNG</TxSts>")
	require.Contains(t, string(pending), "waiting for approval")
	sharedtest.XMLLint(t, pending, sharedtest.XSD(t, "pain.002.001.10.xsd"))
	require.NoFileExists(t, tb.path("outbox", "results", "approve.csv.result.xml"), "no final result while a payment waits")

	var waiting string
	for _, p := range tb.fake.Payments() {
		if p.ExternalID == "APR-1" {
			waiting = p.ID
		}
	}
	require.NotEmpty(t, waiting)
	require.NoError(t, tb.fake.Approve(waiting))

	final := tb.waitFile(15*time.Second, "outbox", "results", "approve.csv.result.xml")
	require.Equal(t, 2, strings.Count(string(final), "<TxSts>ACSC</TxSts>"), string(final))
	sharedtest.XMLLint(t, final, sharedtest.XSD(t, "pain.002.001.10.xsd"))
	tb.waitFiles(5*time.Second, 1, state.Completed)
}

// Waiting longer than results.max_wait is reported, not silently dropped:
// the file fails with the reason and the result says which payments are
// still pending.
func TestBridge_MaxWaitReported(t *testing.T) {
	tb := newTestBridge(t, func(c *config.Config) { c.Results.MaxWait = config.D(1500 * time.Millisecond) })
	csv := "external_id,source_iban,amount,currency,external_account_id,reference\n" +
		"MW-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur,needs APPROVAL\n"
	tb.drop("payables", "wait.csv", []byte(csv))
	files := tb.waitFiles(20*time.Second, 1, state.Failed)
	require.Contains(t, problemText(files[0]), "results.max_wait")
	result := tb.waitFile(10*time.Second, "outbox", "results", "wait.csv.result.xml")
	require.Contains(t, string(result), "<TxSts>PDNG</TxSts>")
	sharedtest.XMLLint(t, result, sharedtest.XSD(t, "pain.002.001.10.xsd"))
	csvOut := tb.waitFile(10*time.Second, "outbox", "results", "wait.csv.result.csv")
	require.Contains(t, string(csvOut), "PENDING")
}
