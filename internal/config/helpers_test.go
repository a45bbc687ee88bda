package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// minimal is the smallest valid config; tests append to it, so its line
// count (7) fixes the line numbers in their expected errors.
const minimal = `version = 1
[atlar]
access_key = "AK_TEST"
secret_env = "ATLAR_SECRET"
[[routes]]
name = "payables"
format = "csv"
`

// testKey is an ed25519 authorized_keys line.
const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIpfhluPuZwnLtbeo+wGWlzzFPLzvCKhjBqlhEz+HG73 erp@erp-host"

// testHash is a bcrypt hash (cost 10) of "demo".
const testHash = "$2a$10$599hnqrSB3J4OEyngUIqvu2LC4MSx2hYbksFJ0.J0p5RmVwrilmwC"

// parse parses doc as config.toml.
func parse(t *testing.T, doc string) (*Config, error) {
	t.Helper()
	return Parse(strings.NewReader(doc), "config.toml")
}

// errorLines returns one line per problem in err.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	require.Error(t, err)
	return strings.Split(err.Error(), "\n")
}
