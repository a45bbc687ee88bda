package pain002

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// renderCase is one golden input.
type renderCase struct {
	Version string `json:"version"`
	Report  Report `json:"report"`
}

// statusRe finds every status element, to relabel them RJCT.
var statusRe = regexp.MustCompile(`<(GrpSts|PmtInfSts|TxSts)>[A-Z]{4}</`)

// asRejection returns doc with every status replaced by RJCT: the only
// status the DK restriction of .03 knows. A document whose relabelled
// form validates has the .03 structure right.
func asRejection(doc []byte) []byte {
	return statusRe.ReplaceAll(doc, []byte("<${1}>RJCT</"))
}

func TestRender_Golden(t *testing.T) {
	sharedtest.Tool(t, "xmllint", "libxml2-utils") // without xmllint the whole test skips (fails on CI)
	schemas := map[string]string{
		V10: sharedtest.XSD(t, "pain.002.001.10.xsd"),
		V03: sharedtest.XSD(t, "pain.002.001.03.DK.xsd"),
	}
	inputs, err := filepath.Glob(filepath.Join("testdata", "render", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)

	for _, in := range inputs {
		t.Run(strings.TrimSuffix(filepath.Base(in), ".json"), func(t *testing.T) {
			raw, err := os.ReadFile(in)
			require.NoError(t, err)
			var c renderCase
			require.NoError(t, json.Unmarshal(raw, &c))

			got, err := Render(c.Version, c.Report)
			require.NoError(t, err)
			golden(t, strings.TrimSuffix(in, ".json")+".xml", got)

			if c.Version == V03 {
				relabelled := asRejection(got)
				if onlyRejections(c.Report) {
					require.Equal(t, string(got), string(relabelled), "a rejection must validate as written")
				}
				sharedtest.XMLLint(t, relabelled, schemas[V03])
				return
			}
			sharedtest.XMLLint(t, got, schemas[c.Version])
		})
	}
}

func onlyRejections(r Report) bool {
	ok := r.GroupStatus == "" || r.GroupStatus == RJCT
	for _, p := range r.PaymentInfos {
		ok = ok && (p.Status == "" || p.Status == RJCT)
		for _, tx := range p.Transactions {
			ok = ok && (tx.Status == "" || tx.Status == RJCT)
		}
	}
	return ok
}

func validReport() Report {
	return Report{
		MsgID:        "M1",
		CreatedAt:    time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		OrgnlMsgID:   "O1",
		OrgnlMsgNmID: "pain.001.001.03",
		GroupStatus:  ACCP,
		PaymentInfos: []PaymentInfo{{
			OrgnlPmtInfID: "P1",
			Status:        ACCP,
			Transactions:  []Transaction{{OrgnlEndToEndID: "E1", Status: ACSC}},
		}},
	}
}

func TestRender_Errors(t *testing.T) {
	tests := []struct {
		name    string
		version string
		edit    func(*Report)
		want    string
	}{
		{"unknown version", "pain.002.001.09", func(*Report) {}, "unsupported pain.002 version"},
		{"no MsgID", V10, func(r *Report) { r.MsgID = "\t" }, "MsgID is empty"},
		{"no CreatedAt", V10, func(r *Report) { r.CreatedAt = time.Time{} }, "CreatedAt is zero"},
		{"no OrgnlMsgID", V03, func(r *Report) { r.OrgnlMsgID = "" }, "OrgnlMsgID is empty"},
		{"no OrgnlMsgNmID", V03, func(r *Report) { r.OrgnlMsgNmID = "" }, "OrgnlMsgNmID is empty"},
		{"no OrgnlPmtInfID", V10, func(r *Report) { r.PaymentInfos[0].OrgnlPmtInfID = "" }, "payment information 1: OrgnlPmtInfID is empty"},
		{"bad group status", V10, func(r *Report) { r.GroupStatus = "OK" }, `group status "OK"`},
		{"lower-case status", V10, func(r *Report) { r.GroupStatus = "rjct" }, `group status "rjct"`},
		{"bad payment status", V03, func(r *Report) { r.PaymentInfos[0].Status = "ACFC" }, `status "ACFC": not a pain.002.001.03 payment information status`},
		{"PART is not a .03 transaction status", V03, func(r *Report) { r.PaymentInfos[0].Transactions[0].Status = PART }, `transaction 1: status "PART"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validReport()
			tt.edit(&r)
			_, err := Render(tt.version, r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("valid baseline", func(t *testing.T) {
		for _, v := range []string{V03, V10} {
			_, err := Render(v, validReport())
			require.NoError(t, err, v)
		}
	})

	t.Run("nothing written on error", func(t *testing.T) {
		r := validReport()
		r.PaymentInfos[0].Transactions[0].Status = "??"
		var sb strings.Builder
		require.Error(t, Encode(&sb, V10, r))
		assert.Empty(t, sb.String())
	})

	t.Run("write error", func(t *testing.T) {
		err := Encode(failingWriter{}, V10, validReport())
		require.ErrorIs(t, err, errDiskFull)
	})
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestReason(t *testing.T) {
	tests := []struct {
		name     string
		in       Reason
		code     string
		info     string
		writable bool
	}{
		{"code and text", Reason{"AM18", "counts differ"}, "AM18", "counts differ", true},
		{"code only", Reason{"AC01", ""}, "AC01", "", true},
		{"text only", Reason{"", "something broke"}, Narrative, "something broke", true},
		{"code too long", Reason{"DUPLICATE", "seen before"}, Narrative, "DUPLICATE: seen before", true},
		{"code with bad chars, no text", Reason{"am-1", ""}, Narrative, "am-1", true},
		{"code padded", Reason{" FF01 ", "x"}, "FF01", "x", true},
		{"empty", Reason{"", " \n "}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, info, ok := reason(tt.in)
			assert.Equal(t, tt.writable, ok)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.info, info)
		})
	}
}

func TestSplitText(t *testing.T) {
	long := strings.Repeat("abcdefghij", 25) // 250 characters, no spaces
	tests := []struct {
		name string
		in   string
		n    int
		want []string
	}{
		{"empty", "", 5, nil},
		{"fits", "abc de", 6, []string{"abc de"}},
		{"breaks after a word", "aaa bbb ccc", 6, []string{"aaa", "bbb", "ccc"}},
		{"space at the cut", "aaaaa bbbbb", 5, []string{"aaaaa", "bbbbb"}},
		{"hard cut without spaces", long, 105, []string{long[:105], long[105:210], long[210:]}},
		{"counts characters", "ääää ööö", 4, []string{"ääää", "ööö"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitText(tt.in, tt.n)
			assert.Equal(t, tt.want, got)
			for _, s := range got {
				assert.LessOrEqual(t, len([]rune(s)), tt.n)
			}
		})
	}
}

// TestRender_Large renders a report of many transactions and checks
// every transaction is there once, in order.
func TestRender_Large(t *testing.T) {
	const n = 20_000
	r := largeReport(n)
	e2eRe := regexp.MustCompile(`<OrgnlEndToEndId>([^<]*)</OrgnlEndToEndId>`)
	for _, v := range []string{V03, V10} {
		t.Run(v, func(t *testing.T) {
			out, err := Render(v, r)
			require.NoError(t, err)
			ids := e2eRe.FindAllSubmatch(out, -1)
			require.Len(t, ids, n)
			for i, m := range ids {
				require.Equal(t, largeE2E(i), string(m[1]))
			}
		})
	}
}

func largeReport(n int) Report {
	txs := make([]Transaction, n)
	for i := range txs {
		txs[i] = Transaction{
			StsID:           "S" + strconv.Itoa(i),
			OrgnlEndToEndID: largeE2E(i),
			Status:          []string{ACSC, RJCT, PDNG}[i%3],
			Amount:          int64(100 + i),
			Currency:        "EUR",
			ReqdExctnDt:     "2024-03-01",
		}
		if txs[i].Status == RJCT {
			txs[i].Reasons = []Reason{{Code: "AC04", Info: "Creditor account closed"}}
		}
	}
	return Report{
		MsgID: "RES-LARGE", CreatedAt: time.Date(2024, 3, 2, 8, 0, 0, 0, time.UTC),
		OrgnlMsgID: "BIG-RUN", OrgnlMsgNmID: "CSV", OrgnlNbOfTxs: n, GroupStatus: PART,
		PaymentInfos: []PaymentInfo{{OrgnlPmtInfID: "BATCH-1", Status: PART, Transactions: txs}},
	}
}

func largeE2E(i int) string { return "PAYROLL-2024-03-" + strconv.Itoa(i) }

func BenchmarkRenderPain002(b *testing.B) {
	r := largeReport(100_000)
	for _, v := range []string{V10, V03} {
		b.Run(v, func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				out, err := Render(v, r)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.SetBytes(int64(size))
		})
	}
}
