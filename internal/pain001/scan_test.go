package pain001

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tokenDocs are the corners of XML where the walker's own namespace scope
// and the fast scanner could part from encoding/xml's Token.
var tokenDocs = []string{
	`<a/>`,
	`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Document xmlns=\"urn:x\"><B>t</B></Document>\n",
	"\ufeff<?xml version='1.0' encoding='utf-8'?><a/>",
	`<?xml version="1.1"?><a/>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><a>` + "\xe9" + `</a>`,
	`<?xml version="1.0" encoding="EBCDIC"?><a/>`,
	`<?xml-stylesheet href="x"?><?pi?><?pi data ? > ?><a/>`,
	`<!-- c --><a><!----><!-- - --></a><!-- e -->`,
	`<a><!-- -- --></a>`,
	`<a><!- x --></a>`,
	`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`,
	`<a><![CDATA[<b>]]></a>`,
	`<a>]]></a>`,
	`<a>]]&gt;] ]></a>`,
	`<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#0;&#xD800;&unknown;&amp</a>`,
	"<a>x\r\ny\rz\r\r\n</a>\r\n",
	"<a>\x01</a>",
	"<a>\xff</a>",
	"<a>\xef\xbf\xbe</a>",
	"<a>Müller € 𝄞</a>",
	"<a>\xc3</a>",
	`<a x="1"y='2' z = "3" w="a>b" v="]]>" u="&amp;" t="<"/>`,
	`<a x></a>`,
	`<a x=1></a>`,
	`<a / >`,
	`<a></b>`,
	`<p:a xmlns:p="urn:p"></q:a>`,
	`<p:a xmlns:p="urn:p"></a>`,
	`<a></p:a>`,
	`<a></a></a>`,
	`</a>`,
	`<a><b>`,
	`<a>text`,
	`<a`,
	`<a x="1`,
	`<`,
	`<a></a `,
	`<a></a x>`,
	`<a:b:c/>`,
	`<a:/>`,
	`<:a/>`,
	`<1a/>`,
	`<é/>`,
	`<a-b.c_d1 e.f="1"/>`,
	`<p:Document xmlns:p="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><p:CstmrCdtTrfInitn/></p:Document>`,
	`<Document xmlns="urn:a"><b xmlns="urn:b"><c xmlns=""><d/></c></b><e/></Document>`,
	`<a xmlns:p="urn:1"><p:b xmlns:p="urn:2" xmlns:p="urn:3"><p:c/></p:b><p:d/></a>`,
	`<a xmlns:p=""><b p:Ccy="EUR" Ccy="USD" xml:lang="de" q:x="1"/></a>`,
	`<undeclared:a><undeclared:b/></undeclared:a>`,
	`<xml:a/>`,
	`<xmlns:a/>`,
	`<a xmlns="urn:d"><xmlns/></a>`,
	`<a xmlns:xmlns="urn:odd" xmlns:xml="urn:odder"><xml:b/><xmlns:c/></a>`,
	`<a></a>trailing<b/>`,
	`  <a/>  `,
	``,
	"<a>\x00</a>",
}

// tokenRecord is what a reader of tokens sees of one.
type tokenRecord struct {
	kind tokenKind
	name xml.Name
	attr []xml.Attr
	text string
	line int
}

func (t tokenRecord) String() string {
	return fmt.Sprintf("%d %q %v %q line %d", t.kind, t.name, t.attr, t.text, t.line)
}

// decoderTokens reads doc with encoding/xml's Token, set up as the
// walker's decoder is: the behaviour the walker must reproduce.
func decoderTokens(doc []byte) ([]tokenRecord, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	d.CharsetReader = charsetReader
	var out []tokenRecord
	for {
		t, err := d.Token()
		if err != nil {
			return out, err
		}
		line, _ := d.InputPos()
		var rec tokenRecord
		switch t := t.(type) {
		case xml.StartElement:
			rec = tokenRecord{kind: startToken, name: t.Name, attr: t.Attr}
		case xml.EndElement:
			rec = tokenRecord{kind: endToken, name: xml.Name{Local: t.Name.Local}}
		case xml.CharData:
			rec = tokenRecord{kind: textToken, text: string(t)}
		default:
			rec = tokenRecord{kind: otherToken}
		}
		rec.line = line
		out = append(out, rec)
	}
}

