package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Report formats ([[reports]] format). The end-of-day formats are
// rendered by the bridge from the same statement data as the camt.053 of
// that account and date; camt.053 writes Atlar's rendering as it is.
const (
	ReportCamt053         = "camt.053"
	ReportMT940           = "mt940"
	ReportBAI2            = "bai2"
	ReportCSVTransactions = "csv-transactions"
	ReportCSVBalances     = "csv-balances"
	ReportCamt054         = "camt.054"
	ReportRaw             = "raw"
	// ReportMT942 and ReportCamt052 are intraday reports, polled every
	// interval from Atlar's Financial Data transactions and balances.
	ReportMT942   = "mt942"
	ReportCamt052 = "camt.052"
)

// DefaultReportInterval is the poll interval of an intraday report.
const DefaultReportInterval = 15 * time.Minute

// DefaultReportBackfill is how far back an intraday report replays the
// intervals it missed.
const DefaultReportBackfill = 24 * time.Hour

// minReportInterval keeps an intraday report from polling Atlar more
// than a few times a minute per account.
const minReportInterval = 5 * time.Second

// ReportFormats are the formats [[reports]] supports today. SPEC §5a also
// names mt942, camt.052, camt.054 and raw: they are refused with a clear
// error until they are built.
var ReportFormats = []string{ReportCamt053, ReportMT940, ReportBAI2, ReportCSVTransactions, ReportCSVBalances, ReportCamt054, ReportRaw, ReportMT942, ReportCamt052}

// reportsPlanned are formats of SPEC §5a not built yet.
var reportsPlanned []string

// Report is one [[reports]] entry: a format written into outbox/<name>/.
type Report struct {
	// Name is the outbox folder (outbox/<name>/), also what
	// [[sftp.users]] reports = [...] grants.
	Name   string `toml:"name"`
	Format string `toml:"format"`
	// Version is the camt.053 version (default camt.053.001.02).
	Version string `toml:"version"`
	// Accounts are IBANs or Atlar account ids; empty: all.
	Accounts []string `toml:"accounts"`
	// Encoding: mt940 ascii (default) | windows-1252 | iso-8859-1 |
	// utf-8; csv utf-8 (default) | windows-1252 | iso-8859-1.
	Encoding string `toml:"encoding"`
	// KeepLatin1 keeps Latin-1 letters (ä, é) in MT940 instead of
	// transliterating them, for ERPs set to that code page.
	KeepLatin1 bool `toml:"keep_latin1"`
	// LineEnding is crlf (default) or lf.
	LineEnding string `toml:"line_ending"`
	// FileName is a template with {account}, {date}, {seq}, {id}; the
	// default per format is "{account}_{date}_{seq}" plus the extension.
	FileName string `toml:"file_name"`
	// PageEntries caps the :61: lines of one MT940 page (default 500).
	PageEntries int `toml:"page_entries"`
	// Sender and Receiver are the BAI2 01/02 identifiers (defaults
	// ATLARBRIDGE and ERP).
	Sender   string `toml:"sender"`
	Receiver string `toml:"receiver"`
	// Interval is how often an intraday report (mt942, camt.052) lists
	// the transactions booked since its last report (default 15m).
	Interval Duration `toml:"interval"`
	// Backfill is how far back an intraday report replays the intervals
	// it missed (a fresh start, an outage), one report per interval that
	// had bookings; "0s" sends what was missed in one report. A pointer:
	// "0s" is a choice, no key is the default. Never before the day the
	// report was added on (earlier days have their end-of-day statement).
	Backfill *Duration `toml:"backfill"`
}

// Report line endings.
const (
	LineEndingCRLF = "crlf"
	LineEndingLF   = "lf"
)

// reportNameRE keeps a report name a valid folder name on every OS (it is
// the outbox folder and an SFTP path segment).
var reportNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// templateFieldRE finds the placeholders of a file-name template.
var templateFieldRE = regexp.MustCompile(`\{[^}]*\}`)

func (c *Config) normaliseReports() {
	for i := range c.Reports {
		r := &c.Reports[i]
		r.Name = strings.TrimSpace(r.Name)
		r.Format = lower(r.Format)
		r.Version = lower(r.Version)
		r.Encoding = lower(r.Encoding)
		r.LineEnding = lower(r.LineEnding)
		r.FileName = strings.TrimSpace(r.FileName)
		trimAll(r.Accounts)
		if len(r.Accounts) == 0 {
			r.Accounts = nil // "accounts = []" and no key mean the same: all
		}
		if r.LineEnding == "" {
			r.LineEnding = LineEndingCRLF
		}
		if r.Format == ReportCamt053 && r.Version == "" {
			r.Version = Camt053V02
		}
		if r.Format == ReportCamt054 && r.Version == "" {
			r.Version = "camt.054.001.02"
		}
		if r.Format == ReportCamt052 && r.Version == "" {
			r.Version = "camt.052.001.02"
		}
		if (r.Format == ReportMT942 || r.Format == ReportCamt052) && r.Interval.Duration == 0 {
			r.Interval = D(DefaultReportInterval)
		}
		if (r.Format == ReportMT942 || r.Format == ReportCamt052) && r.Backfill == nil {
			d := D(DefaultReportBackfill)
			r.Backfill = &d
		}
		if r.Encoding == "" {
			switch r.Format {
			case ReportMT940, ReportMT942, ReportBAI2:
				r.Encoding = "ascii"
			case ReportCSVTransactions, ReportCSVBalances:
				r.Encoding = "utf-8"
			}
		}
		if r.FileName == "" {
			r.FileName = "{account}_{date}_{seq}" + ReportExt(r.Format)
		}
	}
}

