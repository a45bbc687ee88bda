package atlartest

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// painFile is a minimal pain.001.001.03 paying from debtorIBAN.
func painFile(debtorIBAN, extra string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn>
<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2025-03-10T09:00:00</CreDtTm><NbOfTxs>2</NbOfTxs><CtrlSum>150.25</CtrlSum><InitgPty><Nm>Demo</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>P1</PmtInfId><PmtMtd>TRF</PmtMtd><ReqdExctnDt>2025-03-10</ReqdExctnDt><Dbtr><Nm>Demo</Nm></Dbtr>
<DbtrAcct><Id><IBAN>` + debtorIBAN + `</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-PAIN-1</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">100.00</InstdAmt></Amt>
<CdtrAgt><FinInstnId><BIC>PSSTFRPPLIL</BIC></FinInstnId></CdtrAgt><Cdtr><Nm>Fournisseur SARL</Nm></Cdtr>
<CdtrAcct><Id><IBAN>` + SeedFournisseurIBAN + `</IBAN></Id></CdtrAcct><RmtInf><Ustrd>Facture 1</Ustrd></RmtInf></CdtTrfTxInf>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-PAIN-2</EndToEndId></PmtId><Amt><InstdAmt Ccy="EUR">50.25</InstdAmt></Amt>
<Cdtr><Nm>Kunde AG</Nm></Cdtr><CdtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></CdtrAcct><RmtInf><Ustrd>` + extra + `</Ustrd></RmtInf></CdtTrfTxInf>
</PmtInf></CstmrCdtTrfInitn></Document>`
}

func TestServer_Reports_BookInstruction(t *testing.T) {
	tests := []struct {
		name    string
		content string
		booked  bool
	}{
		{"DemoAccount", painFile(SeedEURIBAN, "Gutschrift"), true},
		{"UnknownDebtor", painFile("DE02120300000000202051", "x"), false},
		{"Rejected", painFile(SeedEURIBAN, MagicRejectInstruction), false},
		{"NotXML", "not xml at all", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			seeded := len(f.srv.Reports())
			resp, body := f.postInstruction(tt.content, painType)
			require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
			f.clock.Advance(time.Second) // SENT: not booked yet
			require.Len(t, getAll[atlar.Report](f, reportsPath), seeded)
			f.clock.Advance(time.Second) // ACCEPTED or REJECTED
			reports := getAll[atlar.Report](f, reportsPath)
			if !tt.booked {
				assert.Len(t, reports, seeded)
				return
			}
			require.Len(t, reports, seeded+1)
			r := reports[len(reports)-1]
			assert.Equal(t, []string{SeedEURAccountID}, r.AccountIDs)
			st := parseCamt(t, f.content(r.ID, camt053.V02, true)).Stmts[0]
			require.Len(t, st.Ntrys, 2)
			assert.Equal(t, "E2E-PAIN-1", st.Ntrys[0].Tx.EndToEndID)
			assert.Equal(t, camtAmt{Value: "100.00", Ccy: "EUR"}, st.Ntrys[0].Amt)
			assert.Equal(t, "Fournisseur SARL", st.Ntrys[0].Tx.CdtrNm)
			assert.Equal(t, SeedFournisseurIBAN, st.Ntrys[0].Tx.CdtrIBAN)
			assert.Equal(t, []string{"Facture 1"}, st.Ntrys[0].Tx.Ustrd)
			assert.Equal(t, "E2E-PAIN-2", st.Ntrys[1].Tx.EndToEndID)
			assert.Len(t, getAll[atlar.Report](f, reportsPath), seeded+1, "booked once")
		})
	}
}

// TestReadPainTxs_SharedSamples reads the shared pain.001 samples: the
// reader must not fail on real-world files (namespaces, versions, charsets).
func TestReadPainTxs_SharedSamples(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(sharedtest.Dir(t, "iso20022", "samples", "pain001"), "*.xml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			txs := readPainTxs(b)
			require.NotEmpty(t, txs)
			for _, tx := range txs {
				assert.NotEmpty(t, tx.endToEndID)
				assert.NotEmpty(t, tx.amount)
				assert.NotEmpty(t, tx.currency)
			}
		})
	}
}
