package config

import (
	"strings"
	"testing"
)

func TestConfig_Validate_SFTP(t *testing.T) {
	const on = "[sftp]\nenabled = true\n" // lines 8-9
	user := "[[sftp.users]]\nname = \"erp\"\nauthorized_keys = [\"" + testKey + "\"]\n"
	runValidateCases(t, []validateCase{
		{name: "Valid", doc: minimal + on + user},
		{name: "PasswordOnly", doc: minimal + on + "[[sftp.users]]\nname = \"erp\"\npassword_hash = \"" + testHash + "\"\nallow_from = [\"10.0.0.0/8\", \"192.0.2.7\", \"2001:db8::/32\"]\nroutes = [\"payables\"]\n"},
		{name: "DisabledIsNotChecked", doc: minimal + "[sftp]\nlisten = \"nope\"\n[[sftp.users]]\nname = \"bad name\"\n"},
		{
			name: "NoUsers",
			doc:  minimal + on,
			want: []string{`config.toml:8: sftp.users: at least one [[sftp.users]] is required when sftp.enabled = true`},
		},
		{
			name: "Server",
			doc:  minimal + on + "listen = \"2222\"\nhost_key_dir = \"\"\nmax_sessions = 0\nmax_sessions_per_user = 0\nidle_timeout = \"0s\"\nmax_auth_tries = 0\nlogin_delay = \"-1s\"\nban_after = 0\nban_window = \"0s\"\nban_for = \"0s\"\nlegacy_algorithms = [\"diffie-hellman-group14-sha1\", \"rot13\"]\n" + user,
			want: []string{
				`config.toml:10: sftp.listen: must be host:port like "127.0.0.1:2222" (got "2222")`,
				`config.toml:12: sftp.max_sessions: must be > 0 (got 0)`,
				`config.toml:13: sftp.max_sessions_per_user: must be > 0 (got 0)`,
				`config.toml:14: sftp.idle_timeout: must be > 0 (got "0s")`,
				`config.toml:15: sftp.max_auth_tries: must be > 0 (got 0)`,
				`config.toml:16: sftp.login_delay: must be >= 0 (got "-1s")`,
				`config.toml:17: sftp.ban_after: must be > 0 (got 0)`,
				`config.toml:18: sftp.ban_window: must be > 0 (got "0s")`,
				`config.toml:19: sftp.ban_for: must be > 0 (got "0s")`,
				`config.toml:20: sftp.legacy_algorithms[1]: not an SSH algorithm this server implements (got "rot13")`,
			},
		},
		{
			name: "Startups",
			doc:  minimal + on + "login_grace_time = \"0s\"\nmax_startups = \"100:30:10\"\nmax_startups_per_address = 0\n" + user,
			want: []string{
				`config.toml:10: sftp.login_grace_time: must be > 0 (got "0s")`,
				`config.toml:11: sftp.max_startups: must be start:rate:full like "10:30:100" with start <= full and rate <= 100 (got "100:30:10")`,
				`config.toml:12: sftp.max_startups_per_address: must be > 0 (got 0)`,
			},
		},
		{
			name: "SessionsPerUser",
			doc:  minimal + on + "max_sessions = 4\nmax_sessions_per_user = 8\n" + user,
			want: []string{`config.toml:11: sftp.max_sessions_per_user: must be <= sftp.max_sessions 4 (got 8)`},
		},
		{
			name: "UserWithoutAuth",
			doc:  minimal + on + "[[sftp.users]]\nname = \"erp\"\n",
			want: []string{`config.toml:10: sftp.users[0]: needs authorized_keys, authorized_keys_file or password_hash to log in`},
		},
		{
			name: "UserNames",
			doc:  minimal + on + user + "[[sftp.users]]\nname = \"erp\"\nauthorized_keys_file = \"keys\"\n[[sftp.users]]\nname = \"e r p\"\nauthorized_keys_file = \"keys\"\n[[sftp.users]]\nauthorized_keys_file = \"keys\"\n",
			want: []string{
				`config.toml:14: sftp.users[1].name: duplicate user name "erp" (also sftp.users[0])`,
				`config.toml:17: sftp.users[2].name: must be 1-64 letters, digits, '.', '_', '@' or '-' (got "e r p")`,
				`config.toml:19: sftp.users[3].name: required`,
			},
		},
		{
			name: "UserFields",
			doc: minimal + on + `[[sftp.users]]
name = "erp"
authorized_keys = [
  "` + testKey + `",
  "ssh-ed25519 AAAA-not-base64 erp@host",
]
password_hash = "$1$plain-md5-secret"
routes = ["payables", "nope", "payables"]
allow_from = ["10.0.0.0/33", "any"]
`,
			want: []string{
				`config.toml:14: sftp.users[0].authorized_keys[1]: not an authorized_keys line like "ssh-ed25519 AAAA… erp@host": ssh: no key found; last parsing error for ignored line: illegal base64 data at input byte 3`,
				`config.toml:16: sftp.users[0].password_hash: must be a bcrypt hash ($2a$, $2b$ or $2y$) as printed by "bridge hash-password"`,
				`config.toml:17: sftp.users[0].routes[1]: no [[routes]] is named "nope"`,
				`config.toml:17: sftp.users[0].routes[2]: "payables" is listed twice`,
				`config.toml:18: sftp.users[0].allow_from[0]: must be a CIDR like "10.0.0.0/8" or an address (got "10.0.0.0/33")`,
				`config.toml:18: sftp.users[0].allow_from[1]: must be a CIDR like "10.0.0.0/8" or an address (got "any")`,
			},
		},
		{
			name: "OutboxGrants",
			doc:  minimal + on + "client_temp_max_age = \"0s\"\n" + user + "reports = [\"statements\", \"results\", \"../x\", \"statements\", \"mt940\"]\naccounts = [\"DE89370400440532013000\", \"a_b\"]\n",
			want: []string{
				`config.toml:10: sftp.client_temp_max_age: must be > 0 (got "0s")`,
				`config.toml:14: sftp.users[0].reports[1]: results are always shown, each user only its routes' (remove "results")`,
				`config.toml:14: sftp.users[0].reports[2]: must be "statements" or a [[reports]] name: letters, digits, '.', '_' or '-' (got "../x")`,
				`config.toml:14: sftp.users[0].reports[3]: "statements" is listed twice`,
				`config.toml:15: sftp.users[0].accounts[1]: must be an IBAN or an Atlar account id as statement file names start with (got "a_b")`,
			},
		},
	})
}

// An absent reports key grants every outbox folder, an empty one none:
// the server tells them apart by nil.
func TestConfig_SFTPUserReportsAbsentOrEmpty(t *testing.T) {
	const on = "[sftp]\nenabled = true\n"
	user := "[[sftp.users]]\nname = \"erp\"\nauthorized_keys = [\"" + testKey + "\"]\n"
	for _, tt := range []struct {
		name, extra string
		wantNil     bool
	}{
		{"Absent", "", true},
		{"Empty", "reports = []\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(minimal+on+user+tt.extra), "config.toml")
			if err != nil {
				t.Fatal(err)
			}
			if got := c.SFTP.Users[0].Reports == nil; got != tt.wantNil {
				t.Fatalf("reports nil = %v, want %v (%#v)", got, tt.wantNil, c.SFTP.Users[0].Reports)
			}
			if c.SFTP.ClientTempMaxAge.Duration != DefaultClientTempMaxAge {
				t.Fatalf("client_temp_max_age = %v, want the default", c.SFTP.ClientTempMaxAge)
			}
		})
	}
}
