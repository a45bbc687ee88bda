package config

import "testing"

func TestConfig_Validate_CSVProfiles(t *testing.T) {
	runValidateCases(t, []validateCase{
		{name: "Tab", doc: minimal + "[csv_profiles.p]\ndelimiter = \"\\t\"\n[csv_profiles.q]\ndelimiter = \"tab\"\n"},
		{
			name: "Separators",
			doc:  minimal + "[csv_profiles.p]\ndelimiter = \"::\"\ndecimal = \";\"\nthousands = \"_\"\n",
			want: []string{
				`config.toml:9: csv_profiles.p.delimiter: must be one of ",", ";", "\t", "|" (got "::")`,
				`config.toml:10: csv_profiles.p.decimal: must be "." or "," (got ";")`,
				`config.toml:11: csv_profiles.p.thousands: must be one of "", ".", ",", " ", "'" (got "_")`,
			},
		},
		{
			name: "DecimalIsDelimiter",
			doc:  minimal + "[csv_profiles.p]\ndecimal = \",\"\n",
			want: []string{`config.toml:9: csv_profiles.p.decimal: must differ from delimiter (both ",")`},
		},
		{
			name: "ThousandsIsDecimal",
			doc:  minimal + "[csv_profiles.p]\ndelimiter = \";\"\ndecimal = \",\"\nthousands = \",\"\n",
			want: []string{`config.toml:11: csv_profiles.p.thousands: must differ from decimal (both ",")`},
		},
		{
			name: "ThousandsIsDelimiter",
			doc:  minimal + "[csv_profiles.p]\ndelimiter = \";\"\ndecimal = \",\"\nthousands = \";\"\n",
			want: []string{
				`config.toml:11: csv_profiles.p.thousands: must be one of "", ".", ",", " ", "'" (got ";")`,
				`config.toml:11: csv_profiles.p.thousands: must differ from delimiter (both ";")`,
			},
		},
		{name: "DateFormats", doc: minimal + "[csv_profiles.a]\ndate_format = \"dd.mm.yyyy\"\n[csv_profiles.b]\ndate_format = \"YYYYMMDD\"\n[csv_profiles.c]\ndate_format = \"MM/DD/YY\"\n"},
		{
			name: "DateFormat",
			doc:  minimal + "[csv_profiles.p]\ndate_format = \"YYYY-DD\"\n[csv_profiles.q]\ndate_format = \"DD.MM.YYYY HH:mm\"\n",
			want: []string{
				`config.toml:9: csv_profiles.p.date_format: must be YYYY, MM and DD in some order with optional . - / or space between, like "DD.MM.YYYY" (got "YYYY-DD")`,
				`config.toml:11: csv_profiles.q.date_format: must be YYYY, MM and DD in some order with optional . - / or space between, like "DD.MM.YYYY" (got "DD.MM.YYYY HH:MM")`,
			},
		},
		{name: "EncodingAliases", doc: minimal + "[csv_profiles.a]\nencoding = \"CP1252\"\n[csv_profiles.b]\nencoding = \"latin1\"\n[csv_profiles.c]\nencoding = \"UTF8\"\n"},
		{
			name: "Encoding",
			doc:  minimal + "[csv_profiles.p]\nencoding = \"ebcdic\"\n",
			want: []string{`config.toml:9: csv_profiles.p.encoding: must be one of "utf-8", "utf-8-bom", "windows-1252", "iso-8859-1", "iso-8859-15" (got "ebcdic")`},
		},
		{
			name: "QuoteSkipRows",
			doc:  minimal + "[csv_profiles.p]\nquote = \"''\"\nskip_rows = -1\n[csv_profiles.q]\nquote = \",\"\n",
			want: []string{
				`config.toml:9: csv_profiles.p.quote: must be one character other than the delimiter, or "" for none (got "''")`,
				`config.toml:10: csv_profiles.p.skip_rows: must be >= 0 (got -1)`,
				`config.toml:12: csv_profiles.q.quote: must be one character other than the delimiter, or "" for none (got ",")`,
			},
		},
		{name: "QuoteOff", doc: minimal + "[csv_profiles.p]\nquote = \"\"\n"},
		{
			name: "Columns",
			doc: minimal + `[csv_profiles.p]
[csv_profiles.p.columns]
amount = 0
currency = ""
iban = "IBAN"
reference = true
external_id = "Beleg"
creditor_name = "beleg"
`,
			want: []string{
				`config.toml:10: csv_profiles.p.columns.amount: must be a header name or a 1-based column position (got 0)`,
				`config.toml:11: csv_profiles.p.columns.currency: must be a header name or a 1-based column position (got "")`,
				`config.toml:12: csv_profiles.p.columns.iban: unknown column "iban" (known: external_id, source_account_id, source_iban, amount, currency, execution_date, external_account_id, creditor_name, creditor_iban, creditor_account_number, creditor_routing_number, creditor_sort_code, creditor_bic, creditor_country, creditor_address, creditor_city, creditor_postal_code, creditor_street, reference, scheme)`,
				`config.toml:13: csv_profiles.p.columns.reference: must be a header name or a 1-based column position (got true)`,
				`config.toml:14: csv_profiles.p.columns.external_id: same file column as columns.creditor_name (got Beleg)`,
			},
		},
		{
			name: "ColumnsHeaderless",
			doc:  minimal + "[csv_profiles.p]\nheader = false\ncolumns = { amount = 3, currency = \"Currency\" }\n",
			want: []string{`config.toml:10: csv_profiles.p.columns.currency: names a header ("Currency") but header = false: use a column position`},
		},
		{
			name: "ReservedName",
			doc:  minimal + "[csv_profiles.Atlar]\ndelimiter = \";\"\n",
			want: []string{`config.toml:8: csv_profiles.Atlar: the name "Atlar" is reserved for Atlar's own CSV layout; choose another`},
		},
	})
}
