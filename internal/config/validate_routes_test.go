package config

import "testing"

func TestConfig_Validate_Routes(t *testing.T) {
	runValidateCases(t, []validateCase{
		{
			name: "Format",
			doc:  minimal + "[[routes]]\nname = \"sepa\"\nformat = \"xml\"\n",
			want: []string{`config.toml:10: routes[1].format: must be one of "csv", "pain001", "pain008" (got "xml")`},
		},
		{
			name: "FormatMissing",
			doc:  minimal + "[[routes]]\nname = \"sepa\"\n",
			want: []string{`config.toml:8: routes[1].format: must be one of "csv", "pain001", "pain008" (got "")`},
		},
		{
			name: "DuplicateName",
			doc:  minimal + "[[routes]]\nname = \"Payables\"\nformat = \"csv\"\n",
			want: []string{`config.toml:9: routes[1].name: duplicate route name "Payables" (also routes[0])`},
		},
		{
			name: "NameMissing",
			doc:  minimal + "[[routes]]\nformat = \"csv\"\n",
			want: []string{`config.toml:8: routes[1].name: required`},
		},
		{
			name: "NamePath",
			doc:  minimal + "[[routes]]\nname = \"in/box\"\nformat = \"csv\"\n",
			want: []string{`config.toml:9: routes[1].name: must be 1-64 letters, digits, '.', '_' or '-' (got "in/box")`},
		},
		{
			name: "NameDotDot",
			doc:  minimal + "[[routes]]\nname = \"..\"\nformat = \"csv\"\n",
			want: []string{`config.toml:9: routes[1].name: must be 1-64 letters, digits, '.', '_' or '-' (got "..")`},
		},
		{name: "Pain001Instruction", doc: minimal + "[[routes]]\nname = \"sepa\"\nformat = \"PAIN001\"\nconnection_id = \"AUTO\"\n"},
		{name: "Pain001Transfers", doc: minimal + "[[routes]]\nname = \"sepa\"\nformat = \"pain001\"\nmode = \"transfers\"\nscheme = \"sct_inst\"\ntreatment = \"batch\"\n"},
		{
			name: "Pain001ConnectionMissing",
			doc:  minimal + "[[routes]]\nname = \"sepa\"\nformat = \"pain001\"\n",
			want: []string{`config.toml:8: routes[1].connection_id: required for mode = "instruction": "auto" or a connection id`},
		},
		{
			name: "Pain001Mode",
			doc:  minimal + "[[routes]]\nname = \"sepa\"\nformat = \"pain001\"\nmode = \"push\"\n",
			want: []string{`config.toml:11: routes[1].mode: must be "instruction" or "transfers" (got "push")`},
		},
		{
			name: "Pain001TransfersWithConnection",
			doc:  minimal + "[[routes]]\nname = \"sepa\"\nformat = \"pain001\"\nmode = \"transfers\"\nconnection_id = \"c1\"\n",
			want: []string{`config.toml:12: routes[1].connection_id: only for mode = "instruction" (got "c1")`},
		},
		{
			name: "Pain001CSVOptions",
			doc:  minimal + "[[routes]]\nname = \"sepa\"\nformat = \"pain001\"\nconnection_id = \"auto\"\nvalidate = \"lax\"\nsource_account_id = \"acc\"\ncsv_profile = \"atlar\"\n",
			want: []string{
				`config.toml:12: routes[1].validate: must be one of "strict", "wellformed", "none" (got "lax")`,
				`config.toml:13: routes[1].source_account_id: only for format = "csv": a pain.001 names its debtor account (got "acc")`,
				`config.toml:14: routes[1].csv_profile: only for format = "csv" (got "atlar")`,
			},
		},
		{
			name: "CSVPain001Options",
			doc:  minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\nmode = \"instruction\"\nconnection_id = \"auto\"\nvalidate = \"none\"\n",
			want: []string{
				`config.toml:11: routes[1].mode: only for format = "pain001" (got "instruction")`,
				`config.toml:12: routes[1].connection_id: only for format = "pain001" (got "auto")`,
				`config.toml:13: routes[1].validate: only for format = "pain001": CSV files are always fully checked (got "none")`,
			},
		},
		{
			name: "CSVProfileUnknown",
			doc:  minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\ncsv_profile = \"sap\"\n",
			want: []string{`config.toml:11: routes[1].csv_profile: must be "atlar" or the name of a [csv_profiles.<name>] table (got "sap")`},
		},
		{name: "CSVProfileAtlar", doc: minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\ncsv_profile = \"Atlar\"\n"},
		{name: "CSVProfileDefined", doc: minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\ncsv_profile = \"sap\"\n[csv_profiles.sap]\ndelimiter = \";\"\n"},
		{
			name: "SchemeTreatment",
			doc:  minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\nscheme = \"sct inst\"\ntreatment = \"single\"\n",
			want: []string{
				`config.toml:11: routes[1].scheme: must be an Atlar scheme such as "SCT" (got "SCT INST")`,
				`config.toml:12: routes[1].treatment: must be "INDIVIDUAL_PAYMENTS" or "BATCH" (got "SINGLE")`,
			},
		},
		{
			name: "Results",
			doc:  minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\nresults = [\"xml\", \"CSV\", \"csv\"]\npain002_version = \"pain.002.001.09\"\n",
			want: []string{
				`config.toml:11: routes[1].results[0]: must be "pain002" or "csv" (got "xml")`,
				`config.toml:11: routes[1].results[2]: "csv" is listed twice`,
				`config.toml:12: routes[1].pain002_version: must be "pain.002.001.10" or "pain.002.001.03" (got "pain.002.001.09")`,
			},
		},
		{name: "ResultsNone", doc: minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\nresults = []\n"},
		{
			name: "DoneMarker",
			doc:  minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\ndone_marker = \"done\"\n[[routes]]\nname = \"c\"\nformat = \"csv\"\ndone_marker = \"./x\"\n[[routes]]\nname = \"d\"\nformat = \"csv\"\ndone_marker = \".\"\n",
			want: []string{
				`config.toml:11: routes[1].done_marker: must start with "." and name no folder, like ".done" (got "done")`,
				`config.toml:15: routes[2].done_marker: must start with "." and name no folder, like ".done" (got "./x")`,
				`config.toml:19: routes[3].done_marker: must start with "." and name no folder, like ".done" (got ".")`,
			},
		},
		{
			// A written 0 is an error, not a silent 90 days.
			name: "ZeroWindowAndSize",
			doc:  minimal + "[[routes]]\nname = \"b\"\nformat = \"csv\"\ndedupe_window = \"0s\"\nmax_file_size = \"0\"\n[[routes]]\nname = \"c\"\nformat = \"csv\"\nmax_file_size = -5\n",
			want: []string{
				`config.toml:11: routes[1].dedupe_window: must be > 0 (got "0s")`,
				`config.toml:12: routes[1].max_file_size: must be > 0 (got "0")`,
				`config.toml:16: routes[2].max_file_size: must be > 0 (got "-5")`,
			},
		},
	})
}
