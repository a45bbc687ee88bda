package csvpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// testToday fixes "today" for every golden case.
const testToday = "2025-03-10"

// caseProfile is testdata/<case>.profile.json: a [csv_profiles.X] table
// written as JSON (or "profile": "atlar"), plus the route's options.
type caseProfile struct {
	Profile    string         `json:"profile"`
	Delimiter  string         `json:"delimiter"`
	Decimal    string         `json:"decimal"`
	Thousands  string         `json:"thousands"`
	DateFormat string         `json:"date_format"`
	Encoding   string         `json:"encoding"`
	Header     *bool          `json:"header"`
	Quote      *string        `json:"quote"`
	SkipRows   int            `json:"skip_rows"`
	Columns    map[string]any `json:"columns"`
	Options    struct {
		SourceAccountID string `json:"source_account_id"`
		Scheme          string `json:"scheme"`
	} `json:"options"`
}

// loadCase returns the profile and options of a testdata case.
func loadCase(t testing.TB, csvPath string) (Profile, Options) {
	t.Helper()
	opts := Options{Today: testToday}
	raw, err := os.ReadFile(strings.TrimSuffix(csvPath, ".csv") + ".profile.json")
	if errors.Is(err, os.ErrNotExist) {
		return DefaultProfile(), opts
	}
	require.NoError(t, err)
	var cp caseProfile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&cp))
	opts.SourceAccountID, opts.Scheme = cp.Options.SourceAccountID, cp.Options.Scheme
	if cp.Profile == "atlar" {
		return AtlarProfile(), opts
	}
	cfg := Spec{
		Delimiter: cp.Delimiter, Decimal: cp.Decimal, Thousands: cp.Thousands,
		DateFormat: cp.DateFormat, Encoding: cp.Encoding, Header: cp.Header,
		Quote: cp.Quote, SkipRows: cp.SkipRows, Columns: map[string]any{},
	}
	for k, v := range cp.Columns {
		if f, ok := v.(float64); ok { // JSON numbers; config hands us ints
			cfg.Columns[k] = int(f)
			continue
		}
		cfg.Columns[k] = v
	}
	name := strings.TrimSuffix(filepath.Base(csvPath), ".csv")
	p, err := ProfileFromSpec(name, cfg)
	require.NoError(t, err)
	return p, opts
}

// goldenOutput is what a case's golden file holds: the run, or the
// problems both as data and as the lines an operator reads.
type goldenOutput struct {
	Run      *payrun.Run     `json:"run,omitempty"`
	Problems payrun.Problems `json:"problems,omitempty"`
	Messages []string        `json:"messages,omitempty"`
}

// inputFiles lists the testdata inputs: every .csv except the result
// goldens WriteResult's test keeps beside them.
func inputFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.csv"))
	require.NoError(t, err)
	inputs := files[:0]
	for _, f := range files {
		if !strings.HasSuffix(f, ".result.csv") {
			inputs = append(inputs, f)
		}
	}
	require.NotEmpty(t, inputs)
	return inputs
}

func TestParse_Golden(t *testing.T) {
	for _, file := range inputFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".csv")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			p, opts := loadCase(t, file)

			run, err := Parse(data, p, opts)
			var out goldenOutput
			var problems payrun.Problems
			switch {
			case err == nil:
				require.NotNil(t, run)
				checkRunInvariants(t, run)
				out.Run = run
			case errors.As(err, &problems):
				require.Nil(t, run, "no run alongside problems")
				out.Problems = problems
				for _, p := range problems {
					out.Messages = append(out.Messages, p.String())
				}
			default:
				t.Fatalf("Parse returned a misuse error for a data case: %v", err)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')

			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./internal/csvpay -run TestParse_Golden -update")
			assert.Equal(t, string(want), string(got))
		})
	}
}

// checkRunInvariants holds for every run Parse returns, whatever the input.
func checkRunInvariants(t testing.TB, run *payrun.Run) {
	t.Helper()
	require.Equal(t, "CSV", run.MsgNameID)
	require.NotEmpty(t, run.Payments)
	ids := map[string]bool{}
	for i, p := range run.Payments {
		require.Equal(t, i+1, p.Row, "rows are numbered in file order")
		require.Positive(t, p.Line)
		require.Positive(t, p.Amount, "row %d", p.Row)
		require.NotEmpty(t, p.Currency)
		require.Len(t, p.Date, len("2006-01-02"))
		require.True(t, isExternalID(p.ExternalID), "row %d id %q", p.Row, p.ExternalID)
		require.False(t, ids[p.ExternalID], "duplicate id %q", p.ExternalID)
		ids[p.ExternalID] = true
		require.True(t, p.SourceAccountID != "" || p.SourceIBAN != "", "row %d has a source", p.Row)
		require.True(t, (p.ExternalAccountID == "") != (p.Creditor == nil), "row %d has exactly one destination", p.Row)
		require.LessOrEqual(t, len([]rune(p.Reference)), maxReference)
		require.True(t, payrun.KnownScheme(p.Scheme), "row %d scheme %q", p.Row, p.Scheme)
	}
}

