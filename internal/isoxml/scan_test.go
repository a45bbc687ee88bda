package isoxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanTokens renders what a Scanner reads, up to its error.
func scanTokens(doc []byte) ([]string, error) {
	s := NewScanner(bytes.NewReader(doc))
	var out []string
	for {
		var t Token
		if err := s.Next(&t); err != nil {
			return out, err
		}
		out = append(out, render(t, s.Line()))
	}
}

// rawTokens renders what Decoder.RawToken reads, in the same form.
func rawTokens(t *testing.T, doc []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var out []string
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		line, _ := d.InputPos()
		var k Token
		switch tok := tok.(type) {
		case xml.StartElement:
			k = Token{Kind: StartToken, Start: tok}
		case xml.EndElement:
			k = Token{Kind: EndToken, Start: xml.StartElement{Name: tok.Name}}
		case xml.CharData:
			k = Token{Kind: TextToken, Text: tok}
		}
		out = append(out, render(k, line))
	}
}

func render(t Token, line int) string {
	return fmt.Sprintf("%d %v %v %q @%d", t.Kind, t.Start.Name, t.Start.Attr, t.Text, line)
}

// The Scanner reads what encoding/xml's RawToken reads, names as written,
// text decoded, lines counted alike; what it is not sure of it leaves to
// encoding/xml with ErrFallback (pain001's TestTokensMatchDecoder and
// FuzzTokens go through the corners token by token).
func TestScanner_MatchesRawToken(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		fallback bool
	}{
		{"declaration, namespaces, attributes", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<Document xmlns="urn:x" xmlns:xsi="urn:xsi" xsi:schemaLocation="urn:x x.xsd">` + "\n" +
			`<p:A xmlns:p="urn:p"><Amt Ccy='EUR'>1.50</Amt><B/></p:A>` + "\n</Document>\n", false},
		{"entities, CRs, comments", "<a>x &amp; y\r\nz<!-- c --> &#65;</a>", false},
		{"multi-byte text", "<a>Müller € 𝄞</a>", false},
		{"Latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><a>` + "\xe9</a>", true},
		{"DOCTYPE", `<!DOCTYPE a><a/>`, true},
		{"CDATA", `<a><![CDATA[x]]></a>`, true},
		{"syntax error", `<a x=1></a>`, true},
		{"truncated", `<a><b`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanTokens([]byte(tt.doc))
			if tt.fallback {
				assert.ErrorIs(t, err, ErrFallback)
				return
			}
			require.Equal(t, io.EOF, err)
			assert.Equal(t, rawTokens(t, []byte(tt.doc)), got)
		})
	}
}
