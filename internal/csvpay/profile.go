package csvpay

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Profile describes one CSV layout: how to split the bytes into records
// and which column holds what. The zero value is not useful; start from
// DefaultProfile, AtlarProfile or ProfileFromConfig.
type Profile struct {
	Name       string
	Delimiter  rune   // ',' default; ';', '\t', '|'
	Decimal    rune   // '.' default or ','
	Thousands  rune   // 0 none; '.', ',', ' ', '\'' or a no-break space
	DateFormat string // token layout: YYYY-MM-DD default; DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY, YYYYMMDD, DD-MM-YYYY; YY, M and D allowed
	Encoding   string // "utf-8" (BOM stripped if present), "windows-1252", "iso-8859-1", "iso-8859-15"
	Header     bool   // default true; without a header, Positions must map every used column
	Quote      rune   // '"' default; 0 = no quoting; any ASCII punctuation but the delimiter
	SkipRows   int    // physical lines skipped before the header
	// Columns maps our column name to the file's header name (matched
	// case-insensitively, trimmed). Columns not listed match their own name.
	Columns map[string]string
	// Positions maps our column name to a 1-based column position; it wins
	// over a header match.
	Positions map[string]int
	// Atlar selects Atlar's own batch CSV layout (dotted headers); Columns
	// and Positions then use Atlar's header names as "our" names.
	Atlar bool
	// MaxRecordBytes and MaxFields cap one record (0: the defaults). A
	// record is held whole, with a string per field, so without a cap a
	// file of one 250 MB line or of 10 M columns costs many times its size.
	MaxRecordBytes int
	MaxFields      int
}

// Default caps of one record: no payment row needs more than a few KB or
// a few dozen fields.
const (
	DefaultMaxRecordBytes = 1 << 20
	DefaultMaxFields      = 1000
)

// DefaultProfile is the layout of SPEC §3.3: UTF-8, comma-separated, a
// header row naming the columns, '.' decimals and ISO dates.
func DefaultProfile() Profile {
	return Profile{
		Name:       "default",
		Delimiter:  ',',
		Decimal:    '.',
		DateFormat: "YYYY-MM-DD",
		Encoding:   "utf-8",
		Header:     true,
		Quote:      '"',
	}
}

// AtlarProfile reads Atlar's own credit-transfer batch CSV (headers such as
// amount.currency, source.id, destination.type) plus our required
// externalId column.
func AtlarProfile() Profile {
	p := DefaultProfile()
	p.Name = "atlar"
	p.Atlar = true
	return p
}

// encodings maps the spellings config accepts to the encoding we decode.
// "utf-8-bom" reads like "utf-8": a byte order mark is stripped when
// present either way, and WriteResult keeps whatever the file had.
var encodings = map[string]string{
	"utf-8": "utf-8", "utf8": "utf-8",
	"utf-8-bom": "utf-8", "utf8-bom": "utf-8", "utf-8bom": "utf-8", "utf8bom": "utf-8",
	"windows-1252": "windows-1252", "cp1252": "windows-1252", "win1252": "windows-1252", "windows1252": "windows-1252",
	"iso-8859-1": "iso-8859-1", "iso8859-1": "iso-8859-1", "latin1": "iso-8859-1", "latin-1": "iso-8859-1",
	"iso-8859-15": "iso-8859-15", "iso8859-15": "iso-8859-15", "latin9": "iso-8859-15", "latin-9": "iso-8859-15",
}

