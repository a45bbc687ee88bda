package pain001

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Every accepted sample's payment run is pinned in
// testdata/<sample>.run.golden.json; go test -run Golden -update rewrites
// them after a deliberate change.
func TestRead_Golden(t *testing.T) {
	for _, sc := range sampleCases {
		if len(sc.codes) > 0 {
			continue
		}
		t.Run(sc.file, func(t *testing.T) {
			res := read(t, readSample(t, sc.file), Options{Today: sc.today})
			require.Empty(t, res.Problems)
			got, err := json.MarshalIndent(res.Run, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')

			golden := filepath.Join("testdata", sc.file+".run.golden.json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run with -update to create it")
			assert.JSONEq(t, string(want), string(got))
		})
	}
}

func TestRead_Header(t *testing.T) {
	tests := []struct {
		file  string
		today string
		want  Header
	}{
		{
			file: "de-sepaking.pain.001.001.03.xml", today: "2010-11-11",
			want: Header{
				Namespace: "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
				Version:   "pain.001.001.03",
				MsgID:     "Message-ID-4711", CreDtTm: "2010-11-11T09:30:47.000Z",
				InitgPtyName: "Initiator Name", NbOfTxs: "2",
				PmtInfs: []PmtInfHeader{{
					ID: "Payment-Information-ID-4711", Method: "TRF", NbOfTxs: "2", CtrlSum: "6655.86",
					ReqdExctnDt: "2010-11-25", DebtorName: "Debtor Name", DebtorIBAN: "DE87200500001234567890",
					DebtorBIC: "BANKDEFFXXX", SvcLvl: "SEPA", TxCount: 2, TxSum: "6655.86",
				}},
			},
		},
		{
			file: "multi-ccy-eur-usd-jpy.pain.001.001.03.xml", today: "2009-09-28",
			want: Header{
				Namespace: "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
				Version:   "pain.001.001.03",
				MsgID:     "ABC/090928/CCT001", CreDtTm: "2009-09-28T14:07:00",
				InitgPtyName: "ABC Corporation", NbOfTxs: "3", CtrlSum: "11500000",
				PmtInfs: []PmtInfHeader{{
					ID: "ABC/086", Method: "TRF", ReqdExctnDt: "2009-09-29", DebtorName: "ABC Corporation",
					DebtorAcctOther: "00125574999", DebtorBIC: "BBBBUS33", TxCount: 3, TxSum: "11500000",
				}},
			},
		},
		{
			file: "phpsepa.pain.001.001.09.xml", today: "2025-08-19",
			want: Header{
				Namespace: "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
				Version:   "pain.001.001.09",
				MsgID:     "OurMessageIdentification", CreDtTm: "2025-08-19T08:32:02+00:00",
				InitgPtyName: "OurCorp", NbOfTxs: "1", CtrlSum: "12.34",
				PmtInfs: []PmtInfHeader{{
					ID: "OurPaymentInfo", Method: "TRF", NbOfTxs: "1", CtrlSum: "12.34",
					ReqdExctnDt: "2025-08-19", DebtorName: "OurCorp", DebtorIBAN: "BG87200500001234567890",
					DebtorBIC: "BANKBGFFXXX", SvcLvl: "SEPA", Currency: "EUR", TxCount: 1, TxSum: "12.34",
				}},
			},
		},
		{
			file: "ch-six-musterfile-nov2020.pain.001.001.03.ch.02.xml", today: "2020-06-24",
			want: Header{
				Namespace: "http://www.six-interbank-clearing.com/de/pain.001.001.03.ch.02.xsd",
				Version:   "pain.001.001.03", Variant: "CH SIX .ch.02",
				MsgID: "MsgId-001", CreDtTm: "2020-06-24T14:42:44",
				InitgPtyName: "Robert Schneider", NbOfTxs: "7", CtrlSum: "38.00",
				PmtInfs: []PmtInfHeader{
					{ID: "PmtInfId-01", Method: "TRF", ReqdExctnDt: "2020-07-28", DebtorName: "Robert Schneider", DebtorIBAN: "CH0309000000250090342", DebtorBIC: "POFICHBEXXX", TxCount: 1, TxSum: "6.20"},
					{ID: "PmtInfId-02", Method: "TRF", ReqdExctnDt: "2020-07-22", DebtorName: "Robert Schneider", DebtorIBAN: "CH0309000000250090342", DebtorBIC: "POFICHBEXXX", TxCount: 2, TxSum: "13.80"},
					{ID: "PmtInfId-03", Method: "TRF", ReqdExctnDt: "2020-07-24", DebtorName: "Robert Schneider", DebtorIBAN: "CH0309000000250090342", DebtorBIC: "POFICHBEXXX", CtgyPurp: "SALA", TxCount: 2, TxSum: "7.00"},
					{ID: "PmtInfId-04", Method: "TRA", ReqdExctnDt: "2020-07-05", DebtorName: "Robert Schneider SA", DebtorIBAN: "CH0309000000250090342", DebtorBIC: "POFICHBEXXX", TxCount: 1, TxSum: "1"},
					{ID: "PmtInfId-05", Method: "TRF", ReqdExctnDt: "2020-06-17", DebtorName: "Maria Bernasconi", DebtorIBAN: "CH5109000000250092291", DebtorBIC: "POFICHBEXXX", TxCount: 2, TxSum: "10"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := read(t, readSample(t, tt.file), Options{Today: tt.today})
			assert.Equal(t, tt.want, res.Header)
		})
	}
}
