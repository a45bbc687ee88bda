package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary documents: it must never panic, and a
// config it accepts must validate again unchanged.
func FuzzParse(f *testing.F) {
	f.Add(minimal)
	f.Add("")
	f.Add("version = 1\n[[routes]]\nname = \"a\"\nformat = \"pain001\"\n[routes.x]\ny = [1, [2], {z = 3}]\n")
	f.Add("version = 1\n[csv_profiles.\"a.b\"]\ncolumns = { amount = 3, currency = \"C\" }\n")
	f.Add("version = 1\n[statements]\npoll_interval = 300\nbackfill = \"90d\"\n")
	f.Add("[[sftp.users]]\nauthorized_keys = [\"" + testKey + "\"]\n[sftp]\nenabled = true\n")
	if doc, err := os.ReadFile(filepath.Join("..", "..", "config.toml.example")); err == nil {
		f.Add(string(doc))
	}
	f.Fuzz(func(t *testing.T, doc string) {
		c, err := Parse(strings.NewReader(doc), "config.toml")
		if err != nil {
			if c != nil {
				t.Fatalf("config and error both returned: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted config does not validate again: %v", err)
		}
	})
}
