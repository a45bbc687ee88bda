package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{
			name: "UnknownTopLevelKey",
			doc:  "bogus = 1\n" + minimal,
			want: []string{`config.toml:1: unknown key "bogus"`},
		},
		{
			name: "UnknownNestedKey",
			doc:  "version = 1\n[atlar]\nsecret = \"x\"\n",
			want: []string{`config.toml:3: unknown key "atlar.secret"`},
		},
		{
			name: "UnknownDottedKey",
			doc:  "version = 1\natlar.secret = \"x\"\n",
			want: []string{`config.toml:2: unknown key "atlar.secret"`},
		},
		{
			name: "UnknownKeysInRoutesAll",
			doc:  minimal + "foo = 1\n[[routes]]\nname = \"b\"\nformats = \"csv\"\n[routes.extra]\n[nope]\n",
			want: []string{
				`config.toml:8: unknown key "routes[0].foo"`,
				`config.toml:11: unknown key "routes[1].formats"`,
				`config.toml:12: unknown key "routes[1].extra"`,
				`config.toml:13: unknown key "nope"`,
			},
		},
		{
			name: "UnknownKeyInSFTPUser",
			doc:  minimal + "[[sftp.users]]\nname = \"erp\"\npassword = \"hunter2\"\n",
			want: []string{`config.toml:10: unknown key "sftp.users[0].password"`},
		},
		{
			name: "UnknownKeyInProfile",
			doc:  minimal + "[csv_profiles.sap]\ndelimiter = \";\"\nseparator = \";\"\n",
			want: []string{`config.toml:10: unknown key "csv_profiles.sap.separator"`},
		},
		{
			name: "TypeVersion",
			doc:  "version = \"1\"\n",
			want: []string{`config.toml:1: version: must be an integer (got "1")`},
		},
		{
			name: "TypeInRoute",
			doc:  minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\nreject_in_band = \"yes\"\n",
			want: []string{`config.toml:11: routes[1].reject_in_band: must be true or false (got "yes")`},
		},
		{
			name: "TypeList",
			doc:  minimal + "results = \"csv\"\n",
			want: []string{`config.toml:8: routes[0].results: must be a list of strings (got "csv")`},
		},
		{
			name: "TypeTableAsValue",
			doc:  "version = 1\natlar = \"https://api.atlar.com\"\n",
			want: []string{`config.toml:2: atlar: must be a table (got "https://api.atlar.com")`},
		},
		{
			name: "TypeArrayForInt",
			doc:  "version = [1]\n",
			want: []string{`config.toml:1: version: must be an integer (got an array)`},
		},
		{
			name: "DurationBareNumber",
			doc:  "version = 1\n[statements]\npoll_interval = 300\n",
			want: []string{`config.toml:3: statements.poll_interval: must be a duration like "30s", "5m", "168h" or "90d" (got 300)`},
		},
		{
			name: "DurationBad",
			doc:  "version = 1\n[statements]\npoll_interval = \"5 minutes\"\n",
			want: []string{`config.toml:3: statements.poll_interval: must be a duration like "30s", "5m", "168h" or "90d" (got "5 minutes")`},
		},
		{
			name: "SizeBad",
			doc:  minimal + "max_file_size = \"lots\"\n",
			want: []string{`config.toml:8: routes[0].max_file_size: must be a size like "256MiB", "50MB" or "1024" (got "lots")`},
		},
		{
			name: "Syntax",
			doc:  "version = 1\n[atlar\n",
			want: []string{`config.toml:2: invalid TOML: expected ']' to close table name`},
		},
		{
			name: "DuplicateKey",
			doc:  "version = 1\nversion = 1\n",
			want: []string{`config.toml:2: invalid TOML: key version is already defined`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.doc)
			assert.Nil(t, c)
			assert.Equal(t, tt.want, errorLines(t, err))
			var ce *Error
			assert.True(t, errors.As(err, &ce), "errors.As *Error")
		})
	}
}

