package mt940

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test -update")
	require.Equal(t, string(want), string(got))
}

type renderCase struct {
	name string
	st   bankstmt.Statement
	h    Header
	o    Options
}

func cases() []renderCase {
	return []renderCase{
		{"eur", bankstmttest.EUR(), Header{StatementNo: 75}, Options{}},
		{"eur-paged", bankstmttest.EUR(), Header{StatementNo: 99999 + 77}, Options{PageEntries: 2}},
		{"jpy-lf", bankstmttest.JPY(), Header{StatementNo: 1, Reference: "JP//REF_1"}, Options{LineEnding: "\n"}},
		{"empty", bankstmttest.Empty(), Header{StatementNo: 3}, Options{}},
	}
}

func TestRender_GoldenAndOracle(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, Render(t.Context(), &b, c.h, &c.st, c.o))
			golden(t, c.name+".mt940.sta", b.Bytes())
			checkSWIFT(t, b.Bytes(), c.o)
			oracleMT940(t, b.Bytes(), &c.st)
		})
	}
}

func TestRender942_GoldenAndOracle(t *testing.T) {
	st := bankstmttest.EUR()
	h := Header{StatementNo: 76, At: time.Date(2024, 3, 15, 11, 30, 0, 0, time.FixedZone("CET", 3600))}
	var b bytes.Buffer
	require.NoError(t, Render942(t.Context(), &b, h, &st, Options{}))
	golden(t, "eur.mt942.sta", b.Bytes())
	checkSWIFT(t, b.Bytes(), Options{})
	assert.Contains(t, b.String(), ":13D:2403151130+0100\r\n")
	assert.Contains(t, b.String(), ":90D:3EUR1232,25\r\n") // 250,75 + 980,00 + 1,50
	assert.Contains(t, b.String(), ":90C:2EUR2480,00\r\n") // 1500,00 + 980,00

	node, dir := sharedtest.NodeModule(t, "swiftmessageparser")
	f := filepath.Join(t.TempDir(), "r.sta")
	require.NoError(t, os.WriteFile(f, b.Bytes(), 0o600))
	out, err := exec.CommandContext(t.Context(), node, filepath.Join(dir, "scripts", "cli.js"), "-t", "mt942", f).Output()
	require.NoError(t, err, "swiftmessageparser refused:\n%s", b.String())
	var got []struct {
		Transactions []struct {
			CreditDebitIndicator string `json:"creditDebitIndicator"`
			Amount               string `json:"amount"`
			Reference            string `json:"reference"`
			DetailSegments       []string
		} `json:"transactions"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	require.Len(t, got, 1)
	require.Len(t, got[0].Transactions, len(st.Entries))
	for i, tx := range got[0].Transactions {
		e := st.Entries[i]
		v, err := money.Parse(strings.TrimPrefix(tx.Amount, "-"), "EUR", '.', 0)
		require.NoError(t, err)
		if strings.HasPrefix(tx.Amount, "-") {
			v = -v
		}
		assert.Equal(t, e.Signed(), v, "entry %d", i)
		// RD reverses a debit: a credit entry.
		assert.Equal(t, e.Credit, strings.HasSuffix(tx.CreditDebitIndicator, "C") != e.Reversal, "entry %d: %s", i, tx.CreditDebitIndicator)
	}
}

// checkSWIFT asserts the SWIFT rules on every line: X characters only,
// 65 characters after the tag (:61: may be longer by its subfields, at
// most 65+4), field 86 at most 6 lines, no line starting with ':' that is
// not a tag or with '-' that is not the end of a message.
func checkSWIFT(t *testing.T, doc []byte, o Options) {
	t.Helper()
	eol := "\r\n"
	if o.LineEnding == "\n" {
		eol = "\n"
	}
	require.True(t, strings.HasSuffix(string(doc), "-"+eol))
	lines := strings.Split(strings.TrimSuffix(string(doc), eol), eol)
	in86 := 0
	for i, l := range lines {
		require.NotContains(t, l, "\r", "line %d", i+1)
		for _, r := range l {
			require.True(t, isX(r), "line %d: %q has %q, not in SWIFT X", i+1, l, r)
		}
		body := l
		if strings.HasPrefix(l, ":") {
			tag := l[:strings.Index(l[1:], ":")+2]
			body = l[len(tag):]
			in86 = 0
			if tag == ":86:" {
				in86 = 1
			}
		} else if in86 > 0 {
			in86++
			require.LessOrEqual(t, in86, 6, "line %d: field 86 longer than 6 lines", i+1)
		}
		require.LessOrEqual(t, len(body), 65, "line %d: %q", i+1, l)
		if !strings.HasPrefix(l, ":") {
			require.True(t, l == "-" || !strings.HasPrefix(l, "-"), "line %d: %q", i+1, l)
		}
	}
}

type jsStatement struct {
	Number struct {
		Statement, Sequence string
	} `json:"number"`
	AccountIdentification string  `json:"accountIdentification"`
	OpeningBalance        float64 `json:"openingBalance"`
	ClosingBalance        float64 `json:"closingBalance"`
	Currency              string  `json:"currency"`
	Transactions          []struct {
		Amount            float64           `json:"amount"`
		IsReversal        bool              `json:"isReversal"`
		Reference         string            `json:"reference"`
		BankReference     string            `json:"bankReference"`
		StructuredDetails map[string]string `json:"structuredDetails"`
		Details           string            `json:"details"`
	} `json:"transactions"`
}

// oracleMT940 parses doc with mt940js (strict: required tags and the
// balance arithmetic of every page) and compares its balances and
// entries with st.
func oracleMT940(t *testing.T, doc []byte, st *bankstmt.Statement) {
	t.Helper()
	got := parseMT940js(t, doc)
	require.NotEmpty(t, got)
	exp, _ := money.Exponent(st.Currency)
	minor := func(f float64) int64 { return int64(math.Round(f * math.Pow10(exp))) }
	assert.Equal(t, st.Opening, minor(got[0].OpeningBalance), "opening")
	assert.Equal(t, st.Closing, minor(got[len(got)-1].ClosingBalance), "closing")
	var i int
	for p, s := range got {
		assert.Equal(t, st.Account(), s.AccountIdentification)
		assert.Equal(t, st.Currency, s.Currency)
		if p > 0 {
			assert.Equal(t, got[p-1].ClosingBalance, s.OpeningBalance, "page %d continues page %d", p+1, p)
		}
		for _, tx := range s.Transactions {
			require.Less(t, i, len(st.Entries))
			e := st.Entries[i]
			assert.Equal(t, e.Signed(), minor(tx.Amount), "entry %d", i)
			assert.Equal(t, e.Reversal, tx.IsReversal, "entry %d", i)
			if e.EndToEndID != "" {
				// EREF+ is always there, whole (it may run on into ?21).
				joined := ""
				for k := 20; k <= 29; k++ {
					joined += tx.StructuredDetails[itoa(k)]
				}
				assert.True(t, strings.HasPrefix(joined, "EREF+"+toX(e.EndToEndID, false)), "entry %d: %q", i, joined)
				if len(e.EndToEndID) <= 16 && !strings.Contains(e.EndToEndID, "//") {
					assert.Equal(t, e.EndToEndID, tx.Reference, "entry %d", i)
				}
			}
			i++
		}
	}
	assert.Equal(t, len(st.Entries), i, "entries")
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func parseMT940js(t *testing.T, doc []byte) []jsStatement {
	t.Helper()
	node, dir := sharedtest.NodeModule(t, "mt940js")
	f := filepath.Join(t.TempDir(), "s.sta")
	require.NoError(t, os.WriteFile(f, doc, 0o600))
	out, err := exec.CommandContext(t.Context(), node, filepath.Join(dir, "cli.js"), f).CombinedOutput()
	require.NoError(t, err, "mt940js refused:\n%s\n%s", out, doc)
	// One JSON object per statement (page), each after a "--" line.
	var got []jsStatement
	for _, part := range strings.Split(string(out), "\n--\n") {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "--"))
		var s jsStatement
		require.NoError(t, json.Unmarshal([]byte(part), &s), "%s", out)
		got = append(got, s)
	}
	return got
}

func TestRender_Unbalanced(t *testing.T) {
	st := bankstmttest.EUR()
	st.Closing++
	var b bytes.Buffer
	err := Render(t.Context(), &b, Header{StatementNo: 1}, &st, Options{})
	require.ErrorIs(t, err, bankstmt.ErrUnbalanced)
	assert.Contains(t, err.Error(), "closing is 1374776")
	assert.Zero(t, b.Len(), "nothing written for a statement that does not add up")
}

func TestRender_Options(t *testing.T) {
	st := bankstmttest.EUR()
	for _, o := range []Options{{Encoding: "ebcdic"}, {LineEnding: "\r"}} {
		err := Render(t.Context(), &bytes.Buffer{}, Header{}, &st, o)
		require.ErrorIs(t, err, ErrOptions)
	}
}

// TestRender_KeepLatin1 writes umlauts as single windows-1252 bytes when
// the profile keeps them, and transliterates them otherwise.
func TestRender_KeepLatin1(t *testing.T) {
	st := bankstmttest.EUR()
	var b bytes.Buffer
	require.NoError(t, Render(t.Context(), &b, Header{StatementNo: 1}, &st, Options{Encoding: Windows1252, KeepLatin1: true}))
	assert.Contains(t, b.String(), "M\xfcller + S\xf6hne Stra\xdfenbau")
	b.Reset()
	require.NoError(t, Render(t.Context(), &b, Header{StatementNo: 1}, &st, Options{Encoding: UTF8}))
	assert.Contains(t, b.String(), "?32Mueller + Soehne Strassenba?33u GmbH")
}

func TestToX(t *testing.T) {
	for in, want := range map[string]string{
		"Grüße aus Köln":     "Gruesse aus Koeln",
		"Café Zürich":        "Cafe Zuerich",
		"Ærø Ñandú Łódź":     "AEro Nandu Lodz",
		"a@b.com; 50% #1":    "a.b.com. 50. .1",
		"Tab\tand\u00a0nbsp": "Tab and nbsp",
		"already X (ok) +/":  "already X (ok) +/",
		"山田":                 "..",
	} {
		assert.Equal(t, want, toX(in, false), in)
	}
}

// TestRender_Long86 keeps field 86 within 6 lines by shortening the
// remittance text, never the EREF+.
func TestRender_Long86(t *testing.T) {
	st := bankstmttest.EUR()
	st.Entries[0].Remittance = strings.Repeat("Sehr lange Verwendungszweckangabe ", 20)
	st.Entries[0].EndToEndID = strings.Repeat("E", 35)
	var b bytes.Buffer
	require.NoError(t, Render(t.Context(), &b, Header{StatementNo: 1}, &st, Options{}))
	checkSWIFT(t, b.Bytes(), Options{})
	// Readers join the lines of field 86 before reading subfields.
	assert.Contains(t, strings.ReplaceAll(b.String(), "\r\n", ""), "?20EREF+"+strings.Repeat("E", 22)+"?21"+strings.Repeat("E", 13)+"?22SVWZ+Sehr")
	oracleMT940(t, b.Bytes(), &st)
}
