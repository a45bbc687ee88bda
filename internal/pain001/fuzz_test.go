package pain001

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRead feeds arbitrary bytes to Read at every level. Read must not
// panic, must not fail (a bytes.Reader has no I/O error), must keep its
// problem cap and row numbering, and a file it accepts at strict level
// must be made of usable payments. Read with the fast scanner must find
// exactly what encoding/xml alone finds.
func FuzzRead(f *testing.F) {
	for _, name := range sampleNames(f) {
		f.Add(readSample(f, name))
	}
	de := readSample(f, deSample)
	f.Add([]byte(v02Doc))
	f.Add(de[:len(de)/2])
	f.Add(bytes.Replace(de, []byte(`encoding="UTF-8"`), []byte(`encoding="ISO-8859-1"`), 1))
	f.Add(bytes.ReplaceAll(de, []byte("<"), []byte("<ns2:")))
	f.Add(generate(3))

	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, level := range []Level{LevelStrict, LevelWellformed, LevelNone} {
			o := Options{Level: level, Today: "2020-01-01", MaxSize: 1 << 20}
			res, err := Read(bytes.NewReader(doc), o)
			if err != nil {
				t.Fatalf("level %s: %v", level, err)
			}
			slow, err := readWith(bytes.NewReader(doc), o, false)
			if err != nil {
				t.Fatalf("level %s, encoding/xml: %v", level, err)
			}
			require.Equal(t, slow, res, "level %s: Read against encoding/xml alone", level)
			if len(res.Problems) > maxProblems {
				t.Fatalf("level %s: %d problems", level, len(res.Problems))
			}
			for i, p := range res.Run.Payments {
				if p.Row != i+1 {
					t.Fatalf("level %s: payment %d has row %d", level, i, p.Row)
				}
				if p.Creditor == nil {
					t.Fatalf("level %s: row %d has no creditor", level, p.Row)
				}
				if level != LevelNone && len(res.Problems) == 0 && (p.Amount <= 0 || p.Currency == "") {
					t.Fatalf("level %s: accepted row %d with amount %d %q", level, p.Row, p.Amount, p.Currency)
				}
			}
			if level == LevelStrict && len(res.Problems) == 0 && len(res.Run.Payments) == 0 {
				t.Fatal("accepted a file without payments")
			}
		}
		// A small text cap stops most documents somewhere: the scanner
		// and encoding/xml must stop at the same byte with the same result.
		o := Options{Level: LevelWellformed, Today: "2020-01-01", MaxText: 48}
		res, err := Read(bytes.NewReader(doc), o)
		require.NoError(t, err)
		slow, err := readWith(bytes.NewReader(doc), o, false)
		require.NoError(t, err)
		require.Equal(t, slow, res, "text cap: Read against encoding/xml alone")
	})
}
