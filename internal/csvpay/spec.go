package csvpay

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Spec is a layout as an operator writes it (a [csv_profiles.NAME] table):
// strings for characters, a date format by name, columns by header name or
// position. The caller maps its configuration to it, so this package does
// not know the config file.
type Spec struct {
	Delimiter, Decimal, Thousands string
	DateFormat, Encoding          string
	Header                        *bool   // nil: true
	Quote                         *string // nil: `"`; "" or "none": no quoting
	SkipRows                      int
	// Columns maps our column names to the file's header name (string) or
	// 1-based position (int or int64).
	Columns map[string]any
}

// ProfileFromSpec builds a profile from a spec. Errors name the key as the
// operator wrote it: `csv_profiles.NAME.delimiter: ...`.
//
// Unset keys take DefaultProfile's values. The config's own validation
// checks the same rules with file and line; this check is for profiles that
// did not come through it.
func ProfileFromSpec(name string, c Spec) (Profile, error) {
	p := DefaultProfile()
	p.Name = name
	key := func(k string) string { return "csv_profiles." + name + "." + k }

	var err error
	if p.Delimiter, err = oneRune(c.Delimiter, p.Delimiter, map[string]rune{`\t`: '\t', "tab": '\t'}); err != nil {
		return Profile{}, fmt.Errorf("%s: %w", key("delimiter"), err)
	}
	if p.Decimal, err = oneRune(c.Decimal, p.Decimal, nil); err != nil {
		return Profile{}, fmt.Errorf("%s: %w", key("decimal"), err)
	}
	if p.Thousands, err = oneRune(c.Thousands, 0, nil); err != nil {
		return Profile{}, fmt.Errorf("%s: %w", key("thousands"), err)
	}
	if c.Quote != nil {
		if p.Quote, err = oneRune(*c.Quote, 0, map[string]rune{"none": 0}); err != nil {
			return Profile{}, fmt.Errorf("%s: %w", key("quote"), err)
		}
	}
	if c.DateFormat != "" {
		p.DateFormat = strings.ToUpper(c.DateFormat)
	}
	if c.Encoding != "" {
		canon, ok := encodings[strings.ToLower(c.Encoding)]
		if !ok {
			return Profile{}, fmt.Errorf(`%s: must be "utf-8", "utf-8-bom", "windows-1252", "iso-8859-1" or "iso-8859-15" (got %q)`, key("encoding"), c.Encoding)
		}
		p.Encoding = canon
	}
	if c.Header != nil {
		p.Header = *c.Header
	}
	p.SkipRows = c.SkipRows

	for _, ours := range sortedKeys(c.Columns) {
		switch v := c.Columns[ours].(type) {
		case string:
			if p.Columns == nil {
				p.Columns = map[string]string{}
			}
			p.Columns[ours] = v
		case int64:
			if p.Positions == nil {
				p.Positions = map[string]int{}
			}
			p.Positions[ours] = int(v)
		case int:
			if p.Positions == nil {
				p.Positions = map[string]int{}
			}
			p.Positions[ours] = v
		default:
			return Profile{}, fmt.Errorf("%s: must be a header name (string) or a 1-based position (integer) (got %v)", key("columns."+ours), v)
		}
	}
	if err := p.validate(); err != nil {
		return Profile{}, fmt.Errorf("csv_profiles.%s.%w", name, err)
	}
	return p, nil
}

// oneRune reads a one-character setting: "" means def, aliases name the
// characters that are awkward to write in TOML.
func oneRune(s string, def rune, aliases map[string]rune) (rune, error) {
	if s == "" {
		return def, nil
	}
	if r, ok := aliases[strings.ToLower(s)]; ok {
		return r, nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) {
		return 0, fmt.Errorf("must be a single character (got %q)", s)
	}
	return r, nil
}