func TestParse_ProblemCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("external_id,source_account_id,amount,currency,external_account_id\n")
	for i := 0; i < 600; i++ {
		// Two problems per row: a bad id and a bad amount.
		fmt.Fprintf(&b, "bad id %d,acc,x,EUR,ext\n", i)
	}
	_, err := Parse([]byte(b.String()), DefaultProfile(), Options{Today: testToday})
	var problems payrun.Problems
	require.ErrorAs(t, err, &problems)
	require.Len(t, problems, maxProblems+1)
	assert.Equal(t, "and 200 more problems", problems[maxProblems].Field)
	assert.Equal(t, 500, problems[maxProblems-1].Row)
}

func TestParse_Misuse(t *testing.T) {
	valid := []byte("external_id,source_account_id,amount,currency,external_account_id\nA,acc,1.00,EUR,ext\n")
	broken := func(f func(*Profile)) Profile { p := DefaultProfile(); f(&p); return p }
	tests := []struct {
		name    string
		p       Profile
		o       Options
		wantErr string
	}{
		{"no today", DefaultProfile(), Options{}, `options: today must be YYYY-MM-DD (got "")`},
		{"bad today", DefaultProfile(), Options{Today: "10.03.2025"}, "options: today must be YYYY-MM-DD"},
		{"negative days", DefaultProfile(), Options{Today: testToday, MaxDaysAhead: -1}, "max days ahead must be >= 0"},
		{"unknown route scheme", DefaultProfile(), Options{Today: testToday, Scheme: "SEPA"}, `unknown route scheme "SEPA"`},
		{"bad route account", DefaultProfile(), Options{Today: testToday, SourceAccountID: "a b"}, "is not an Atlar id"},
		{"zero profile", Profile{}, Options{Today: testToday}, `csv profile "": delimiter: must be one of`},
		{"bad encoding", broken(func(p *Profile) { p.Encoding = "utf-16" }), Options{Today: testToday}, "encoding: must be"},
		{"bad date format", broken(func(p *Profile) { p.DateFormat = "DD.MM" }), Options{Today: testToday}, "date_format:"},
		{"unknown column", broken(func(p *Profile) { p.Columns = map[string]string{"amt": "x"} }), Options{Today: testToday}, "columns.amt: unknown column"},
		{"headerless without positions", broken(func(p *Profile) { p.Header = false }), Options{Today: testToday},
			"columns: without a header every used column needs a position; missing external_id, amount, currency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := Parse(valid, tt.p, tt.o)
			require.Error(t, err)
			assert.Nil(t, run)
			var problems payrun.Problems
			assert.False(t, errors.As(err, &problems), "misuse is not a file problem")
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestParse_MaxDaysAhead(t *testing.T) {
	data := []byte("external_id,source_account_id,amount,currency,execution_date,external_account_id\n" +
		"A,acc,1.00,EUR,2025-03-15,ext\n")
	_, err := Parse(data, DefaultProfile(), Options{Today: testToday, MaxDaysAhead: 4})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a date at most 4 days ahead (by 2025-03-14)")

	run, err := Parse(data, DefaultProfile(), Options{Today: testToday, MaxDaysAhead: 5})
	require.NoError(t, err)
	assert.Equal(t, "2025-03-15", run.Payments[0].Date)
}

func TestProfileFromSpec(t *testing.T) {
	str := func(s string) *string { return &s }
	no := false
	tests := []struct {
		name    string
		c       Spec
		check   func(t *testing.T, p Profile)
		wantErr string
	}{
		{name: "empty is default", c: Spec{}, check: func(t *testing.T, p Profile) {
			want := DefaultProfile()
			want.Name = "sap"
			assert.Equal(t, want, p)
		}},
		{name: "full", c: Spec{
			Delimiter: ";", Decimal: ",", Thousands: ".", DateFormat: "dd.mm.yyyy", Encoding: "CP1252",
			Header: &no, Quote: str(""), SkipRows: 2,
			Columns: map[string]any{"external_id": 1, "amount": int64(3), "currency": 4},
		}, check: func(t *testing.T, p Profile) {
			assert.Equal(t, Profile{
				Name: "sap", Delimiter: ';', Decimal: ',', Thousands: '.', DateFormat: "DD.MM.YYYY",
				Encoding: "windows-1252", Header: false, Quote: 0, SkipRows: 2,
				Positions: map[string]int{"external_id": 1, "amount": 3, "currency": 4},
			}, p)
		}},
		{name: "tab and aliases", c: Spec{
			Delimiter: `\t`, Quote: str("'"), Encoding: "utf-8-bom",
			Columns: map[string]any{"amount": "Betrag"},
		}, check: func(t *testing.T, p Profile) {
			assert.Equal(t, '\t', p.Delimiter)
			assert.Equal(t, '\'', p.Quote)
			assert.Equal(t, "utf-8", p.Encoding, "utf-8-bom reads as utf-8")
			assert.Equal(t, map[string]string{"amount": "Betrag"}, p.Columns)
		}},
		{name: "bad delimiter", c: Spec{Delimiter: "::"}, wantErr: `csv_profiles.sap.delimiter: must be a single character (got "::")`},
		{name: "delimiter not allowed", c: Spec{Delimiter: "x"}, wantErr: `csv_profiles.sap.delimiter: must be one of ",", ";", "\t", "|" (got 'x')`},
		{name: "decimal", c: Spec{Decimal: "_"}, wantErr: `csv_profiles.sap.decimal: must be "." or ","`},
		{name: "decimal is delimiter", c: Spec{Decimal: ","}, wantErr: `csv_profiles.sap.decimal: must differ from delimiter`},
		{name: "thousands is decimal", c: Spec{Thousands: "."}, wantErr: `csv_profiles.sap.thousands: must differ from decimal`},
		{name: "encoding", c: Spec{Encoding: "ebcdic"}, wantErr: `csv_profiles.sap.encoding: must be`},
		{name: "date format", c: Spec{DateFormat: "YYYY-QQ-DD"}, wantErr: `csv_profiles.sap.date_format: unexpected "Q"`},
		{name: "date format twice", c: Spec{DateFormat: "DD.MM.DD"}, wantErr: `must contain the year, month and day once each`},
		{name: "quote is delimiter", c: Spec{Quote: str(",")}, wantErr: `csv_profiles.sap.quote: must be one ASCII punctuation character`},
		{name: "quote letter", c: Spec{Quote: str("q")}, wantErr: `csv_profiles.sap.quote:`},
		{name: "skip rows", c: Spec{SkipRows: -1}, wantErr: `csv_profiles.sap.skip_rows: must be >= 0`},
		{name: "unknown column", c: Spec{Columns: map[string]any{"betrag": "x"}}, wantErr: `csv_profiles.sap.columns.betrag: unknown column`},
		{name: "bad column value", c: Spec{Columns: map[string]any{"amount": 1.5}}, wantErr: `csv_profiles.sap.columns.amount: must be a header name (string) or a 1-based position (integer) (got 1.5)`},
		{name: "position zero", c: Spec{Columns: map[string]any{"amount": 0}}, wantErr: `csv_profiles.sap.columns.amount: position must be >= 1`},
		{name: "headerless needs positions", c: Spec{Header: &no, Columns: map[string]any{"amount": 1}},
			wantErr: `csv_profiles.sap.columns: without a header every used column needs a position; missing external_id, currency`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ProfileFromSpec("sap", tt.c)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, p)
		})
	}
}

func TestGoDateLayout(t *testing.T) {
	tests := []struct{ format, want, wantErr string }{
		{format: "YYYY-MM-DD", want: "2006-01-02"},
		{format: "DD.MM.YYYY", want: "02.01.2006"},
		{format: "MM/DD/YY", want: "01/02/06"},
		{format: "YYYYMMDD", want: "20060102"},
		{format: "D.M.YYYY", want: "2.1.2006"},
		{format: "DD MM YYYY", want: "02 01 2006"},
		{format: "", wantErr: "is empty"},
		{format: "YYYY-MM", wantErr: "once each"},
		{format: "YYYY-MM-DD hh", wantErr: `unexpected "h"`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			got, err := goDateLayout(tt.format)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, file := range inputFiles(f) {
		data, err := os.ReadFile(file)
		require.NoError(f, err)
		f.Add(data, uint8(0))
		f.Add(data, uint8(1))
	}
	profiles := []Profile{DefaultProfile(), AtlarProfile()}
	semicolon := DefaultProfile()
	semicolon.Delimiter, semicolon.Decimal, semicolon.Thousands = ';', ',', '.'
	semicolon.Encoding, semicolon.DateFormat = "windows-1252", "DD.MM.YYYY"
	profiles = append(profiles, semicolon)

	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		p := profiles[int(pick)%len(profiles)]
		run, err := Parse(data, p, Options{Today: testToday, SourceAccountID: "acc"})
		var problems payrun.Problems
		switch {
		case err == nil:
			checkRunInvariants(t, run)
		case errors.As(err, &problems):
			require.NotEmpty(t, problems)
			require.LessOrEqual(t, len(problems), maxProblems+1)
		default:
			t.Fatalf("misuse error for data input: %v", err)
		}
		// WriteResult must take whatever Parse could read.
		if err == nil {
			out, err := WriteResult(data, p, nil)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(out), len(data))
		}
	})
}

