package config

import (
	"fmt"
	"strings"
)

// Route returns the route called name.
func (c *Config) Route(name string) (*Route, bool) {
	for i := range c.Routes {
		if c.Routes[i].Name == name {
			return &c.Routes[i], true
		}
	}
	return nil, false
}

// RouteNames returns the route names in file order: the inbox folders to
// create and watch.
func (c *Config) RouteNames() []string {
	names := make([]string, len(c.Routes))
	for i, r := range c.Routes {
		names[i] = r.Name
	}
	return names
}

// SFTPUser returns the SFTP user called name.
func (c *Config) SFTPUser(name string) (*SFTPUser, bool) {
	for i := range c.SFTP.Users {
		if c.SFTP.Users[i].Name == name {
			return &c.SFTP.Users[i], true
		}
	}
	return nil, false
}

// CSVProfileFor returns the layout a CSV route's files are read with:
// its [csv_profiles.X] table, or the default layout. atlar reports
// csv_profile = "atlar" (Atlar's own batch CSV), whose layout is fixed and
// not described by a CSVProfile.
func (c *Config) CSVProfileFor(r *Route) (p CSVProfile, atlar bool) {
	switch r.CSVProfile {
	case "":
		return DefaultCSVProfile(), false
	case ProfileAtlar:
		return DefaultCSVProfile(), true
	}
	p, ok := c.CSVProfile[r.CSVProfile]
	if !ok { // Validate rejects this; never read with a half-empty profile
		return DefaultCSVProfile(), false
	}
	return p, false
}

// HasHeader reports whether the file starts with a header row (default true).
func (p CSVProfile) HasHeader() bool { return p.Header == nil || *p.Header }

// QuoteChar returns the quote character, "" when quoting is off (default `"`).
func (p CSVProfile) QuoteChar() string {
	if p.Quote == nil {
		return DefaultQuote
	}
	return *p.Quote
}

// String describes the config without the secret, so that a Config that
// ends up in a log line or %v cannot leak it.
func (c Config) String() string {
	secret := "unset"
	if c.Secret != "" {
		secret = "set"
	}
	file := c.File
	if file == "" {
		file = "(no file)"
	}
	return fmt.Sprintf("config %s: atlar %s, routes [%s], secret %s", file, c.Atlar.BaseURL, strings.Join(c.RouteNames(), " "), secret)
}

// GoString is String, so %#v does not leak the secret either.
func (c Config) GoString() string { return c.String() }
