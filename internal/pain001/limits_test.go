package pain001

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A text node, attribute value or comment over MaxText rejects the file
// with the cap and the line it starts on, the same from the fast scanner
// and from encoding/xml (read compares the two); at the cap it is read.
func TestRead_TextLimit(t *testing.T) {
	withField := func(p payrun.Problem, field string) payrun.Problem { p.Field = field; return p }
	doc := string(readSample(t, "de-sepaking.pain.001.001.03.xml"))
	const ustrd = "<Ustrd>Unstructured Remittance Information</Ustrd>"
	require.Equal(t, 2, strings.Count(doc, ustrd))
	replace := func(with string) []byte { return []byte(strings.Replace(doc, ustrd, with, 1)) }
	const limit = 1000
	over := func(line int, max int64) payrun.Problem {
		return payrun.Problem{Line: line, Value: fmt.Sprintf("more than %d bytes", max),
			Expected: fmt.Sprintf("text of at most %d bytes between two tags (the bridge's [inbound] max_xml_text)", max),
			Code:     codeFileFormat}
	}
	tests := []struct {
		name string
		doc  []byte
		max  int64
		want *payrun.Problem // nil: no limit problem
	}{
		// The run counts from the '<' of <Ustrd> itself: "Ustrd>" is 6.
		{"TextAtCap", replace("<Ustrd>" + strings.Repeat("a", limit-6) + "</Ustrd>"), limit, nil},
		{"TextOverCap", replace("<Ustrd>" + strings.Repeat("a", limit) + "</Ustrd>"), limit, new(over(60, limit))},
		{"TextOverCapManyLines", replace("<Ustrd>" + strings.Repeat("a\n", limit) + "</Ustrd>"), limit, new(over(60, limit))},
		{"EntitiesCountAsWritten", replace("<Ustrd>" + strings.Repeat("&amp;", limit/5+1) + "</Ustrd>"), limit, new(over(60, limit))},
		{"Attribute", replace(`<Ustrd x="` + strings.Repeat("b", 2*limit) + `">x</Ustrd>`), limit, new(over(60, limit))},
		{"Comment", replace("<!--" + strings.Repeat("c", 2*limit) + "-->" + ustrd), limit, new(over(60, limit))},
		// Over 64 KiB too (walk.go's limit per element): still one problem,
		// naming the element.
		{"DefaultCap", replace("<Ustrd>" + strings.Repeat("d", DefaultMaxText) + "</Ustrd>"), 0, new(withField(over(60, DefaultMaxText), "PmtInf[1]/CdtTrfTxInf[1]/RmtInf/Ustrd"))},
		{"DefaultCapManyLines", replace("<Ustrd>" + strings.Repeat("d\n", DefaultMaxText/2) + "</Ustrd>"), 0, new(withField(over(60, DefaultMaxText), "PmtInf[1]/CdtTrfTxInf[1]/RmtInf/Ustrd"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := read(t, tc.doc, Options{Level: LevelNone, MaxText: tc.max})
			if tc.want == nil {
				assert.Empty(t, res.Problems)
				return
			}
			// The cap stops the reading: its problem is the last, and the
			// only one about the text's size.
			require.Equal(t, *tc.want, res.Problems[len(res.Problems)-1], "reading stopped at the cap")
			for _, p := range res.Problems[:len(res.Problems)-1] {
				assert.NotContains(t, p.Expected, "text of at most", "one problem for one long text")
			}
			_, err := readWith(bytes.NewReader(tc.doc), Options{Level: LevelNone, MaxText: tc.max}, true)
			assert.ErrorIs(t, err, errFallback, "the fast scanner leaves the verdict to encoding/xml")
		})
	}
}

// textCap's whole-read shortcut and its per-tag loop agree: the same
// verdict, the same line for a long run and the same line count, whatever
// the read sizes (one byte at a time always takes the loop for text).
func TestTextCap_ReadSizes(t *testing.T) {
	doc := readSample(t, "de-sepaking.pain.001.001.03.xml")
	long := bytes.Replace(doc, []byte("<Ustrd>"), []byte("<Ustrd>"+strings.Repeat("x\n", 300)), 1)
	capRead := func(in []byte, max int64, size int) (line int, failedAt int) {
		c := &textCap{r: &chunks{b: in, size: size}, max: max, line: 1, from: 1}
		_, err := io.Copy(io.Discard, struct{ io.Reader }{c})
		var tl *textTooLong
		if errors.As(err, &tl) {
			return c.line, tl.line
		}
		require.NoError(t, err)
		return c.line, 0
	}
	for _, in := range [][]byte{doc, long} {
		for _, max := range []int64{64, 500, 601, 1 << 20} {
			wantLine, wantFailed := capRead(in, max, 1)
			if max >= 1<<20 {
				require.Equal(t, bytes.Count(in, newline)+1, wantLine, "lines counted")
			}
			for _, size := range []int{2, 7, 64, 4096, len(in)} {
				line, failed := capRead(in, max, size)
				assert.Equal(t, wantFailed, failed, "max %d, reads of %d: line of the long run", max, size)
				if wantFailed == 0 {
					assert.Equal(t, wantLine, line, "max %d, reads of %d: lines", max, size)
				}
			}
		}
	}
}

// chunks reads b size bytes at a time.
type chunks struct {
	b    []byte
	size int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.size)], c.b)
	c.b = c.b[n:]
	return n, nil
}