// walkerTokens reads doc with the walker, fast or with encoding/xml's
// RawToken.
func walkerTokens(doc []byte, fast bool) ([]tokenRecord, error) {
	r := &reader{}
	r.startDecoder(bytes.NewReader(doc), fast)
	w := &r.walk
	var out []tokenRecord
	for {
		if err := w.next(); err != nil {
			return out, err
		}
		t := w.tok
		rec := tokenRecord{kind: t.kind, line: w.line()}
		switch t.kind {
		case startToken:
			rec.name = t.start.Name
			rec.attr = append([]xml.Attr{}, t.start.Attr...)
		case endToken:
			rec.name = xml.Name{Local: t.start.Name.Local} // end names are left as written
		case textToken:
			rec.text = string(t.text)
		}
		out = append(out, rec)
	}
}

// checkTokens holds the walker, both ways, to encoding/xml's Token: the
// same tokens, lines and error with RawToken; with the fast scanner the
// same tokens up to where it falls back, and there only on what Token
// would read differently or reject… or on what it leaves to Token.
func checkTokens(t *testing.T, doc []byte) {
	t.Helper()
	want, wantErr := decoderTokens(doc)
	got, err := walkerTokens(doc, false)
	require.Equal(t, want, got, "walker with RawToken")
	require.Equal(t, errString(wantErr), errString(err), "walker with RawToken")
	var se, wse *xml.SyntaxError
	if errors.As(wantErr, &wse) {
		require.True(t, errors.As(err, &se))
		require.Equal(t, wse.Line, se.Line)
	}

	got, err = walkerTokens(doc, true)
	switch {
	case err == errFallback:
		require.LessOrEqual(t, len(got), len(want), "fast scanner read past Token")
		if len(got) > 0 {
			require.Equal(t, want[:len(got)], got, "fast scanner before falling back")
		}
	default:
		require.Equal(t, want, got, "fast scanner")
		require.Equal(t, errString(wantErr), errString(err), "fast scanner")
		require.Equal(t, io.EOF, err, "fast scanner")
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestTokensMatchDecoder(t *testing.T) {
	docs := map[string][]byte{}
	for i, d := range tokenDocs {
		docs[fmt.Sprintf("doc%02d", i)] = []byte(d)
	}
	for _, name := range sampleNames(t) {
		doc := readSample(t, name)
		docs[name] = doc
		docs[name+" prefixed"] = bytes.ReplaceAll(bytes.Replace(doc, []byte(`xmlns="`), []byte(`xmlns:ns2="`), 1), []byte("<"), []byte("<ns2:"))
		docs[name+" CRLF"] = bytes.ReplaceAll(doc, []byte("\n"), []byte("\r\n"))
	}
	docs["generated"] = generate(50)
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) { checkTokens(t, doc) })
	}
}

// TestScanner_FastOnPain001 makes sure the fast scanner takes the files it
// is for, without falling back.
func TestScanner_FastOnPain001(t *testing.T) {
	docs := map[string][]byte{"generated": generate(50)}
	for _, name := range sampleNames(t) {
		if !strings.Contains(string(readSample(t, name)[:100]), "ISO-8859") {
			docs[name] = readSample(t, name)
		}
	}
	for name, doc := range docs {
		_, err := walkerTokens(doc, true)
		require.Equal(t, io.EOF, err, name)
	}
}

// TestScanner_LongTokens reads tokens longer than the scanner's buffer
// through a reader that hands out a few bytes at a time.
func TestScanner_LongTokens(t *testing.T) {
	long := strings.Repeat("x", 3*scanBufSize+17)
	doc := []byte(`<a b="` + long + `"><!--` + long + `--><?pi ` + long + `?>` + long + "&amp;\r\n" + long + `</a>`)
	s := newScanner(&trickle{data: doc})
	var texts []string
	for {
		var tk token
		err := s.next(&tk)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if tk.kind == textToken {
			texts = append(texts, string(tk.text))
		}
	}
	require.Equal(t, []string{long + "&\n" + long}, texts)
	checkTokens(t, doc)
}

type trickle struct{ data []byte }

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1000)], r.data)
	r.data = r.data[n:]
	return n, nil
}

// FuzzTokens holds the walker to encoding/xml's Token on arbitrary input.
func FuzzTokens(f *testing.F) {
	for _, d := range tokenDocs {
		f.Add([]byte(d))
	}
	f.Add(generate(2))
	f.Fuzz(func(t *testing.T, doc []byte) { checkTokens(t, doc) })
}
