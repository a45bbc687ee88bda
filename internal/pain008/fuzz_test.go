package pain008

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Read at both levels. Read must not
// panic, must not fail (a bytes.Reader has no I/O error), must keep its
// problem cap and row numbering, and a file it accepts must be made of
// usable collections; reading with encoding/xml alone must give the same
// Result as Read with its fast scanner.
func FuzzRead(f *testing.F) {
	for _, sc := range sampleCases {
		f.Add(readSample(f, sc.file))
		f.Add(corrected(f, sc))
	}
	de := corrected(f, sampleCases[0])
	f.Add(de[:len(de)/2])
	f.Add(bytes.Replace(de, []byte(`encoding="UTF-8"`), []byte(`encoding="ISO-8859-1"`), 1))
	f.Add(bytes.ReplaceAll(bytes.ReplaceAll(de, []byte("<"), []byte("<p:")), []byte("<p:/"), []byte("</p:")))
	f.Add(generate(3, 2, "2026-12-10"))

	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, level := range []Level{LevelStrict, LevelWellformed} {
			res, err := Read(bytes.NewReader(doc), Options{Level: level, Today: "2010-01-01", MaxSize: 1 << 20})
			if err != nil {
				t.Fatalf("level %s: %v", level, err)
			}
			slow, err := readWith(bytes.NewReader(doc), Options{Level: level, Today: "2010-01-01", MaxSize: 1 << 20}, false)
			if err != nil {
				t.Fatalf("level %s, encoding/xml alone: %v", level, err)
			}
			if !reflect.DeepEqual(slow, res) {
				t.Fatalf("level %s: Read differs from encoding/xml alone:\n%+v\n%+v", level, res, slow)
			}
			if len(res.Problems) > maxProblems+1 {
				t.Fatalf("level %s: %d problems", level, len(res.Problems))
			}
			for i, c := range res.Run.Collections {
				if c.Row != i+1 {
					t.Fatalf("level %s: collection %d has row %d", level, i, c.Row)
				}
				if len(res.Problems) == 0 && (c.Amount <= 0 || c.Currency != "EUR" || c.ExternalID == "" ||
					c.Debtor.IBAN == "" || c.Debtor.ExternalID == "" || c.Mandate.Reference == "" || c.Scheme == "" || c.Date == "") {
					t.Fatalf("level %s: accepted row %d: %+v", level, c.Row, c)
				}
			}
			if len(res.Problems) == 0 && len(res.Run.Collections) == 0 {
				t.Fatalf("level %s: accepted a file without collections", level)
			}
		}
	})
}
