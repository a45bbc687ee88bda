package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// atlarDoc is a valid config up to an [atlar] table whose body starts on
// line 6.
func atlarDoc(body string) string {
	return "version = 1\n[[routes]]\nname = \"payables\"\nformat = \"csv\"\n[atlar]\n" + body
}

// validateCase is a document and every error it must produce, in order.
type validateCase struct {
	name string
	doc  string
	want []string
}

func runValidateCases(t *testing.T, tests []validateCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.doc)
			if tt.want == nil {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			assert.Nil(t, c)
			assert.Equal(t, tt.want, errorLines(t, err))
		})
	}
}

func TestConfig_Validate_TopLevel(t *testing.T) {
	runValidateCases(t, []validateCase{
		{name: "Minimal", doc: minimal},
		{
			name: "VersionMissing",
			doc:  minimal[len("version = 1\n"):],
			want: []string{`config.toml: version: required: add version = 1 at the top of the file`},
		},
		{
			name: "VersionTwo",
			doc:  "version = 2\n" + minimal[len("version = 1\n"):],
			want: []string{`config.toml:1: version: must be 1 (got 2)`},
		},
		{
			name: "Empty",
			doc:  "",
			want: []string{
				`config.toml: version: required: add version = 1 at the top of the file`,
				`config.toml: atlar.access_key: required`,
				`config.toml: atlar.secret_env: one of atlar.secret_env or atlar.secret_file is required`,
				`config.toml: routes: at least one [[routes]] is required`,
			},
		},
		{
			name: "StorageRootEmpty",
			doc:  minimal + "[storage]\nroot = \" \"\n",
			want: []string{`config.toml:9: storage.root: required`},
		},
		{
			name: "Watch",
			doc:  minimal + "[watch]\nsettle = \"-1s\"\nrescan = \"0s\"\n",
			want: []string{
				`config.toml:9: watch.settle: must be >= 0 (got "-1s")`,
				`config.toml:10: watch.rescan: must be > 0 (got "0s")`,
			},
		},
		{name: "WatchSettleZero", doc: minimal + "[watch]\nsettle = \"0s\"\n"},
		{
			name: "Statements",
			doc: minimal + `[statements]
format = "camt.053.001.09"
poll_interval = "0s"
backfill = "-1h"
connections = ["", "c1", "c1"]
`,
			want: []string{
				`config.toml:9: statements.format: must be one of "camt.053.001.02", "camt.053.001.03", "camt.053.001.04", "camt.053.001.08" (got "camt.053.001.09")`,
				`config.toml:10: statements.poll_interval: must be > 0 (got "0s")`,
				`config.toml:11: statements.backfill: must be >= 0 (got "-1h")`,
				`config.toml:12: statements.connections[0]: must not be empty`,
				`config.toml:12: statements.connections[2]: "c1" is listed twice`,
			},
		},
		{
			name: "Results",
			doc:  minimal + "[results]\npoll_interval = \"10s\"\nmax_poll = \"5s\"\nmax_wait = \"0s\"\n",
			want: []string{
				`config.toml:10: results.max_poll: must be >= results.poll_interval "10s" (got "5s")`,
				`config.toml:11: results.max_wait: must be > 0 (got "0s")`,
			},
		},
		{
			name: "Housekeeping",
			doc: minimal + `[outbox]
retention = "-1h"
[archive]
retention = "0s"
[inbound]
workers = 0
[alerts]
stuck_after = "0s"
statement_gap = "0s"
`,
			want: []string{
				`config.toml:9: outbox.retention: must be >= 0 (got "-1h")`,
				`config.toml:13: inbound.workers: must be > 0 (got 0)`,
				`config.toml:15: alerts.stuck_after: must be > 0 (got "0s")`,
				`config.toml:16: alerts.statement_gap: must be > 0 (got "0s")`,
			},
		},
		{
			name: "ParsingLimits",
			doc:  minimal + "[inbound]\nparse_budget = \"0\"\nmax_csv_line = \"0\"\nmax_csv_fields = 0\nmax_xml_text = \"0\"\n",
			want: []string{
				`config.toml:9: inbound.parse_budget: must be > 0 (got "0")`,
				`config.toml:10: inbound.max_csv_line: must be > 0 (got "0")`,
				`config.toml:11: inbound.max_csv_fields: must be > 0 (got 0)`,
				`config.toml:12: inbound.max_xml_text: must be > 0 (got "0")`,
			},
		},
		{name: "ParsingLimitsSet", doc: minimal + "[inbound]\nparse_budget = \"1GiB\"\nmax_csv_line = \"64KiB\"\nmax_csv_fields = 200\nmax_xml_text = \"16KiB\"\n"},
		{
			name: "HTTPListen",
			doc:  minimal + "[http]\nlisten = \"9120\"\n",
			want: []string{`config.toml:9: http.listen: must be host:port like "127.0.0.1:9120" (got "9120")`},
		},
		{name: "HTTPListenAllInterfaces", doc: minimal + "[http]\nlisten = \":9120\"\n"},
		{
			name: "Log",
			doc:  minimal + "[log]\nlevel = \"verbose\"\nformat = \"xml\"\n",
			want: []string{
				`config.toml:9: log.level: must be one of "debug", "info", "warn", "error" (got "verbose")`,
				`config.toml:10: log.format: must be one of "auto", "text", "json" (got "xml")`,
			},
		},
		{name: "LogCaseAndAlias", doc: minimal + "[log]\nlevel = \"WARNING\"\nformat = \"JSON\"\n"},
	})
}

