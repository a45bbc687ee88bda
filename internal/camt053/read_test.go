package camt053

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRead_RoundTrip reads back every golden statement in every version:
// Read must give the model Render was given (text as Render cleaned it),
// since the other report formats are rendered from what Read returns.
func TestRead_RoundTrip(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "render", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		require.NoError(t, err)
		var c renderCase
		require.NoError(t, json.Unmarshal(raw, &c), in)
		for _, version := range Versions {
			t.Run(filepath.Base(in)+"/"+version, func(t *testing.T) {
				doc, err := Render(version, c.Statement)
				require.NoError(t, err)
				got, err := Read(doc)
				require.NoError(t, err)
				require.Len(t, got, 1)
				st := got[0]
				want := c.Statement
				assert.Equal(t, want.ID, st.ID)
				assert.Equal(t, want.Opening, st.Opening)
				assert.Equal(t, want.Closing, st.Closing)
				assert.Equal(t, want.Account.Currency, st.Account.Currency)
				require.Len(t, st.Entries, len(want.Entries))
				for i, we := range want.Entries {
					ge := st.Entries[i]
					assert.Equal(t, we.Amount, ge.Amount, "entry %d", i)
					assert.Equal(t, we.Credit, ge.Credit, "entry %d", i)
					if we.BookingDate != "" {
						assert.Equal(t, we.BookingDate, ge.BookingDate, "entry %d", i)
					}
					assert.Equal(t, c.EndToEndIDs[i], ge.EndToEndID, "entry %d", i)
					if we.AcctSvcrRef != "" && len(we.AcctSvcrRef) <= 35 {
						assert.Equal(t, we.AcctSvcrRef, ge.AcctSvcrRef, "entry %d", i)
					}
				}
			})
		}
	}
}

func TestRead_Errors(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"not camt":      {`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>`, "not a camt.053"},
		"too precise":   {stmtDoc(`<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.005</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>`), `amount "1.005" EUR`},
		"no opening":    {stmtDoc(`<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>`), "no opening balance"},
		"bad indicator": {stmtDoc(`<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>X</CdtDbtInd></Bal>`), `CdtDbtInd "X"`},
		"not xml":       {"garbage", "read camt.053"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read([]byte(tc.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func stmtDoc(bals string) string {
	return `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S1</Id>` +
		strings.TrimSpace(bals) + `</Stmt></BkToCstmrStmt></Document>`
}