// benchFile is a 10,000-row windows-1252 file with ';' and decimal commas,
// the shape of a typical German ERP export.
func benchFile(rows int) ([]byte, Profile) {
	var b bytes.Buffer
	b.WriteString("Belegnummer;Konto;Betrag;Währung;Datum;Empfänger;IBAN;BIC;Verwendungszweck;Kostenstelle\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "RE-%07d;DE89370400440532013000;%d.%03d,%02d;EUR;%02d.03.2025;Müller & Söhne GmbH %d;DE89370400440532013000;COBADEFFXXX;Rechnung %d März;KST-%d\n",
			i, 1+i%900, i%1000, i%100, 10+i%20, i, i, i%50)
	}
	raw, err := charmapOf("windows-1252").NewEncoder().Bytes(b.Bytes())
	if err != nil {
		panic(err)
	}
	p := DefaultProfile()
	p.Delimiter, p.Decimal, p.Thousands = ';', ',', '.'
	p.Encoding, p.DateFormat = "windows-1252", "DD.MM.YYYY"
	p.Columns = map[string]string{
		"external_id": "Belegnummer", "source_iban": "Konto", "amount": "Betrag", "currency": "Währung",
		"execution_date": "Datum", "creditor_name": "Empfänger", "creditor_iban": "IBAN",
		"creditor_bic": "BIC", "reference": "Verwendungszweck",
	}
	return raw, p
}

