package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"strings"
	"time"
)

func TestConfig_Validate_Reports(t *testing.T) {
	runValidateCases(t, []validateCase{
		{name: "MT940", doc: minimal + "[[reports]]\nname = \"mt940\"\nformat = \"MT940\"\nencoding = \"Windows-1252\"\nkeep_latin1 = true\n"},
		{name: "AllFormats", doc: minimal + "[[reports]]\nname = \"a\"\nformat = \"bai2\"\n[[reports]]\nname = \"b\"\nformat = \"csv-transactions\"\n" +
			"[[reports]]\nname = \"c\"\nformat = \"csv-balances\"\nline_ending = \"LF\"\n[[reports]]\nname = \"d\"\nformat = \"camt.053\"\nversion = \"camt.053.001.08\"\n[[reports]]\nname = \"e\"\nformat = \"camt.054\"\nversion = \"camt.054.001.08\"\n"},
		{
			name: "NameAndFormat",
			doc:  minimal + "[[reports]]\nname = \"../x\"\nformat = \"mt941\"\n",
			want: []string{
				`config.toml:9: reports[0].name: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (got "../x")`,
				`config.toml:10: reports[0].format: must be one of "camt.053", "mt940", "bai2", "csv-transactions", "csv-balances", "camt.054", "raw", "mt942", "camt.052" (got "mt941")`,
			},
		},
		{name: "Intraday", doc: minimal + "[[reports]]\nname = \"mt942\"\nformat = \"mt942\"\ninterval = \"5m\"\nencoding = \"windows-1252\"\nkeep_latin1 = true\n" +
			"[[reports]]\nname = \"camt052\"\nformat = \"camt.052\"\nversion = \"camt.052.001.08\"\n"},
		{
			name: "IntradayOptions",
			doc:  minimal + "[[reports]]\nname = \"a\"\nformat = \"camt.052\"\nversion = \"camt.052.001.04\"\ninterval = \"1s\"\n[[reports]]\nname = \"b\"\nformat = \"mt940\"\ninterval = \"5m\"\n",
			want: []string{
				`config.toml:11: reports[0].version: must be "camt.052.001.02" or "camt.052.001.08" (got "camt.052.001.04")`,
				`config.toml:12: reports[0].interval: must be at least 5s (got 1s)`,
				`config.toml:16: reports[1].interval: only for the intraday formats "mt942" and "camt.052" (end-of-day reports follow the statements)`,
			},
		},
		{name: "IntradayBackfillOff", doc: minimal + "[[reports]]\nname = \"a\"\nformat = \"mt942\"\nbackfill = \"0s\"\n"},
		{
			name: "IntradayBackfill",
			doc:  minimal + "[[reports]]\nname = \"a\"\nformat = \"mt942\"\nbackfill = \"-1h\"\n[[reports]]\nname = \"b\"\nformat = \"mt940\"\nbackfill = \"24h\"\n",
			want: []string{
				`config.toml:11: reports[0].backfill: must not be negative (got -1h0m0s)`,
				`config.toml:15: reports[1].backfill: only for the intraday formats "mt942" and "camt.052" (end-of-day reports follow [statements] backfill)`,
			},
		},
		{
			name: "OwnFolderAndDuplicate",
			doc:  minimal + "[[reports]]\nname = \"Statements\"\nformat = \"mt940\"\n[[reports]]\nname = \"x\"\nformat = \"mt940\"\n[[reports]]\nname = \"X\"\nformat = \"bai2\"\n",
			want: []string{
				`config.toml:9: reports[0].name: "Statements" is the bridge's own outbox folder; choose another name`,
				`config.toml:15: reports[2].name: duplicate report name "X" (also reports[1])`,
			},
		},
		{
			name: "FileName",
			doc:  minimal + "[[reports]]\nname = \"a\"\nformat = \"mt940\"\nfile_name = \"{account}_{day}.sta\"\n[[reports]]\nname = \"b\"\nformat = \"mt940\"\nfile_name = \"../{seq}.sta\"\n[[reports]]\nname = \"c\"\nformat = \"mt940\"\nfile_name = \"{account}.sta\"\n",
			want: []string{
				`config.toml:11: reports[0].file_name: unknown placeholder {day}: use {account}, {date}, {seq} or {id} (got "{account}_{day}.sta")`,
				`config.toml:15: reports[1].file_name: must be a plain file name: no folders, no leading '.', none of / \ : * ? " < > | (got "../{seq}.sta")`,
				`config.toml:19: reports[2].file_name: must contain {seq} or {id}: an account can have more than one statement a day (got "{account}.sta")`,
			},
		},
		{
			name: "Options",
			doc:  minimal + "[[reports]]\nname = \"a\"\nformat = \"mt940\"\nencoding = \"ebcdic\"\nversion = \"camt.053.001.02\"\nline_ending = \"cr\"\nkeep_latin1 = true\n",
			want: []string{
				`config.toml:11: reports[0].encoding: must be one of "ascii", "windows-1252", "iso-8859-1", "utf-8" (got "ebcdic")`,
				`config.toml:12: reports[0].version: only for formats "camt.053", "camt.054" and "camt.052" (got "camt.053.001.02")`,
				`config.toml:13: reports[0].line_ending: must be "crlf" or "lf" (got "cr")`,
			},
		},
	})
}

func TestConfig_Reports_Defaults(t *testing.T) {
	c, err := Parse(strings.NewReader(minimal+"[[reports]]\nname = \"m\"\nformat = \"mt940\"\n[[reports]]\nname = \"c\"\nformat = \"camt.053\"\n"), "config.toml")
	require.NoError(t, err)
	require.Len(t, c.Reports, 2)
	assert.Equal(t, Report{Name: "m", Format: "mt940", Encoding: "ascii", LineEnding: "crlf", FileName: "{account}_{date}_{seq}.sta"}, c.Reports[0])
	assert.Equal(t, "camt.053.001.02", c.Reports[1].Version)
	assert.Equal(t, "{account}_{date}_{seq}.xml", c.Reports[1].FileName)

	c, err = Parse(strings.NewReader(minimal+"[[reports]]\nname = \"i\"\nformat = \"mt942\"\n[[reports]]\nname = \"j\"\nformat = \"camt.052\"\n"), "config.toml")
	require.NoError(t, err)
	day := D(24 * time.Hour)
	assert.Equal(t, Report{Name: "i", Format: "mt942", Encoding: "ascii", LineEnding: "crlf", FileName: "{account}_{date}_{seq}.sta", Interval: D(15 * time.Minute), Backfill: &day}, c.Reports[0])
	assert.Equal(t, "camt.052.001.02", c.Reports[1].Version)
	assert.Equal(t, D(15*time.Minute), c.Reports[1].Interval)

	// "0s" is kept: no replay, not the default.
	c, err = Parse(strings.NewReader(minimal+"[[reports]]\nname = \"i\"\nformat = \"mt942\"\nbackfill = \"0s\"\n"), "config.toml")
	require.NoError(t, err)
	require.NotNil(t, c.Reports[0].Backfill)
	assert.Zero(t, c.Reports[0].Backfill.Duration)
}
