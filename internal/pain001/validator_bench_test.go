package pain001

import (
	"bytes"
	"encoding/xml"
	"io"
	"runtime"
	"sync"
	"testing"

	"github.com/atlarbridge/bridge/internal/xsd"
)

// vtoken is a token for the validator benchmarks, decoded once.
type vtoken struct {
	kind  tokenKind
	name  xml.Name
	attrs []xml.Attr
	text  []byte
	line  int
}

var (
	vtokensOnce sync.Once
	vtokens     []vtoken
)

// validatorTokens decodes a generated file of n transactions once, so the
// benchmarks below time the schema rules alone (issue 15).
func validatorTokens(b *testing.B, n int) []vtoken {
	vtokensOnce.Do(func() {
		d := xml.NewDecoder(bytes.NewReader(generate(n)))
		for {
			t, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			line, _ := d.InputPos()
			switch t := xml.CopyToken(t).(type) {
			case xml.StartElement:
				vtokens = append(vtokens, vtoken{kind: startToken, name: t.Name, attrs: t.Attr, line: line})
			case xml.EndElement:
				vtokens = append(vtokens, vtoken{kind: endToken, line: line})
			case xml.CharData:
				if len(vtokens) > 0 { // not before the root
					vtokens = append(vtokens, vtoken{kind: textToken, text: t, line: line})
				}
			}
		}
	})
	return vtokens
}

// BenchmarkValidator feeds a 10,000-transaction file's tokens to the
// schema rules through the per-method entry points (Start, Text, End with
// a line each), through Token, and with LineLater. ns/token is the figure.
func BenchmarkValidator(b *testing.B) {
	toks := validatorTokens(b, 10000)
	rules := schemas[toks[0].name.Space].rules
	fail := func(*xsd.Error) { b.Fatal("a schema violation in the generated file") }
	runtime.GC() // the token slice's garbage, not the rules
	b.Run("StartTextEnd", func(b *testing.B) {
		for b.Loop() {
			v := xsd.New(rules, fail)
			v.Start(toks[0].name, toks[0].attrs, toks[0].line)
			for i := 1; i < len(toks); i++ {
				switch t := &toks[i]; t.kind {
				case startToken:
					v.Start(t.name, t.attrs, t.line)
				case endToken:
					if v.Depth() > 0 {
						v.End(t.line)
					}
				case textToken:
					v.Text(t.text, t.line)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(toks)), "ns/token")
	})
	b.Run("Token", func(b *testing.B) {
		for b.Loop() {
			v := xsd.New(rules, fail)
			line := 0
			v.SetLine(func() int { return line })
			v.Start(toks[0].name, toks[0].attrs, toks[0].line)
			for i := 1; i < len(toks); i++ {
				t := &toks[i]
				v.Token(xsd.TokenKind(t.kind), t.name, t.attrs, t.text)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(toks)), "ns/token")
	})
	b.Run("LineLater", func(b *testing.B) {
		for b.Loop() {
			v := xsd.New(rules, fail)
			line := 0
			v.SetLine(func() int { return line })
			v.Start(toks[0].name, toks[0].attrs, toks[0].line)
			for i := 1; i < len(toks); i++ {
				switch t := &toks[i]; t.kind {
				case startToken:
					v.Start(t.name, t.attrs, xsd.LineLater)
				case endToken:
					if v.Depth() > 0 {
						v.End(xsd.LineLater)
					}
				case textToken:
					v.Text(t.text, xsd.LineLater)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(toks)), "ns/token")
	})
}
