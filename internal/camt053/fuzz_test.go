package camt053

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/isoxml"
	"github.com/stretchr/testify/require"
)

// FuzzReadHeader: statements come from outside; reading one must never
// panic, and a header it accepts must be usable for a file name.
func FuzzReadHeader(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "render", "*.xml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Acct><Id><IBAN>X</IBAN></Id></Acct><CreDtTm>2024-01-01</CreDtTm></Stmt></BkToCstmrStmt></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadHeader(data)
		if err != nil {
			return
		}
		if !isoxml.IsDate(h.Date) || (h.IBAN == "" && h.OtherID == "") || !strings.HasPrefix(h.Version, "camt.053.") {
			t.Fatalf("accepted an unusable header: %+v", h)
		}
		_, _ = EndToEndIDs(data)
	})
}

// FuzzRender: whatever text the model carries, the output is well-formed
// XML whose header and end-to-end ids read back.
func FuzzRender(f *testing.F) {
	f.Add("Müller & Söhne", "INV-1", "ref <x>", "DE89370400440532013000", "COBADEFFXXX", int64(12345), "EUR")
	f.Add("\x00\xff\ufffe", "", "\n\t", "not an iban", "bad", int64(1), "JPY")
	f.Fuzz(func(t *testing.T, name, e2e, ref, iban, bic string, amount int64, ccy string) {
		st := Statement{
			MsgID: "M" + e2e, ID: "S" + name,
			CreatedAt: time.Date(2024, 3, 2, 6, 0, 0, 0, time.UTC),
			From:      time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
			To:        time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC),
			Account:   Account{IBAN: iban, OtherID: "X" + name, Currency: "EUR", OwnerName: name, BIC: bic},
			Entries: []Entry{{
				Amount: amount, Currency: ccy, Credit: amount%2 == 0, EndToEndID: e2e, InstrID: ref,
				Reference: ref, CounterpartName: name, CounterpartIBAN: iban, CounterpartBIC: bic, AddtlInfo: ref,
			}},
		}
		for _, v := range Versions {
			out, err := Render(v, st)
			if err != nil {
				continue // invalid amount or currency: refused, not mangled
			}
			d := xml.NewDecoder(strings.NewReader(string(out)))
			for {
				_, err := d.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err, "not well-formed:\n%s", out)
			}
			_, err = ReadHeader(out)
			require.NoError(t, err)
			ids, err := EndToEndIDs(out)
			require.NoError(t, err)
			require.Len(t, ids, 1)
		}
	})
}
