package csvpay

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleResults gives every row a result; even rows carry a reason with
// the characters that force quoting or cannot be encoded in a single-byte
// charset.
func sampleResults(n int) map[int]RowResult {
	res := make(map[int]RowResult, n)
	for row := 1; row <= n; row++ {
		if row%2 == 1 {
			res[row] = RowResult{Status: "EXECUTED", PaymentID: fmt.Sprintf("pay-%d", row)}
			continue
		}
		res[row] = RowResult{Status: "REJECTED", PaymentID: fmt.Sprintf("pay-%d", row),
			Reason: `Empfänger "ungültig"; AC03, prüfen ✓`}
	}
	return res
}

func TestWriteResult_Golden(t *testing.T) {
	for _, file := range inputFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".csv")
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		p, opts := loadCase(t, file)
		run, err := Parse(data, p, opts)
		if err != nil {
			continue // result files are written for files that were read
		}
		t.Run(name, func(t *testing.T) {
			results := sampleResults(len(run.Payments))
			got, err := WriteResult(data, p, results)
			require.NoError(t, err)

			checkResultRoundTrip(t, data, got, p, len(run.Payments), results)

			golden := filepath.Join("testdata", name+".result.csv")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./internal/csvpay -run TestWriteResult_Golden -update")
			assert.Equal(t, string(want), string(got))
		})
	}
}

// checkResultRoundTrip reads the result back with the same profile: every
// original field is intact, and each data row ends in its own result.
func checkResultRoundTrip(t *testing.T, original, result []byte, p Profile, rows int, results map[int]RowResult) {
	t.Helper()
	inText, prob := decodeText(original, p.Encoding)
	require.Nil(t, prob)
	outText, prob := decodeText(result, p.Encoding)
	require.Nil(t, prob, "the result is text in the profile's encoding")

	in, out := newWalker(inText, p), newWalker(outText, p)
	seen := 0
	for {
		a, err := in.next()
		require.NoError(t, err)
		inFields := append([]string(nil), fieldsOf(a)...)
		b, err := out.next()
		require.NoError(t, err)
		if a == nil {
			require.Nil(t, b, "no extra records")
			break
		}
		require.NotNil(t, b)
		require.Equal(t, a.kind, b.kind, "line %d", a.line)
		require.Equal(t, a.line, b.line, "line numbers only move with the original's breaks")
		switch a.kind {
		case segSkipped, segBlank:
			assert.Equal(t, inText[a.start:a.next], outText[b.start:b.next], "kept byte for byte")
		case segHeader:
			require.Equal(t, inFields, b.fields[:len(inFields)])
			assert.Equal(t, resultHeader[:], b.fields[len(inFields):])
		case segData:
			seen++
			require.Equal(t, inFields, b.fields[:len(inFields)])
			want := results[a.row]
			extra := b.fields[len(inFields):]
			require.Len(t, extra, 3)
			assert.Equal(t, want.Status, extra[0])
			assert.Equal(t, want.PaymentID, extra[1])
			reason := want.Reason
			if charmapOf(p.Encoding) != nil {
				reason = strings.ReplaceAll(reason, "✓", "?")
			}
			if p.Quote == 0 {
				reason = strings.ReplaceAll(reason, string(p.Delimiter), " ")
			}
			assert.Equal(t, reason, extra[2])
		}
	}
	assert.Equal(t, rows, seen)
}

func fieldsOf(s *segment) []string {
	if s == nil {
		return nil
	}
	return s.fields
}

