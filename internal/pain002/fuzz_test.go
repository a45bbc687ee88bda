package pain002

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzRender: whatever text reaches a report (reasons often quote the
// rejected input), the output is well-formed XML and no AddtlInf is
// longer than the schema allows.
func FuzzRender(f *testing.F) {
	f.Add("AM18", "counts differ", "E2E-1", "O<&>1", int64(100), "EUR", "2024-03-01")
	f.Add("", "\x00\xff\ufffe"+strings.Repeat("x y", 80), "", "\n", int64(-1), "eur", "x")
	f.Fuzz(func(t *testing.T, code, info, e2e, orgnl string, amount int64, ccy, date string) {
		r := Report{
			MsgID: "M", CreatedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
			OrgnlMsgID: "O" + orgnl, OrgnlMsgNmID: "N" + info, OrgnlCtrlSum: orgnl, InitiatingParty: info,
			GroupStatus: RJCT, GroupReasons: []Reason{{Code: code, Info: info}},
			PaymentInfos: []PaymentInfo{{
				OrgnlPmtInfID: "P" + e2e, Status: RJCT, Reasons: []Reason{{Code: info, Info: code}},
				Transactions: []Transaction{{
					StsID: e2e, OrgnlInstrID: orgnl, OrgnlEndToEndID: e2e, Status: RJCT,
					Reasons: []Reason{{Code: code, Info: info}}, Amount: amount, Currency: ccy, ReqdExctnDt: date,
				}},
			}},
		}
		for _, v := range []string{V03, V10} {
			out, err := Render(v, r)
			require.NoError(t, err)
			d := xml.NewDecoder(strings.NewReader(string(out)))
			var inInfo bool
			for {
				tok, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err, "not well-formed:\n%s", out)
				switch tok := tok.(type) {
				case xml.StartElement:
					inInfo = tok.Name.Local == "AddtlInf"
				case xml.CharData:
					if inInfo {
						require.LessOrEqual(t, utf8.RuneCount(tok), max105)
						require.NotEmpty(t, strings.TrimSpace(string(tok)))
					}
				case xml.EndElement:
					inInfo = false
				}
			}
		}
	})
}
