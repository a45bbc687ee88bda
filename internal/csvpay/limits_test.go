package csvpay

import (
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const limitsHeader = "external_id,source_account_id,amount,currency,external_account_id\n"

func limitsRow(id string) string { return id + ",acc-1,10.00,EUR,ext-1\n" }

// A record over a cap rejects the file naming the cap and the record's
// line; a record at the cap is read. Reading stops at the record over it.
func TestParse_RecordLimits(t *testing.T) {
	small := DefaultProfile()
	small.MaxRecordBytes, small.MaxFields = 80, 6
	tests := []struct {
		name string
		prof Profile
		data string
		want *payrun.Problem // nil: valid
	}{
		{"LongLine", small, limitsHeader + limitsRow("A-1") + limitsRow(strings.Repeat("x", 90)),
			&payrun.Problem{Line: 3, Field: "record", Value: "more than 80 bytes",
				Expected: "a record of at most 80 bytes (the bridge's [inbound] max_csv_line)", Code: codeFormat}},
		{"LongQuotedField", small, limitsHeader + `"` + strings.Repeat("y\n", 40) + `",acc-1,1.00,EUR,ext-1` + "\n",
			&payrun.Problem{Line: 2, Field: "record", Value: "more than 80 bytes",
				Expected: "a record of at most 80 bytes (the bridge's [inbound] max_csv_line)", Code: codeFormat}},
		{"TooManyFields", small, limitsHeader + "B-1,acc-1,10.00,EUR,ext-1" + strings.Repeat(",", 10) + "\n",
			&payrun.Problem{Line: 2, Field: "record", Value: "more than 6 fields",
				Expected: "a record of at most 6 fields (the bridge's [inbound] max_csv_fields)", Code: codeFormat}},
		{"ManyColumnHeader", small, strings.TrimSuffix(limitsHeader, "\n") + strings.Repeat(",x", 3) + "\n" + limitsRow("C-1"),
			&payrun.Problem{Line: 1, Field: "record", Value: "more than 6 fields",
				Expected: "a record of at most 6 fields (the bridge's [inbound] max_csv_fields)", Code: codeFormat}},
		{"AtTheCaps", small, strings.TrimSuffix(limitsHeader, "\n") + ",reference\n" + "D-1,acc-1,10.00,EUR,ext-1," + strings.Repeat("z", 80-len("D-1,acc-1,10.00,EUR,ext-1,")) + "\n", nil},
		{"DefaultCaps", DefaultProfile(), limitsHeader + "E-1,acc-1,10.00,EUR,ext-1,\"" + strings.Repeat("w", DefaultMaxRecordBytes) + "\"\n",
			&payrun.Problem{Line: 2, Field: "record", Value: "more than 1048576 bytes",
				Expected: "a record of at most 1048576 bytes (the bridge's [inbound] max_csv_line)", Code: codeFormat}},
		{"DefaultFields", DefaultProfile(), limitsHeader + "F-1,acc-1,10.00,EUR,ext-1" + strings.Repeat(",", 2000) + "\n",
			&payrun.Problem{Line: 2, Field: "record", Value: "more than 1000 fields",
				Expected: "a record of at most 1000 fields (the bridge's [inbound] max_csv_fields)", Code: codeFormat}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Parse([]byte(tc.data), tc.prof, Options{Today: testToday})
			if tc.want == nil {
				require.NoError(t, err)
				require.Len(t, run.Payments, 1)
				return
			}
			var ps payrun.Problems
			require.ErrorAs(t, err, &ps)
			assert.Contains(t, ps, *tc.want, "problems: %v", ps)
			_, err = CountRows([]byte(tc.data), tc.prof)
			require.Error(t, err, "CountRows stops at the cap too")
		})
	}
}