func TestParse_LargeFile(t *testing.T) {
	data, p := benchFile(100_000)
	run, err := Parse(data, p, Options{Today: testToday})
	require.NoError(t, err)
	require.Len(t, run.Payments, 100_000)
	last := run.Payments[len(run.Payments)-1]
	assert.Equal(t, "RE-0099999", last.ExternalID)
	assert.Equal(t, 100_001, last.Line)
	assert.Equal(t, "Müller & Söhne GmbH 99999", last.Creditor.Name)
}

func BenchmarkParse(b *testing.B) {
	const rows = 10_000
	data, p := benchFile(rows)
	opts := Options{Today: testToday}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, p, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}

func TestParse_WholeFileProblems(t *testing.T) {
	headerless := DefaultProfile()
	headerless.Header = false
	headerless.Positions = map[string]int{"external_id": 1, "amount": 2, "currency": 3}
	farPosition := headerless
	farPosition.Positions = map[string]int{"external_id": 1, "amount": 2, "currency": 3, "external_account_id": 9}
	skipAll := DefaultProfile()
	skipAll.SkipRows = 5

	tests := []struct {
		name string
		data string
		p    Profile
		want []string
	}{
		{"headerless without destination", "A,1.00,EUR\n", headerless,
			[]string{"columns: expected positions for external_account_id or creditor_name in the csv_profile (the file has no header) [FF01]"}},
		{"position beyond the row", "A,1.00,EUR\n", farPosition,
			[]string{"line 1, column 9 (external_account_id): expected rows with at least 9 fields (the profile puts external_account_id there; found 3) [FF01]"}},
		{"atlar header", "externalId,amount.currency\nA,EUR\n", AtlarProfile(),
			[]string{`line 1, header: got "externalId, amount.currency", expected columns amount.stringValue, date, scheme, reference, source.type, destination.type (names are case-insensitive; a csv_profile can map other names) [FF01]`}},
		{"skip rows swallow the file", "a\nb\n", skipAll,
			[]string{"file: expected a header and payment rows (the file has none) [FF01]"}},
		{"only blank records", "\n , ,\n,,\r\n", DefaultProfile(),
			[]string{"file: expected a header and payment rows (the file has none) [FF01]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), tt.p, Options{Today: testToday, SourceAccountID: "acc"})
			var problems payrun.Problems
			require.ErrorAs(t, err, &problems)
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