func TestParse_Defaults(t *testing.T) {
	c, err := parse(t, minimal+"[[routes]]\nname = \"sepa\"\nformat = \"pain001\"\nconnection_id = \"auto\"\n")
	require.NoError(t, err)

	want := Default()
	assert.Equal(t, want.Atlar.BaseURL, c.Atlar.BaseURL)
	assert.Equal(t, want.Statements, c.Statements)
	assert.Equal(t, want.Results, c.Results)
	assert.Equal(t, 16, c.Inbound.Workers)
	assert.Equal(t, Inbound{Workers: 16, ParseBudget: 256 << 20, MaxCSVLine: 1 << 20, MaxCSVFields: 1000, MaxXMLText: 1 << 20}, c.Inbound)
	assert.Equal(t, "./data", c.Storage.Root, "Parse leaves paths as written")
	assert.Equal(t, filepath.Join("data", "hostkeys"), c.SFTP.HostKeyDir)
	assert.False(t, c.SFTP.Enabled)
	assert.Equal(t, "config.toml", c.File)
	assert.Empty(t, c.Secret, "Parse does not read secrets")

	csv, sepa := c.Routes[0], c.Routes[1]
	assert.Empty(t, csv.Mode, "mode is only for pain001")
	assert.Equal(t, ModeInstruction, sepa.Mode)
	for _, r := range []Route{csv, sepa} {
		assert.Equal(t, ValidateStrict, r.Validate, r.Name)
		assert.Equal(t, TreatmentIndividual, r.Treatment, r.Name)
		assert.Equal(t, []string{ResultPain002, ResultCSV}, r.Results, r.Name)
		assert.Equal(t, Pain002V10, r.Pain002Version, r.Name)
		assert.Equal(t, 90*24*time.Hour, r.DedupeWindow.Duration, r.Name)
		assert.Equal(t, Size(256<<20), r.MaxFileSize, r.Name)
	}
}

func TestParse_Normalise(t *testing.T) {
	doc := `version = 1
[atlar]
base_url = " https://api.example.test/ "
access_key = "  AK  "
secret_env = "ATLAR_SECRET"
auth = "Basic"
[sftp]
host_key_dir = "/var/lib/keys"
[[sftp.users]]
name = " erp "
allow_from = ["192.0.2.7", "2001:db8::1"]
[[routes]]
name = " sepa "
format = " Pain001 "
mode = "TRANSFERS"
validate = "WellFormed"
scheme = "sct_inst"
treatment = "batch"
results = ["PAIN002"]
pain002_version = "PAIN.002.001.03"
done_marker = " .done "
[csv_profiles.sap]
delimiter = "tab"
encoding = "CP1252"
date_format = "dd.mm.yyyy"
columns = { Amount = " Betrag ", CURRENCY = 4 }
[statements]
format = "CAMT.053.001.08"
[log]
level = "Warning"
`
	c, err := parse(t, doc)
	require.NoError(t, err)
	assert.Equal(t, "https://api.example.test", c.Atlar.BaseURL)
	assert.Equal(t, "AK", c.Atlar.AccessKey)
	assert.Equal(t, AuthBasic, c.Atlar.Auth)
	assert.Equal(t, "/var/lib/keys", c.SFTP.HostKeyDir)
	assert.Equal(t, "erp", c.SFTP.Users[0].Name)
	assert.Equal(t, []string{"192.0.2.7/32", "2001:db8::1/128"}, c.SFTP.Users[0].AllowFrom)
	r := c.Routes[0]
	assert.Equal(t, Route{
		Name: "sepa", Format: FormatPain001, Mode: ModeTransfers, Validate: ValidateWellformed,
		Scheme: "SCT_INST", Treatment: TreatmentBatch, Results: []string{ResultPain002},
		Pain002Version: Pain002V03, DoneMarker: ".done", ResultCSVFormulas: FormulasEscape,
		DedupeWindow: D(DefaultDedupeWindow), MaxFileSize: DefaultMaxFileSize,
	}, r)
	p := c.CSVProfile["sap"]
	assert.Equal(t, "\t", p.Delimiter)
	assert.Equal(t, EncodingWin1252, p.Encoding)
	assert.Equal(t, "DD.MM.YYYY", p.DateFormat)
	assert.Equal(t, map[string]any{"amount": "Betrag", "currency": 4}, p.Columns)
	assert.True(t, p.HasHeader())
	assert.Equal(t, `"`, p.QuoteChar())
	require.NotNil(t, p.Header)
	require.NotNil(t, p.Quote)
	assert.Equal(t, Camt053V08, c.Statements.Format)
	assert.Equal(t, LogWarn, c.Log.Level)
}

func TestParse_Durations(t *testing.T) {
	c, err := parse(t, minimal+"dedupe_window = \"30d\"\n[statements]\nbackfill = \"14d\"\n[results]\nmax_wait = \"1d12h\"\n[outbox]\nretention = \"0s\"\n")
	require.NoError(t, err)
	assert.Equal(t, 30*24*time.Hour, c.Routes[0].DedupeWindow.Duration)
	assert.Equal(t, 14*24*time.Hour, c.Statements.Backfill.Duration)
	assert.Equal(t, 36*time.Hour, c.Results.MaxWait.Duration)
	assert.Zero(t, c.Outbox.Retention.Duration, "0 keeps outbox files forever")
}

func TestParse_NamelessReader(t *testing.T) {
	_, err := Parse(strings.NewReader(minimal+"[statements]\npoll_interval = \"0s\"\n"), "")
	assert.EqualError(t, err, `line 9: statements.poll_interval: must be > 0 (got "0s")`)
}

func TestParse_ByteOrderMark(t *testing.T) {
	c, err := parse(t, "\ufeff"+minimal)
	require.NoError(t, err)
	assert.Equal(t, 1, c.Version)
}
