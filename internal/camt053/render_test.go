package camt053

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/isoxml"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// renderCase is one golden input: a statement, rendered in every version,
// and what reading the output back must give.
type renderCase struct {
	Statement   Statement `json:"statement"`
	Header      Header    `json:"header"`
	EndToEndIDs []string  `json:"endToEndIds"`
}

func TestRender_Golden(t *testing.T) {
	sharedtest.Tool(t, "xmllint", "libxml2-utils") // without xmllint the whole test skips (fails on CI)
	for base, c := range renderCases(t) {
		for _, version := range Versions {
			t.Run(filepath.Base(base)+"/"+version, func(t *testing.T) {
				got, err := Render(version, c.Statement)
				require.NoError(t, err)
				golden(t, base+"."+version+".xml", got)
				sharedtest.XMLLint(t, got, sharedtest.XSD(t, version+".xsd"))

				h, err := ReadHeader(got)
				require.NoError(t, err)
				want := c.Header
				want.Version = version
				assert.Equal(t, want, h)

				ids, err := EndToEndIDs(got)
				require.NoError(t, err)
				assert.Equal(t, c.EndToEndIDs, ids)
			})
		}
	}
}

func TestRender_Errors(t *testing.T) {
	valid := func() Statement {
		return Statement{
			MsgID:     "M1",
			ID:        "S1",
			CreatedAt: time.Date(2024, 3, 2, 6, 0, 0, 0, time.UTC),
			From:      time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
			To:        time.Date(2024, 3, 1, 23, 59, 59, 0, time.UTC),
			Account:   Account{IBAN: "DE89370400440532013000", Currency: "EUR"},
			Entries:   []Entry{{Amount: 100, Credit: true}},
		}
	}
	tests := []struct {
		name    string
		version string
		edit    func(*Statement)
		want    string
	}{
		{"unknown version", "camt.053.001.99", func(*Statement) {}, "unsupported camt.053 version"},
		{"no MsgID", V02, func(s *Statement) { s.MsgID = " \n" }, "MsgID is empty"},
		{"no ID", V02, func(s *Statement) { s.ID = "" }, "statement ID is empty"},
		{"no CreatedAt", V02, func(s *Statement) { s.CreatedAt = time.Time{} }, "CreatedAt is zero"},
		{"half period", V02, func(s *Statement) { s.From = time.Time{} }, "period needs both From and To"},
		{"period reversed", V02, func(s *Statement) { s.From, s.To = s.To, s.From }, "To before From"},
		{"no account", V03, func(s *Statement) { s.Account.IBAN = "" }, "neither IBAN nor other id"},
		{"bad currency", V04, func(s *Statement) { s.Account.Currency = "eur" }, `account currency "eur"`},
		{"no balance date", V08, func(s *Statement) { s.From, s.To = time.Time{}, time.Time{} }, "OpeningDate is empty"},
		{"bad balance date", V08, func(s *Statement) { s.ClosingDate = "01.03.2024" }, `ClosingDate "01.03.2024"`},
		{"zero entry", V02, func(s *Statement) { s.Entries[0].Amount = 0 }, "entry 1: amount 0: must be > 0"},
		{"negative entry", V03, func(s *Statement) { s.Entries[0].Amount = -5 }, "must be > 0"},
		{"bad entry currency", V03, func(s *Statement) { s.Entries[0].Currency = "EURO" }, `currency "EURO"`},
		{"bad booking date", V04, func(s *Statement) { s.Entries[0].BookingDate = "2024-02-30" }, `BookingDate "2024-02-30"`},
		{"partial bank code", V08, func(s *Statement) { s.Entries[0].Domain = "PMNT" }, "bank transaction code PMNT//"},
		{"negative SeqNb", V02, func(s *Statement) { s.SeqNb = -1 }, "SeqNb -1"},
		{"19-digit SeqNb", V02, func(s *Statement) { s.SeqNb = 1 << 62 }, "must be 0 to 18 digits"},
		{"huge balance", V02, func(s *Statement) { s.Closing = -1 << 63 }, "out of range"},
		{"19-digit balance", V02, func(s *Statement) { s.Opening = 1_000_000_000_000_000_000 }, "more than 18 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := valid()
			tt.edit(&st)
			_, err := Render(tt.version, st)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("valid baseline", func(t *testing.T) {
		_, err := Render(V02, valid())
		require.NoError(t, err)
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "Invoice 42", 35, "Invoice 42"},
		{"empty", "", 35, ""},
		{"spaces only", " \t\n ", 35, ""},
		{"collapse and trim", "  a \r\n\t b  ", 35, "a b"},
		{"control chars", "a\x00b\x07c\u0085d", 35, "abc d"},
		{"invalid utf8", "a\xffb", 35, "ab"},
		{"non-characters", "a\uFFFEb", 35, "ab"},
		{"keeps markup chars for escaping", `<a & "b">`, 35, `<a & "b">`},
		{"cuts by characters", "äöüäöü", 4, "äöüä"},
		{"no trailing space after cut", "abc def", 4, "abc"},
		{"emoji counts as one", "💶💶💶", 2, "💶💶"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, isoxml.CleanText(tt.in, tt.max))
		})
	}
}