func TestWriteResult_Bytes(t *testing.T) {
	cp1252 := DefaultProfile()
	cp1252.Delimiter, cp1252.Decimal, cp1252.Encoding = ';', ',', "windows-1252"
	noQuote := DefaultProfile()
	noQuote.Quote, noQuote.Header, noQuote.SkipRows = 0, false, 1
	noQuote.Positions = map[string]int{"external_id": 1, "amount": 2, "currency": 3}

	tests := []struct {
		name    string
		in      string
		p       Profile
		results map[int]RowResult
		want    string
	}{
		{
			name:    "plain",
			in:      "a,b\n1,2\n3,4\n",
			p:       DefaultProfile(),
			results: map[int]RowResult{1: {"EXECUTED", "p1", ""}, 2: {"REJECTED", "", "bad, really"}},
			want:    "a,b,status,atlar_payment_id,reason\n1,2,EXECUTED,p1,\n3,4,REJECTED,,\"bad, really\"\n",
		},
		{
			name:    "missing result and no final newline",
			in:      "a,b\r\n1,2\r\n3,4",
			p:       DefaultProfile(),
			results: map[int]RowResult{2: {"EXECUTED", "p2", ""}},
			want:    "a,b,status,atlar_payment_id,reason\r\n1,2,,,\r\n3,4,EXECUTED,p2,",
		},
		{
			name:    "original quoting and blank lines kept",
			in:      "\ufeff\"a\";b\n\n\"x;y\";\"multi\nline\"\n;;\n",
			p:       func() Profile { p := DefaultProfile(); p.Delimiter = ';'; return p }(),
			results: map[int]RowResult{1: {"REJECTED", "", `say "no"`}},
			want:    "\ufeff\"a\";b;status;atlar_payment_id;reason\n\n\"x;y\";\"multi\nline\";REJECTED;;\"say \"\"no\"\"\"\n;;\n",
		},
		{
			name:    "edge spaces are quoted",
			in:      "a\n1\n",
			p:       DefaultProfile(),
			results: map[int]RowResult{1: {" padded ", "", ""}},
			want:    "a,status,atlar_payment_id,reason\n1,\" padded \",,\n",
		},
		{
			name:    "no quoting: separators become spaces",
			in:      "HEADER LINE\nX,1.00,EUR\n",
			p:       noQuote,
			results: map[int]RowResult{1: {"REJECTED", "", "a,b\nc"}},
			want:    "HEADER LINE\nX,1.00,EUR,REJECTED,,a b c\n",
		},
		{
			name:    "cp1252 stays cp1252",
			in:      "Name;Betrag\nM\xfcller;1,00\n",
			p:       cp1252,
			results: map[int]RowResult{1: {"ABGELEHNT", "", "Empfänger – €; ✓"}},
			want:    "Name;Betrag;status;atlar_payment_id;reason\nM\xfcller;1,00;ABGELEHNT;;\"Empf\xe4nger \x96 \x80; ?\"\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WriteResult([]byte(tt.in), tt.p, tt.results)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			if tt.p.Encoding == "windows-1252" {
				assert.False(t, utf8.Valid(got), "no UTF-8 crept into a windows-1252 file")
			}
		})
	}
}

func TestWriteResult_Errors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		p       Profile
		wantErr string
	}{
		{"bad profile", "a\n", Profile{}, `csv profile "": delimiter`},
		{"binary", "a\x00b", DefaultProfile(), "write result: line 1: expected a text file"},
		{"unclosed quote", "a\n\"x\n", DefaultProfile(), "write result: the quoted field that opens on line 2 is never closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WriteResult([]byte(tt.in), tt.p, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestWriteResult_LargeFileKeepsEveryByte(t *testing.T) {
	data, p := benchFile(2000)
	got, err := WriteResult(data, p, sampleResults(2000))
	require.NoError(t, err)
	inLines := bytes.Split(data, []byte("\n"))
	outLines := bytes.Split(got, []byte("\n"))
	require.Len(t, outLines, len(inLines))
	for i := range inLines {
		require.True(t, bytes.HasPrefix(outLines[i], inLines[i]), "line %d keeps its original bytes", i+1)
	}
}

func TestCountRows_AgreesWithParse(t *testing.T) {
	for _, file := range inputFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".csv")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			p, opts := loadCase(t, file)
			run, parseErr := Parse(data, p, opts)
			n, err := CountRows(data, p)
			if parseErr == nil {
				require.NoError(t, err)
				assert.Equal(t, len(run.Payments), n, "a result row for every payment")
				return
			}
			if name == "every_row_error" { // rejected, yet every row gets a status
				require.NoError(t, err)
				assert.Equal(t, 37, n, "37 records on 38 data lines: one has a quoted line break")
			}
		})
	}
}