// ReportExt is the usual file extension of a report format.
func ReportExt(format string) string {
	switch format {
	case ReportMT940, ReportMT942:
		return ".sta"
	case ReportBAI2:
		return ".bai2"
	case ReportCSVTransactions, ReportCSVBalances:
		return ".csv"
	case ReportRaw:
		return ".dat" // whatever the bank sent: MT940, BAI2, camt, NACHA …
	}
	return ".xml"
}

func (v *checker) reports() {
	seen := map[string]int{}
	for i := range v.c.Reports {
		r := &v.c.Reports[i]
		key := func(k string) string { return fmt.Sprintf("reports[%d].%s", i, k) }
		lname := strings.ToLower(r.Name)
		switch {
		case r.Name == "":
			v.fail(key("name"), "required (the folder outbox/<name>/)")
		case !reportNameRE.MatchString(r.Name):
			v.fail(key("name"), "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (got %q)", r.Name)
		case lname == "results" || lname == "statements":
			v.fail(key("name"), "%q is the bridge's own outbox folder; choose another name", r.Name)
		default:
			// Folder names are case-insensitive on Windows and macOS.
			if j, dup := seen[lname]; dup {
				v.fail(key("name"), "duplicate report name %q (also reports[%d])", r.Name, j)
			} else {
				seen[lname] = i
			}
		}
		switch {
		case slices.Contains(reportsPlanned, r.Format):
			v.fail(key("format"), "%q is not supported by this version yet; supported: %s", r.Format, quoteList(ReportFormats))
		default:
			v.oneOf(key("format"), r.Format, ReportFormats...)
		}
		switch {
		case r.Format == ReportCamt053:
			v.oneOf(key("version"), r.Version, Camt053V02, Camt053V03, Camt053V04, Camt053V08)
		case r.Format == ReportCamt054:
			v.oneOf(key("version"), r.Version, "camt.054.001.02", "camt.054.001.08")
		case r.Format == ReportCamt052:
			v.oneOf(key("version"), r.Version, "camt.052.001.02", "camt.052.001.08")
		case r.Version != "":
			v.fail(key("version"), "only for formats \"camt.053\", \"camt.054\" and \"camt.052\" (got %q)", r.Version)
		}
		switch {
		case r.Format != ReportMT942 && r.Format != ReportCamt052:
			if r.Interval.Duration != 0 {
				v.fail(key("interval"), "only for the intraday formats \"mt942\" and \"camt.052\" (end-of-day reports follow the statements)")
			}
		case r.Interval.Duration < minReportInterval:
			v.fail(key("interval"), "must be at least %s (got %s)", minReportInterval, r.Interval.Duration)
		}
		switch {
		case r.Backfill == nil:
		case r.Format != ReportMT942 && r.Format != ReportCamt052:
			v.fail(key("backfill"), "only for the intraday formats \"mt942\" and \"camt.052\" (end-of-day reports follow [statements] backfill)")
		case r.Backfill.Duration < 0:
			v.fail(key("backfill"), "must not be negative (got %s)", r.Backfill.Duration)
		}
		switch r.Format {
		case ReportMT940, ReportMT942:
			v.oneOf(key("encoding"), r.Encoding, "ascii", "windows-1252", "iso-8859-1", "utf-8")
		case ReportCSVTransactions, ReportCSVBalances:
			v.oneOf(key("encoding"), r.Encoding, "utf-8", "windows-1252", "iso-8859-1")
		case ReportBAI2:
			v.oneOf(key("encoding"), r.Encoding, "ascii")
		default:
			if r.Encoding != "" {
				v.fail(key("encoding"), "not used by format %q (XML is UTF-8, raw is the bank's bytes)", r.Format)
			}
		}
		if r.KeepLatin1 && ((r.Format != ReportMT940 && r.Format != ReportMT942) || r.Encoding == "ascii") {
			v.fail(key("keep_latin1"), "only for formats \"mt940\" and \"mt942\" with encoding windows-1252, iso-8859-1 or utf-8")
		}
		v.oneOf(key("line_ending"), r.LineEnding, LineEndingCRLF, LineEndingLF)
		v.uniqueNonEmpty(key("accounts"), r.Accounts)
		if r.PageEntries < 0 {
			v.fail(key("page_entries"), "must be >= 0 (got %d)", r.PageEntries)
		}
		v.fileNameTemplate(key("file_name"), r.FileName)
	}
}

func (v *checker) fileNameTemplate(key, tmpl string) {
	for _, f := range templateFieldRE.FindAllString(tmpl, -1) {
		if !slices.Contains([]string{"{account}", "{date}", "{seq}", "{id}"}, f) {
			v.fail(key, "unknown placeholder %s: use {account}, {date}, {seq} or {id} (got %q)", f, tmpl)
			return
		}
	}
	rest := templateFieldRE.ReplaceAllString(tmpl, "x")
	if strings.ContainsAny(rest, `/\:*?"<>|{}`) || strings.HasPrefix(rest, ".") {
		v.fail(key, "must be a plain file name: no folders, no leading '.', none of / \\ : * ? \" < > | (got %q)", tmpl)
	}
	if !strings.Contains(tmpl, "{seq}") && !strings.Contains(tmpl, "{id}") {
		v.fail(key, "must contain {seq} or {id}: an account can have more than one statement a day (got %q)", tmpl)
	}
}
