package config

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Validate checks the whole config and returns every problem as Errors,
// each naming the key (and, for a parsed config, the file and line). It
// expects a normalised config, as Parse and Load return; a Config built in
// code should start from Default.
func (c *Config) Validate() error {
	v := &checker{c: c}
	if c.Version == 0 {
		v.fail("version", "required: add version = 1 at the top of the file")
	} else if c.Version != 1 {
		v.fail("version", "must be 1 (got %d)", c.Version)
	}
	v.atlar()
	if c.Storage.Root == "" {
		v.fail("storage.root", "required")
	}
	v.nonNegative("watch.settle", c.Watch.Settle)
	v.positive("watch.rescan", c.Watch.Rescan)
	v.sftp()
	v.routes()
	v.csvProfiles()
	v.statements()
	v.reports()

	v.positive("results.poll_interval", c.Results.PollInterval)
	v.positive("results.max_poll", c.Results.MaxPoll)
	if c.Results.MaxPoll.Duration > 0 && c.Results.MaxPoll.Duration < c.Results.PollInterval.Duration {
		v.fail("results.max_poll", "must be >= results.poll_interval %q (got %q)", c.Results.PollInterval, c.Results.MaxPoll)
	}
	v.positive("results.max_wait", c.Results.MaxWait)
	v.nonNegative("outbox.retention", c.Outbox.Retention)
	v.nonNegative("archive.retention", c.Archive.Retention)
	v.journalRetention()
	v.positiveInt("inbound.workers", c.Inbound.Workers)
	v.positiveSize("inbound.parse_budget", c.Inbound.ParseBudget)
	v.positiveSize("inbound.max_csv_line", c.Inbound.MaxCSVLine)
	v.positiveInt("inbound.max_csv_fields", c.Inbound.MaxCSVFields)
	v.positiveSize("inbound.max_xml_text", c.Inbound.MaxXMLText)
	v.positive("alerts.stuck_after", c.Alerts.StuckAfter)
	v.positive("alerts.statement_gap", c.Alerts.StatementGap)
	v.alerts()
	if c.HTTP.Listen != "" {
		v.listen("http.listen", c.HTTP.Listen, "127.0.0.1:9120")
	}
	v.oneOf("log.level", c.Log.Level, LogDebug, LogInfo, LogWarn, LogError)
	v.oneOf("log.format", c.Log.Format, LogFormatAuto, LogFormatText, LogFormatJSON)
	if c.Log.MaxSize < 1<<20 {
		v.fail("log.max_size", "must be at least \"1MiB\" (got %d bytes)", int64(c.Log.MaxSize))
	}
	if c.Log.MaxBackups < 0 {
		v.fail("log.max_backups", "must be >= 0 (got %d)", c.Log.MaxBackups)
	}
	return v.result()
}

// envNameRE is what an environment variable name looks like. Checking it
// catches a secret pasted into secret_env, which must then not be echoed.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (v *checker) atlar() {
	a := v.c.Atlar
	if u, err := url.Parse(a.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.fail("atlar.base_url", "must be an http(s) URL like %q (got %q)", DefaultBaseURL, a.BaseURL)
	} else if u.User != nil {
		v.fail("atlar.base_url", "must not contain credentials: use access_key and secret_env or secret_file")
	}
	if a.AccessKey == "" {
		v.fail("atlar.access_key", "required")
	}
	switch {
	case a.SecretEnv == "" && a.SecretFile == "":
		v.fail("atlar.secret_env", "one of atlar.secret_env or atlar.secret_file is required")
	case a.SecretEnv != "" && a.SecretFile != "":
		v.fail("atlar.secret_file", "set only one of atlar.secret_env and atlar.secret_file")
	case a.SecretEnv != "" && !envNameRE.MatchString(a.SecretEnv):
		v.fail("atlar.secret_env", "must be the name of an environment variable (letters, digits, _), not the secret itself")
	}
	v.oneOf("atlar.auth", a.Auth, AuthOAuth2, AuthBasic)
	v.positive("atlar.timeout", a.Timeout)
	if a.MaxRetries < 0 {
		v.fail("atlar.max_retries", "must be >= 0 (got %d)", a.MaxRetries)
	}
	v.positive("atlar.accounts_refresh", a.AccountsRefresh)
}