// validate checks a profile and reports the first mistake with the name of
// the config key it comes from, so ProfileFromConfig and Parse say the same.
func (p Profile) validate() error {
	switch p.Delimiter {
	case ',', ';', '\t', '|':
	default:
		return fmt.Errorf(`delimiter: must be one of ",", ";", "\t", "|" (got %q)`, p.Delimiter)
	}
	if p.Decimal != '.' && p.Decimal != ',' {
		return fmt.Errorf(`decimal: must be "." or "," (got %q)`, p.Decimal)
	}
	if p.Decimal == p.Delimiter {
		return fmt.Errorf("decimal: must differ from delimiter (both %q)", p.Decimal)
	}
	switch p.Thousands {
	case 0, '.', ',', ' ', '\'', '\u00a0', '\u202f':
	default:
		return fmt.Errorf(`thousands: must be "", ".", ",", " " or "'" (got %q)`, p.Thousands)
	}
	if p.Thousands == p.Decimal {
		return fmt.Errorf("thousands: must differ from decimal (both %q)", p.Decimal)
	}
	if _, err := goDateLayout(p.DateFormat); err != nil {
		return fmt.Errorf("date_format: %w", err)
	}
	if _, ok := encodings[strings.ToLower(p.Encoding)]; !ok {
		return fmt.Errorf(`encoding: must be "utf-8", "utf-8-bom", "windows-1252", "iso-8859-1" or "iso-8859-15" (got %q)`, p.Encoding)
	}
	// The scanner works on bytes, so the quote must be one ASCII byte that
	// cannot also be data structure or a digit.
	if q := p.Quote; q != 0 && (q > 0x7e || q <= ' ' || q == p.Delimiter || isAlnum(byte(q))) {
		return fmt.Errorf(`quote: must be one ASCII punctuation character other than the delimiter, or "" for none (got %q)`, q)
	}
	if p.SkipRows < 0 {
		return fmt.Errorf("skip_rows: must be >= 0 (got %d)", p.SkipRows)
	}
	lay := p.layout()
	for _, name := range sortedKeys(p.Columns) {
		if lay.index(name) < 0 {
			return fmt.Errorf("columns.%s: unknown column; known: %s", name, strings.Join(lay.names, ", "))
		}
		if strings.TrimSpace(p.Columns[name]) == "" {
			return fmt.Errorf("columns.%s: header name is empty", name)
		}
	}
	for _, name := range sortedKeys(p.Positions) {
		if lay.index(name) < 0 {
			return fmt.Errorf("columns.%s: unknown column; known: %s", name, strings.Join(lay.names, ", "))
		}
		if p.Positions[name] < 1 {
			return fmt.Errorf("columns.%s: position must be >= 1 (got %d)", name, p.Positions[name])
		}
	}
	if !p.Header {
		var missing []string
		for _, name := range lay.needPositions {
			if _, ok := p.Positions[name]; !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("columns: without a header every used column needs a position; missing %s", strings.Join(missing, ", "))
		}
	}
	return nil
}

// goDateLayout turns a token layout (YYYY, YY, MM, M, DD, D and the
// separators . - / and space) into a Go time layout. Each of year, month
// and day must appear exactly once.
func goDateLayout(format string) (string, error) {
	if format == "" {
		return "", errors.New("is empty")
	}
	var b strings.Builder
	var year, month, day int
	for rest := format; rest != ""; {
		switch {
		case strings.HasPrefix(rest, "YYYY"):
			b.WriteString("2006")
			rest, year = rest[4:], year+1
		case strings.HasPrefix(rest, "YY"):
			b.WriteString("06")
			rest, year = rest[2:], year+1
		case strings.HasPrefix(rest, "MM"):
			b.WriteString("01")
			rest, month = rest[2:], month+1
		case strings.HasPrefix(rest, "M"):
			b.WriteString("1")
			rest, month = rest[1:], month+1
		case strings.HasPrefix(rest, "DD"):
			b.WriteString("02")
			rest, day = rest[2:], day+1
		case strings.HasPrefix(rest, "D"):
			b.WriteString("2")
			rest, day = rest[1:], day+1
		case strings.ContainsRune(".-/ ", rune(rest[0])):
			b.WriteByte(rest[0])
			rest = rest[1:]
		default:
			return "", fmt.Errorf("unexpected %q in %q; use YYYY, YY, MM, M, DD, D and . - / or space", rest[:1], format)
		}
	}
	if year != 1 || month != 1 || day != 1 {
		return "", fmt.Errorf("%q must contain the year, month and day once each", format)
	}
	return b.String(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
