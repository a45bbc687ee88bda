package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

func examplePain001(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "sepa.pain001.xml"))
	require.NoError(t, err)
	return data
}

// Instruction mode forwards the file byte for byte to the connection of
// the debtor account and acknowledges it; the bank's acceptance completes
// the file.
func TestBridge_Pain001Instruction(t *testing.T) {
	tb := newTestBridge(t)
	data := examplePain001(t)
	tb.drop("sepa", "pay.xml", data)
	ack := tb.waitFile(15*time.Second, "outbox", "results", "pay.xml.ack.xml")
	require.Contains(t, string(ack), "<GrpSts>ACTC</GrpSts>")
	require.Contains(t, string(ack), "<OrgnlMsgId>ERP-SEPA-20261121-001</OrgnlMsgId>")
	sharedtest.XMLLint(t, ack, sharedtest.XSD(t, "pain.002.001.10.xsd"))
	tb.waitFiles(15*time.Second, 1, state.Completed)

	ins := tb.fake.Instructions()
	require.Len(t, ins, 1)
	require.True(t, bytes.Equal(data, ins[0].Content), "forwarded untouched")
	require.Equal(t, atlartest.SeedConnectionID, ins[0].ConnectionID, "connection resolved from the debtor IBAN")
	require.Empty(t, tb.fake.Batches())
	result := tb.waitFile(15*time.Second, "outbox", "results", "pay.xml.result.xml")
	require.Contains(t, string(result), "<OrgnlEndToEndId>SEPA-0002</OrgnlEndToEndId>")
	sharedtest.XMLLint(t, result, sharedtest.XSD(t, "pain.002.001.10.xsd"))
}

// Transfers mode turns each transaction into a credit transfer; the final
// pain.002 echoes the original ids and counts exactly.
func TestBridge_Pain001Transfers(t *testing.T) {
	tb := newTestBridge(t)
	tb.drop("sepa-transfers", "pay.xml", examplePain001(t))
	result := tb.waitFile(20*time.Second, "outbox", "results", "pay.xml.result.xml")
	for _, want := range []string{
		"<OrgnlMsgId>ERP-SEPA-20261121-001</OrgnlMsgId>", "<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>",
		"<OrgnlNbOfTxs>2</OrgnlNbOfTxs>", "<OrgnlCtrlSum>1339.90</OrgnlCtrlSum>",
		"<OrgnlPmtInfId>ERP-SEPA-20261121-001-1</OrgnlPmtInfId>",
		"<OrgnlEndToEndId>SEPA-0001</OrgnlEndToEndId>", "<TxSts>ACSC</TxSts>",
	} {
		require.Contains(t, string(result), want)
	}
	sharedtest.XMLLint(t, result, sharedtest.XSD(t, "pain.002.001.10.xsd"))
	require.Len(t, tb.fake.Payments(), 2)
	csvOut := tb.waitFile(5*time.Second, "outbox", "results", "pay.xml.result.csv")
	require.Contains(t, string(csvOut), "SEPA-0001")

	// The same MsgId again (other bytes) is a duplicate.
	again := bytes.Replace(examplePain001(t), []byte("Invoice 2026-0001"), []byte("Invoice 2026-0001 bis"), 1)
	tb.drop("sepa-transfers", "again.xml", again)
	rej := tb.waitFiles(15*time.Second, 1, state.Rejected)[0]
	require.Contains(t, problemText(rej), "MsgId ERP-SEPA-20261121-001")
	require.Len(t, tb.fake.Batches(), 1)
}

// A pain.001 whose counts don't add up is rejected before anything leaves,
// naming both numbers, with an RJCT ack in the route's pain.002 version.
func TestBridge_Pain001Rejected(t *testing.T) {
	for _, version := range []string{config.Pain002V10, config.Pain002V03} {
		t.Run(version, func(t *testing.T) {
			tb := newTestBridge(t, func(c *config.Config) {
				for i := range c.Routes {
					c.Routes[i].Pain002Version = version
				}
			})
			bad := strings.Replace(string(examplePain001(t)), "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>", 1)
			// The second transaction's creditor IBAN fails its checksum.
			bad = strings.Replace(bad, "FR1420041010050500013M02606", "FR0020041010050500013M02606", 1)
			tb.drop("sepa", "bad.xml", []byte(bad))
			f := tb.waitFiles(15*time.Second, 1, state.Rejected)[0]
			require.Contains(t, problemText(f), "3")
			require.Contains(t, problemText(f), "2")
			ack := tb.waitFile(10*time.Second, "outbox", "results", "bad.xml.ack.xml")
			require.Contains(t, string(ack), "RJCT")
			require.Contains(t, string(ack), "AM18")
			// The ERP matches the rejection by its own ids, not the bridge's.
			require.Contains(t, string(ack), "<OrgnlMsgId>ERP-SEPA-20261121-001</OrgnlMsgId>")
			require.Contains(t, string(ack), "<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>")
			require.Regexp(t, `<OrgnlPmtInfId>ERP-SEPA-20261121-001-1</OrgnlPmtInfId>\s*<PmtInfSts>RJCT</PmtInfSts>\s*<TxInfAndSts>\s*<OrgnlEndToEndId>SEPA-0002</OrgnlEndToEndId>\s*<TxSts>RJCT</TxSts>`, string(ack))
			require.NotContains(t, string(ack), "SEPA-0001", "only the transaction with a problem is listed")
			xsd := "pain.002.001.10.xsd"
			if version == config.Pain002V03 {
				xsd = "pain.002.001.03.DK.xsd"
			}
			sharedtest.XMLLint(t, ack, sharedtest.XSD(t, xsd))
			require.Equal(t, bad, string(tb.original(f)))
			require.Empty(t, tb.fake.Instructions())
		})
	}
}