func (v *checker) statements() {
	s := v.c.Statements
	v.oneOf("statements.format", s.Format, Camt053V02, Camt053V03, Camt053V04, Camt053V08)
	v.positive("statements.poll_interval", s.PollInterval)
	v.nonNegative("statements.backfill", s.Backfill)
	v.uniqueNonEmpty("statements.connections", s.Connections)
}

// checker collects problems; each names its key and the value it saw.
type checker struct {
	c    *Config
	errs Errors
}

// journalRetention: pruning a finished file's record drops its duplicate
// index entries and what tracking knows of it, so the retention must
// outlast every duplicate window and the longest a file is tracked.
func (v *checker) journalRetention() {
	const key = "storage.journal_retention"
	r := v.c.Storage.JournalRetention
	v.nonNegative(key, r)
	if r.Duration <= 0 {
		return
	}
	if mw := v.c.Results.MaxWait; r.Duration < mw.Duration {
		v.fail(key, "must be >= results.max_wait %q (got %q)", mw, r)
	}
	for i, rt := range v.c.Routes {
		if r.Duration < rt.DedupeWindow.Duration {
			v.fail(key, "must be >= routes[%d].dedupe_window %q of route %q (got %q)", i, rt.DedupeWindow, rt.Name, r)
		}
	}
}

func (v *checker) fail(key, format string, args ...any) {
	v.errs = append(v.errs, v.c.errorAt(key, fmt.Sprintf(format, args...)))
}

// result returns the problems in file order; those without a line (keys
// left out) come first.
func (v *checker) result() error {
	slices.SortStableFunc(v.errs, func(a, b error) int {
		return cmp.Compare(a.(*Error).Line, b.(*Error).Line)
	})
	return v.errs.err()
}

func (v *checker) positive(key string, d Duration) {
	if d.Duration <= 0 {
		v.fail(key, "must be > 0 (got %q)", d)
	}
}

func (v *checker) nonNegative(key string, d Duration) {
	if d.Duration < 0 {
		v.fail(key, "must be >= 0 (got %q)", d)
	}
}

func (v *checker) positiveSize(key string, n Size) {
	if n <= 0 {
		v.fail(key, "must be > 0 (got %q)", n)
	}
}

func (v *checker) positiveInt(key string, n int) {
	if n <= 0 {
		v.fail(key, "must be > 0 (got %d)", n)
	}
}

// oneOf checks an enum: `must be "csv" or "pain001" (got "xml")`.
func (v *checker) oneOf(key, got string, allowed ...string) {
	if slices.Contains(allowed, got) {
		return
	}
	v.fail(key, "must be %s (got %q)", quoteList(allowed), got)
}

// uniqueNonEmpty checks a list of names: no blanks, no repeats.
func (v *checker) uniqueNonEmpty(key string, list []string) {
	seen := map[string]bool{}
	for i, s := range list {
		switch {
		case s == "":
			v.fail(indexKey(key, i), "must not be empty")
		case seen[s]:
			v.fail(indexKey(key, i), "%q is listed twice", s)
		}
		seen[s] = true
	}
}

// listen checks a host:port listen address; the host may be empty (all
// interfaces) and the port 0 (any free port, for tests).
func (v *checker) listen(key, addr, example string) {
	host, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil || strings.ContainsAny(host, " \t") {
		v.fail(key, "must be host:port like %q (got %q)", example, addr)
	}
}

// quoteList renders `"a" or "b"` or `one of "a", "b", "c"`.
func quoteList(allowed []string) string {
	q := make([]string, len(allowed))
	for i, s := range allowed {
		q[i] = strconv.Quote(s)
	}
	if len(q) == 2 {
		return q[0] + " or " + q[1]
	}
	return "one of " + strings.Join(q, ", ")
}

// errorAt builds an Error for key, located in the parsed file when known.
func (c *Config) errorAt(key, msg string) *Error {
	return &Error{File: c.File, Line: c.keys.line(key), Key: key, Msg: msg}
}
