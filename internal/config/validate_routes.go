package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/atlarbridge/bridge/internal/ddrun"
)

// routeNameRE keeps a route name safe as a folder name on every OS.
var routeNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// schemeRE is the shape of an Atlar scheme (SCT, SCT_INST, US_CT_ACH);
// the list itself grows, so only the shape is checked.
var schemeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,31}$`)

func (v *checker) routes() {
	if len(v.c.Routes) == 0 {
		v.fail("routes", "at least one [[routes]] is required")
	}
	seen := map[string]int{}
	for i := range v.c.Routes {
		r := &v.c.Routes[i]
		key := func(k string) string { return fmt.Sprintf("routes[%d].%s", i, k) }
		switch {
		case r.Name == "":
			v.fail(key("name"), "required")
		case !routeNameRE.MatchString(r.Name) || r.Name == "." || r.Name == "..":
			v.fail(key("name"), "must be 1-64 letters, digits, '.', '_' or '-' (got %q)", r.Name)
		default:
			// Folder names are case-insensitive on Windows and macOS.
			if j, dup := seen[strings.ToLower(r.Name)]; dup {
				v.fail(key("name"), "duplicate route name %q (also routes[%d])", r.Name, j)
			} else {
				seen[strings.ToLower(r.Name)] = i
			}
		}
		v.oneOf(key("format"), r.Format, FormatCSV, FormatPain001, FormatPain008)
		switch r.Format {
		case FormatPain001:
			v.pain001Route(r, key)
		case FormatCSV:
			v.csvRoute(r, key)
		case FormatPain008:
			v.pain008Route(r, key)
		}
		v.collectionKeys(r, key)
		if r.Scheme != "" && !schemeRE.MatchString(r.Scheme) {
			v.fail(key("scheme"), "must be an Atlar scheme such as \"SCT\" (got %q)", r.Scheme)
		}
		v.oneOf(key("treatment"), r.Treatment, TreatmentIndividual, TreatmentBatch)
		kinds := map[string]bool{}
		for j, res := range r.Results {
			switch {
			case res != ResultPain002 && res != ResultCSV:
				v.fail(indexKey(key("results"), j), "must be %s (got %q)", quoteList([]string{ResultPain002, ResultCSV}), res)
			case kinds[res]:
				v.fail(indexKey(key("results"), j), "%q is listed twice", res)
			}
			kinds[res] = true
		}
		v.oneOf(key("pain002_version"), r.Pain002Version, Pain002V10, Pain002V03)
		v.oneOf(key("result_csv_formulas"), r.ResultCSVFormulas, FormulasEscape, FormulasKeep)
		if m := r.DoneMarker; m != "" && (len(m) < 2 || m[0] != '.' || m == ".." || strings.ContainsAny(m, `/\:`)) {
			v.fail(key("done_marker"), "must start with \".\" and name no folder, like \".done\" (got %q)", m)
		}
		v.positive(key("dedupe_window"), r.DedupeWindow)
		if r.MaxFileSize <= 0 {
			v.fail(key("max_file_size"), "must be > 0 (got %q)", r.MaxFileSize)
		}
	}
}

func (v *checker) pain001Route(r *Route, key func(string) string) {
	v.oneOf(key("mode"), r.Mode, ModeInstruction, ModeTransfers)
	switch {
	case r.Mode == ModeInstruction && r.ConnectionID == "":
		v.fail(key("connection_id"), "required for mode = \"instruction\": \"auto\" or a connection id")
	case r.Mode == ModeTransfers && r.ConnectionID != "":
		v.fail(key("connection_id"), "only for mode = \"instruction\" (got %q)", r.ConnectionID)
	}
	v.oneOf(key("validate"), r.Validate, ValidateStrict, ValidateWellformed, ValidateNone)
	if r.SourceAccountID != "" {
		v.fail(key("source_account_id"), "only for format = \"csv\": a pain.001 names its debtor account (got %q)", r.SourceAccountID)
	}
	if r.CSVProfile != "" {
		v.fail(key("csv_profile"), "only for format = \"csv\" (got %q)", r.CSVProfile)
	}
}

func (v *checker) csvRoute(r *Route, key func(string) string) {
	if r.Mode != "" {
		v.fail(key("mode"), "only for format = \"pain001\" (got %q)", r.Mode)
	}
	if r.ConnectionID != "" {
		v.fail(key("connection_id"), "only for format = \"pain001\" (got %q)", r.ConnectionID)
	}
	// CSV rows are always checked in full before anything is sent.
	if r.Validate != ValidateStrict {
		v.fail(key("validate"), "only for format = \"pain001\": CSV files are always fully checked (got %q)", r.Validate)
	}
	if p := r.CSVProfile; p != "" && p != ProfileAtlar {
		if _, ok := v.c.CSVProfile[p]; !ok {
			v.fail(key("csv_profile"), "must be \"atlar\" or the name of a [csv_profiles.<name>] table (got %q)", p)
		}
	}
}

var (
	delimiters = []string{",", ";", "\t", "|"}
	decimals   = []string{".", ","}
	thousands  = []string{"", ".", ",", " ", "'"}
	encodings  = []string{EncodingUTF8, EncodingUTF8BOM, EncodingWin1252, EncodingLatin1, EncodingLatin9}
)

func (v *checker) csvProfiles() {
	for _, name := range slices.Sorted(maps.Keys(v.c.CSVProfile)) {
		p := v.c.CSVProfile[name]
		base := joinKey("csv_profiles", name)
		key := func(k string) string { return base + "." + k }
		if strings.EqualFold(name, ProfileAtlar) {
			v.fail(base, "the name %q is reserved for Atlar's own CSV layout; choose another", name)
		}
		v.oneOf(key("delimiter"), p.Delimiter, delimiters...)
		v.oneOf(key("decimal"), p.Decimal, decimals...)
		v.oneOf(key("thousands"), p.Thousands, thousands...)
		switch {
		case p.Decimal == p.Delimiter:
			v.fail(key("decimal"), "must differ from delimiter (both %q)", p.Decimal)
		case p.Thousands != "" && p.Thousands == p.Decimal:
			v.fail(key("thousands"), "must differ from decimal (both %q)", p.Thousands)
		case p.Thousands != "" && p.Thousands == p.Delimiter:
			v.fail(key("thousands"), "must differ from delimiter (both %q)", p.Thousands)
		}
		if !validDateFormat(p.DateFormat) {
			v.fail(key("date_format"), "must be YYYY, MM and DD in some order with optional . - / or space between, like \"DD.MM.YYYY\" (got %q)", p.DateFormat)
		}
		v.oneOf(key("encoding"), p.Encoding, encodings...)
		if q := p.QuoteChar(); utf8.RuneCountInString(q) > 1 || q == p.Delimiter && q != "" {
			v.fail(key("quote"), "must be one character other than the delimiter, or \"\" for none (got %q)", q)
		}
		if p.SkipRows < 0 {
			v.fail(key("skip_rows"), "must be >= 0 (got %d)", p.SkipRows)
		}
		v.columns(key("columns"), p)
	}
}

// columns checks a profile's column map: known names, each mapped to a
// header name or a 1-based position, no two to the same column.
func (v *checker) columns(base string, p CSVProfile) {
	taken := map[string]string{} // header name or "#position" → our column
	for _, col := range slices.Sorted(maps.Keys(p.Columns)) {
		key := joinKey(base, col)
		if !slices.Contains(ColumnNames, col) {
			v.fail(key, "unknown column %q (known: %s)", col, strings.Join(ColumnNames, ", "))
			continue
		}
		var target string
		switch x := p.Columns[col].(type) {
		case string:
			if x == "" {
				v.fail(key, "must be a header name or a 1-based column position (got \"\")")
				continue
			}
			if !p.HasHeader() {
				v.fail(key, "names a header (%q) but header = false: use a column position", x)
				continue
			}
			target = strings.ToLower(x)
		case int:
			if x < 1 {
				v.fail(key, "must be a header name or a 1-based column position (got %d)", x)
				continue
			}
			target = fmt.Sprintf("#%d", x)
		default:
			v.fail(key, "must be a header name or a 1-based column position (got %v)", x)
			continue
		}
		if other, dup := taken[target]; dup {
			v.fail(key, "same file column as columns.%s (got %v)", other, p.Columns[col])
			continue
		}
		taken[target] = col
	}
}

// validDateFormat accepts YYYY (or YY), MM and DD, each once, with
// optional single separators: DD.MM.YYYY, YYYYMMDD, MM/DD/YY.
func validDateFormat(f string) bool {
	seen := map[byte]int{}
	for f != "" {
		switch {
		case strings.HasPrefix(f, "YYYY"):
			seen['Y']++
			f = f[4:]
		case strings.HasPrefix(f, "YY"), strings.HasPrefix(f, "MM"), strings.HasPrefix(f, "DD"):
			seen[f[0]]++
			f = f[2:]
		case strings.ContainsRune(".-/ ", rune(f[0])):
			f = f[1:]
		default:
			return false
		}
	}
	return seen['Y'] == 1 && seen['M'] == 1 && seen['D'] == 1
}

// pain008Route checks a pain.008 collections route: the file names the
// creditor, its account and identifier, so only validate applies.
func (v *checker) pain008Route(r *Route, key func(string) string) {
	v.oneOf(key("validate"), r.Validate, ValidateStrict, ValidateWellformed)
	for _, kv := range [][2]string{{"mode", r.Mode}, {"connection_id", r.ConnectionID}, {"source_account_id", r.SourceAccountID}, {"csv_profile", r.CSVProfile}} {
		if kv[1] != "" {
			v.fail(key(kv[0]), "not for format = \"pain008\": the file names the creditor and its account (got %q)", kv[1])
		}
	}
}

// collectionKeys checks kind and the keys of the direct-debit and
// counterparties kinds (SPEC §3.4, §3.5, §10).
func (v *checker) collectionKeys(r *Route, key func(string) string) {
	if r.Format != FormatCSV {
		if r.Kind != "" {
			v.fail(key("kind"), "only for format = \"csv\" (got %q)", r.Kind)
		}
	} else {
		v.oneOf(key("kind"), r.Kind, KindPayments, KindDirectDebits, KindCounterparties)
	}
	dd := r.Format == FormatCSV && r.Kind == KindDirectDebits
	if !dd {
		if r.CreditorID != "" {
			v.fail(key("creditor_id"), "only for kind = \"direct_debits\" (got %q)", r.CreditorID)
		}
		if r.CreditorAccountID != "" {
			v.fail(key("creditor_account_id"), "only for kind = \"direct_debits\" (got %q)", r.CreditorAccountID)
		}
	} else if r.CreditorID != "" {
		if err := ddrun.CheckCreditorID(r.CreditorID); err != nil {
			v.fail(key("creditor_id"), "must be a SEPA creditor identifier like \"DE98ZZZ09999999999\": %v", err)
		}
	}
	if r.Format == FormatPain008 || dd {
		if r.Scheme != "" && ddrun.SchemeFor(r.Scheme) == "" {
			v.fail(key("scheme"), "must be \"SDD_CORE\" or \"SDD_B2B\" for collections (got %q)", r.Scheme)
		}
	}
	if r.Format == FormatCSV && r.Kind != KindPayments && r.Kind != "" {
		if r.SourceAccountID != "" {
			v.fail(key("source_account_id"), "only for kind = \"payments\" (got %q)", r.SourceAccountID)
		}
		if r.CSVProfile == ProfileAtlar {
			v.fail(key("csv_profile"), "\"atlar\" is Atlar's payments batch layout: not for kind = %q", r.Kind)
		}
		if r.Kind == KindCounterparties && r.Scheme != "" {
			v.fail(key("scheme"), "not for kind = \"counterparties\" (got %q)", r.Scheme)
		}
	}
}
