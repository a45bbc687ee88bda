package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
)

// normalise trims strings, folds the case of enums, resolves aliases and
// fills per-route and per-profile defaults, so that Validate and every
// consumer see one spelling of each value.
func (c *Config) normalise() {
	a := &c.Atlar
	a.BaseURL = strings.TrimRight(strings.TrimSpace(a.BaseURL), "/")
	a.AccessKey = strings.TrimSpace(a.AccessKey)
	a.SecretEnv = strings.TrimSpace(a.SecretEnv)
	a.SecretFile = strings.TrimSpace(a.SecretFile)
	a.Auth = lower(a.Auth)

	c.Storage.Root = strings.TrimSpace(c.Storage.Root)

	c.normaliseSFTP()
	for i := range c.Routes {
		c.normaliseRoute(i)
	}
	for name, p := range c.CSVProfile {
		p.normalise()
		c.CSVProfile[name] = p
	}

	c.Statements.Format = lower(c.Statements.Format)
	c.normaliseReports()
	trimAll(c.Statements.Connections)
	c.HTTP.Listen = strings.TrimSpace(c.HTTP.Listen)
	c.normaliseAlerts()
	c.Log.Level = lower(c.Log.Level)
	if c.Log.Level == "warning" {
		c.Log.Level = LogWarn
	}
	c.Log.Format = lower(c.Log.Format)
	c.Log.File = strings.TrimSpace(c.Log.File)
}

func (c *Config) normaliseSFTP() {
	s := &c.SFTP
	s.Listen = strings.TrimSpace(s.Listen)
	s.HostKeyDir = strings.TrimSpace(s.HostKeyDir)
	if s.HostKeyDir == "" && c.Storage.Root != "" {
		s.HostKeyDir = filepath.Join(c.Storage.Root, "hostkeys")
	}
	trimAll(s.LegacyAlgorithms)
	if s.ClientTempMaxAge.Duration == 0 && !c.has("sftp.client_temp_max_age") {
		s.ClientTempMaxAge = D(DefaultClientTempMaxAge)
	}
	for i := range s.Users {
		u := &s.Users[i]
		u.Name = strings.TrimSpace(u.Name)
		trimAll(u.AuthorizedKeys)
		u.AuthorizedKeysFile = strings.TrimSpace(u.AuthorizedKeysFile)
		u.PasswordHash = strings.TrimSpace(u.PasswordHash)
		trimAll(u.Routes)
		trimAll(u.AllowFrom)
		trimAll(u.Reports)
		trimAll(u.Accounts)
		for j, cidr := range u.AllowFrom {
			// A single address is a common way to write "only this host".
			if addr, err := netip.ParseAddr(cidr); err == nil {
				u.AllowFrom[j] = netip.PrefixFrom(addr, addr.BitLen()).String()
			}
		}
	}
}

func (c *Config) normaliseRoute(i int) {
	r := &c.Routes[i]
	key := func(k string) string { return fmt.Sprintf("routes[%d].%s", i, k) }
	r.Name = strings.TrimSpace(r.Name)
	r.Format = lower(r.Format)
	r.Mode = lower(r.Mode)
	if r.Mode == "" && r.Format == FormatPain001 {
		r.Mode = DefaultMode
	}
	r.ConnectionID = strings.TrimSpace(r.ConnectionID)
	if strings.EqualFold(r.ConnectionID, ConnectionAuto) {
		r.ConnectionID = ConnectionAuto
	}
	r.Kind = lower(r.Kind)
	if r.Kind == "" && r.Format == FormatCSV {
		r.Kind = DefaultKind
	}
	r.CreditorID = strings.ToUpper(strings.TrimSpace(r.CreditorID))
	r.CreditorAccountID = strings.TrimSpace(r.CreditorAccountID)
	r.Validate = lower(r.Validate)
	if r.Validate == "" {
		r.Validate = DefaultValidate
	}
	r.SourceAccountID = strings.TrimSpace(r.SourceAccountID)
	r.Scheme = strings.ToUpper(strings.TrimSpace(r.Scheme))
	r.Treatment = strings.ToUpper(strings.TrimSpace(r.Treatment))
	if r.Treatment == "" {
		r.Treatment = DefaultTreatment
	}
	r.CSVProfile = strings.TrimSpace(r.CSVProfile)
	if strings.EqualFold(r.CSVProfile, ProfileAtlar) {
		r.CSVProfile = ProfileAtlar
	}
	r.DoneMarker = strings.TrimSpace(r.DoneMarker)
	// An explicit results = [] means "write none"; only an absent key
	// gets the default.
	if r.Results == nil && !c.has(key("results")) {
		r.Results = slices.Clone(DefaultResults)
	}
	for j, v := range r.Results {
		r.Results[j] = lower(v)
	}
	r.Pain002Version = lower(r.Pain002Version)
	if r.Pain002Version == "" {
		r.Pain002Version = DefaultPain002Version
	}
	r.ResultCSVFormulas = lower(r.ResultCSVFormulas)
	if r.ResultCSVFormulas == "" {
		r.ResultCSVFormulas = FormulasEscape
	}
	// A written 0 stays 0 so that Validate rejects it rather than quietly
	// turning "no dedupe" into 90 days.
	if r.DedupeWindow.Duration == 0 && !c.has(key("dedupe_window")) {
		r.DedupeWindow = D(DefaultDedupeWindow)
	}
	if r.MaxFileSize == 0 && !c.has(key("max_file_size")) {
		r.MaxFileSize = DefaultMaxFileSize
	}
}

// normalise fills a profile's defaults and folds spellings.
func (p *CSVProfile) normalise() {
	switch d := p.Delimiter; {
	case strings.EqualFold(d, "tab"), d == `\t`:
		p.Delimiter = "\t"
	case strings.TrimSpace(d) != "" && strings.TrimSpace(d) != d:
		p.Delimiter = strings.TrimSpace(d) // " ; " is a typo for ";", but " " alone is not trimmed away
	}
	p.Decimal = strings.TrimSpace(p.Decimal)
	p.DateFormat = strings.ToUpper(strings.TrimSpace(p.DateFormat))
	p.Encoding = lower(p.Encoding)
	if canon, ok := encodingAliases[p.Encoding]; ok {
		p.Encoding = canon
	}
	cols := make(map[string]any, len(p.Columns))
	for k, v := range p.Columns {
		switch x := v.(type) {
		case string:
			v = strings.TrimSpace(x)
		case int64:
			v = int(x)
		}
		cols[lower(k)] = v
	}
	if p.Columns != nil {
		p.Columns = cols
	}
	p.applyDefaults()
}

// applyDefaults fills what a profile left unset.
func (p *CSVProfile) applyDefaults() {
	if p.Delimiter == "" {
		p.Delimiter = DefaultDelimiter
	}
	if p.Decimal == "" {
		p.Decimal = DefaultDecimal
	}
	if p.DateFormat == "" {
		p.DateFormat = DefaultDate
	}
	if p.Encoding == "" {
		p.Encoding = EncodingUTF8
	}
	if p.Header == nil {
		t := true
		p.Header = &t
	}
	if p.Quote == nil {
		q := DefaultQuote
		p.Quote = &q
	}
}

// has reports whether key is written in the parsed file.
func (c *Config) has(key string) bool {
	if c.keys == nil {
		return false
	}
	_, ok := c.keys.lines[key]
	return ok
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func trimAll(ss []string) {
	for i, s := range ss {
		ss[i] = strings.TrimSpace(s)
	}
}