func TestConfig_Validate_Atlar(t *testing.T) {
	runValidateCases(t, []validateCase{
		{name: "Valid", doc: atlarDoc("access_key = \"AK\"\nsecret_file = \"/run/secret\"\nauth = \"BASIC\"\n")},
		{
			name: "BaseURLScheme",
			doc:  atlarDoc("access_key = \"AK\"\nsecret_env = \"S\"\nbase_url = \"ftp://api.atlar.com\"\n"),
			want: []string{`config.toml:8: atlar.base_url: must be an http(s) URL like "https://api.atlar.com" (got "ftp://api.atlar.com")`},
		},
		{
			name: "BaseURLNoHost",
			doc:  atlarDoc("access_key = \"AK\"\nsecret_env = \"S\"\nbase_url = \"https://\"\n"),
			want: []string{`config.toml:8: atlar.base_url: must be an http(s) URL like "https://api.atlar.com" (got "https:")`},
		},
		{
			name: "BaseURLCredentials",
			doc:  atlarDoc("access_key = \"AK\"\nsecret_env = \"S\"\nbase_url = \"https://ak:hunter2@api.atlar.com\"\n"),
			want: []string{`config.toml:8: atlar.base_url: must not contain credentials: use access_key and secret_env or secret_file`},
		},
		{
			name: "AccessKeyMissing",
			doc:  atlarDoc("secret_env = \"S\"\n"),
			want: []string{`config.toml:5: atlar.access_key: required`},
		},
		{
			name: "NoSecret",
			doc:  atlarDoc("access_key = \"AK\"\n"),
			want: []string{`config.toml:5: atlar.secret_env: one of atlar.secret_env or atlar.secret_file is required`},
		},
		{
			name: "BothSecrets",
			doc:  atlarDoc("access_key = \"AK\"\nsecret_env = \"S\"\nsecret_file = \"/run/secret\"\n"),
			want: []string{`config.toml:8: atlar.secret_file: set only one of atlar.secret_env and atlar.secret_file`},
		},
		{
			// A secret pasted into secret_env must not be echoed back.
			name: "SecretInSecretEnv",
			doc:  atlarDoc("access_key = \"AK\"\nsecret_env = \"sk/hunter2+x\"\n"),
			want: []string{`config.toml:7: atlar.secret_env: must be the name of an environment variable (letters, digits, _), not the secret itself`},
		},
		{
			name: "Auth",
			doc:  atlarDoc("access_key = \"AK\"\nsecret_env = \"S\"\nauth = \"token\"\n"),
			want: []string{`config.toml:8: atlar.auth: must be "oauth2" or "basic" (got "token")`},
		},
		{
			name: "Limits",
			doc:  atlarDoc("access_key = \"AK\"\nsecret_env = \"S\"\ntimeout = \"0s\"\nmax_retries = -1\naccounts_refresh = \"-1m\"\n"),
			want: []string{
				`config.toml:8: atlar.timeout: must be > 0 (got "0s")`,
				`config.toml:9: atlar.max_retries: must be >= 0 (got -1)`,
				`config.toml:10: atlar.accounts_refresh: must be > 0 (got "-1m")`,
			},
		},
	})
}

// TestConfig_Validate_Code checks a Config built in code rather than
// parsed: errors name keys without a file or line.
func TestConfig_Validate_Code(t *testing.T) {
	c := Default()
	c.Version = 1
	c.Atlar.AccessKey = "AK"
	c.Atlar.SecretEnv = "ATLAR_SECRET"
	c.Routes = []Route{{Name: "payables", Format: FormatCSV}}
	c.normalise()
	require.NoError(t, c.Validate())

	c.Statements.PollInterval = D(0)
	err := c.Validate()
	assert.EqualError(t, err, `statements.poll_interval: must be > 0 (got "0s")`)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "statements.poll_interval", ce.Key)
	assert.Zero(t, ce.Line)
}
