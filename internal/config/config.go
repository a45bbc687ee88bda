// Package config reads and checks config.toml: defaults, then a strict
// decode over them (unknown keys are errors with file and line), then
// normalisation, then Validate. Parse does the work so tests feed strings;
// Load adds what needs the file system and environment (relative paths,
// the Atlar secret).
//
// Every error names the file, the line and the full key, with 0-based
// indexes for arrays of tables, and the offending value:
//
//	config.toml:22: routes[1].format: must be "csv" or "pain001" (got "xml")
//
// A key left out is reported at the line of its table ([atlar],
// [[routes]]), where it has to be added.
package config

// Config is the whole config.toml. Keys are fixed by SPEC §10; more may be
// added, never renamed.
type Config struct {
	Version    int                   `toml:"version"`
	Atlar      Atlar                 `toml:"atlar"`
	Storage    Storage               `toml:"storage"`
	Watch      Watch                 `toml:"watch"`
	SFTP       SFTP                  `toml:"sftp"`
	Routes     []Route               `toml:"routes"`
	CSVProfile map[string]CSVProfile `toml:"csv_profiles"`
	Statements Statements            `toml:"statements"`
	Reports    []Report              `toml:"reports"`
	Results    Results               `toml:"results"`
	Outbox     Outbox                `toml:"outbox"`
	Archive    Archive               `toml:"archive"`
	Inbound    Inbound               `toml:"inbound"`
	Alerts     Alerts                `toml:"alerts"`
	HTTP       HTTP                  `toml:"http"`
	Log        Log                   `toml:"log"`

	// File is the path the config was read from ("" for Parse on a reader
	// without a name). Not a TOML key.
	File string `toml:"-"`
	// Secret is the Atlar secret read from atlar.secret_env or
	// atlar.secret_file by Load/ResolveSecret. Not a TOML key; never logged
	// (String and GoString leave it out).
	Secret string `toml:"-"`

	// keys locates each key in File for Validate's errors; nil when the
	// Config was not parsed from a document.
	keys *keyIndex
}

// Atlar is how to reach the Atlar API.
type Atlar struct {
	BaseURL    string   `toml:"base_url"`   // default https://api.atlar.com
	AccessKey  string   `toml:"access_key"` // required
	SecretEnv  string   `toml:"secret_env"` // exactly one of secret_env, secret_file
	SecretFile string   `toml:"secret_file"`
	Auth       string   `toml:"auth"`        // oauth2 (default) | basic
	Timeout    Duration `toml:"timeout"`     // per request, default 30s
	MaxRetries int      `toml:"max_retries"` // fast retries per call (within 5s), default 2
	// AccountsRefresh is how long the IBAN → account cache lives, default 10m.
	AccountsRefresh Duration `toml:"accounts_refresh"`
}

// Storage is where everything lives.
type Storage struct {
	Root string `toml:"root"` // default ./data
	// JournalRetention: how long the journal keeps the record of a finished
	// file (completed, failed, rejected) after its last step; default 400
	// days, 0 keeps every record. Never shorter than a route's
	// dedupe_window or results.max_wait.
	JournalRetention Duration `toml:"journal_retention"`
}

// Watch tunes folder watching.
type Watch struct {
	Settle Duration `toml:"settle"` // default 2s
	Rescan Duration `toml:"rescan"` // default 30s
}

// SFTP is the embedded SFTP server.
type SFTP struct {
	Enabled    bool       `toml:"enabled"`      // default false
	Listen     string     `toml:"listen"`       // default 127.0.0.1:2222
	HostKeyDir string     `toml:"host_key_dir"` // default <storage.root>/hostkeys
	Users      []SFTPUser `toml:"users"`

	MaxSessions        int      `toml:"max_sessions"`          // default 64
	MaxSessionsPerUser int      `toml:"max_sessions_per_user"` // default 8
	IdleTimeout        Duration `toml:"idle_timeout"`          // default 10m
	MaxAuthTries       int      `toml:"max_auth_tries"`        // per connection, default 6
	LoginDelay         Duration `toml:"login_delay"`           // after a failed login, default 1s
	BanAfter           int      `toml:"ban_after"`             // failures per address, default 10
	BanWindow          Duration `toml:"ban_window"`            // failures counted over, default 10m
	BanFor             Duration `toml:"ban_for"`               // default 15m
	// Connections still logging in, bounded as sshd bounds them.
	LoginGraceTime        Duration `toml:"login_grace_time"`         // default 20s
	MaxStartups           string   `toml:"max_startups"`             // start:rate:full, default "10:30:100"
	MaxStartupsPerAddress int      `toml:"max_startups_per_address"` // default 8
	// LegacyAlgorithms opts in to older KEX/cipher/MAC/host key algorithms
	// by name for old ERP clients (e.g. "diffie-hellman-group14-sha1").
	LegacyAlgorithms []string `toml:"legacy_algorithms"`
	// ClientTempMaxAge is how long a client's temp file (*.part, ~*,
	// dot-files) may sit untouched in an inbox before it is removed.
	ClientTempMaxAge Duration `toml:"client_temp_max_age"` // default 24h
}

// SFTPUser is one ERP login.
type SFTPUser struct {
	Name               string   `toml:"name"`
	AuthorizedKeys     []string `toml:"authorized_keys"`      // authorized_keys lines
	AuthorizedKeysFile string   `toml:"authorized_keys_file"` // path to an authorized_keys file
	PasswordHash       string   `toml:"password_hash"`        // bcrypt ($2a$/$2b$/$2y$)
	Routes             []string `toml:"routes"`               // inbox routes the user may write
	AllowFrom          []string `toml:"allow_from"`           // CIDRs; empty = any
	// Reports are the outbox folders besides results the user sees:
	// "statements" and [[reports]] names (SPEC §5a). Absent = all; [] = none.
	Reports []string `toml:"reports"`
	// Accounts are the IBANs or account ids whose statements the user
	// sees; empty = all.
	Accounts []string `toml:"accounts"`
	// Quota caps the bytes of the user's uploads open at once, across its
	// sessions ("2GiB"); 0 = no cap.
	Quota Size `toml:"quota"`
}

// Route is one inbox sub-folder and what to do with its files.
type Route struct {
	Name   string `toml:"name"`   // inbox sub-folder; [A-Za-z0-9._-]{1,64}
	Format string `toml:"format"` // csv | pain001 | pain008
	// Mode is for pain001: instruction (default) | transfers.
	Mode string `toml:"mode"`
	// ConnectionID is for pain001 instruction mode: an id or "auto".
	ConnectionID string `toml:"connection_id"`
	// Validate is for pain001: strict (default) | wellformed | none.
	Validate string `toml:"validate"`
	// SourceAccountID is the default paying account for CSV rows.
	SourceAccountID string `toml:"source_account_id"`
	// Scheme is the default Atlar scheme (SCT, ...); empty = derive.
	Scheme string `toml:"scheme"`
	// Treatment: INDIVIDUAL_PAYMENTS (default) | BATCH.
	Treatment string `toml:"treatment"`
	// CSVProfile names a [csv_profiles.X] table, or "atlar"; empty = default layout.
	CSVProfile string `toml:"csv_profile"`
	// DoneMarker, when set (e.g. ".done"), makes a file complete only when
	// <name><done_marker> appears; the marker is consumed with the file.
	DoneMarker string `toml:"done_marker"`
	// Results lists the result files to write: "pain002", "csv" (default both).
	Results []string `toml:"results"`
	// Pain002Version: pain.002.001.10 (default) | pain.002.001.03.
	Pain002Version string `toml:"pain002_version"`
	// ResultCSVFormulas: "escape" (default) puts a ' before a text cell the
	// bridge adds to a result CSV (the reason) that starts with = + - @ TAB
	// or CR, so a spreadsheet shows it instead of running it (OWASP CSV
	// injection); "keep" writes it as it is. The ERP's own cells are always
	// echoed unchanged.
	ResultCSVFormulas string `toml:"result_csv_formulas"`
	// DedupeWindow: how long a submitted file's sha256 blocks a resend, default 90 days.
	DedupeWindow Duration `toml:"dedupe_window"`
	// RejectInBand makes an SFTP upload's close fail when the file is invalid.
	RejectInBand bool `toml:"reject_in_band"`
	// MaxFileSize, default "256MiB".
	MaxFileSize Size `toml:"max_file_size"`
	// Kind is for format = "csv": what the rows are, payments (default) |
	// direct_debits | counterparties (SPEC §10).
	Kind string `toml:"kind"`
	// CreditorID is for kind = "direct_debits": the SEPA creditor
	// identifier of rows without a creditor_id column.
	CreditorID string `toml:"creditor_id"`
	// CreditorAccountID is for kind = "direct_debits": the Atlar account
	// that collects, for rows naming neither destination_account_id nor
	// creditor_iban.
	CreditorAccountID string `toml:"creditor_account_id"`
}

// CSVProfile describes a legacy CSV layout.
type CSVProfile struct {
	Delimiter  string `toml:"delimiter"`   // ",", ";", "\t", "|"; default ","
	Decimal    string `toml:"decimal"`     // "." (default) or ","
	Thousands  string `toml:"thousands"`   // "", ".", ",", " ", "'"; default ""
	DateFormat string `toml:"date_format"` // YYYY-MM-DD (default), DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY, YYYYMMDD, ...
	Encoding   string `toml:"encoding"`    // utf-8 (default, BOM tolerated), utf-8-bom, windows-1252, iso-8859-1, iso-8859-15
	Header     *bool  `toml:"header"`      // default true; never nil after Parse (use HasHeader otherwise)
	// Quote is the quote character, default "\""; "" disables quoting. A
	// pointer so that an explicit "" differs from unset; never nil after
	// Parse (use QuoteChar otherwise).
	Quote    *string `toml:"quote"`
	SkipRows int     `toml:"skip_rows"` // lines before the header, default 0
	// Columns maps our column names (external_id, amount, ...) to the
	// file's header name (string) or 1-based position (integer). After
	// Parse, keys are lower case and values are string or int.
	Columns map[string]any `toml:"columns"`
}

// Statements is the camt.053 poller.
type Statements struct {
	Enabled                bool     `toml:"enabled"` // default true
	Format                 string   `toml:"format"`  // camt.053.001.02 (default) | .03 | .04 | .08
	ExternalIDAsEndToEndID bool     `toml:"external_id_as_end_to_end_id"`
	PollInterval           Duration `toml:"poll_interval"` // default 5m
	Backfill               Duration `toml:"backfill"`      // default 168h
	Connections            []string `toml:"connections"`   // default: all
}

// Results is how batch results are followed.
type Results struct {
	PollInterval Duration `toml:"poll_interval"` // first poll after submit, default 10s
	MaxPoll      Duration `toml:"max_poll"`      // backoff cap, default 10m
	MaxWait      Duration `toml:"max_wait"`      // default 336h (14 days)
}

// Outbox tunes delivered-file housekeeping.
type Outbox struct {
	Retention Duration `toml:"retention"` // default 720h (30 days); 0 keeps forever
}

// Archive tunes archive housekeeping.
type Archive struct {
	Retention Duration `toml:"retention"` // default 9600h (400 days); 0 keeps forever
}

// Inbound tunes the inbound pipeline.
type Inbound struct {
	Workers int `toml:"workers"` // files processed at once, default 16
	// ParseBudget is how many bytes of input files are parsed at once,
	// whatever the number of workers: parsing costs a few times a file's
	// size, so N workers must not multiply the peak. Default "256MiB".
	ParseBudget Size `toml:"parse_budget"`
	// MaxCSVLine caps one CSV record (a line, or more inside quotes),
	// default "1MiB"; MaxCSVFields caps its fields, default 1000.
	MaxCSVLine   Size `toml:"max_csv_line"`
	MaxCSVFields int  `toml:"max_csv_fields"`
	// MaxXMLText caps a pain.001's text between two markup characters (a
	// text node, an attribute value, a comment), default "1MiB".
	MaxXMLText Size `toml:"max_xml_text"`
}

// Alerts raise error logs, status warnings and metrics.
type Alerts struct {
	StuckAfter   Duration `toml:"stuck_after"`   // default 15m
	StatementGap Duration `toml:"statement_gap"` // default 36h
	// Email and Webhook are where alerts go (SPEC §8); neither set: logs
	// and metrics only.
	Email   *AlertEmail   `toml:"email"`
	Webhook *AlertWebhook `toml:"webhook"`
	// MaxPerHour caps alert messages per channel and hour (default 30) so
	// a flapping condition cannot flood a mailbox; 0 means no cap.
	MaxPerHour int `toml:"max_per_hour"`
	// DiskMinFree raises disk_low when the volume under storage.root has
	// less free space (default "1GiB"; 0 disables the check).
	DiskMinFree Size `toml:"disk_min_free"`
	// JournalMaxSize raises journal_large when state/bridge.db grows past
	// it (default "2GiB"; 0 disables): time to look at
	// storage.journal_retention or to compact.
	JournalMaxSize Size `toml:"journal_max_size"`
}

// HTTP is the optional health/metrics listener.
type HTTP struct {
	Listen string `toml:"listen"` // default "" (off)
}

// Log tunes logging.
type Log struct {
	Level  string `toml:"level"`  // debug | info (default) | warn | error
	Format string `toml:"format"` // auto (default: text on a terminal, JSON otherwise) | text | json
	// File, if set, is where a plain `run` logs (instead of stderr),
	// rotated when it reaches MaxSize (default "100MiB"), keeping
	// MaxBackups old files (default 10). A service logs to the journal or
	// the Event Log as before.
	File       string `toml:"file"`
	MaxSize    Size   `toml:"max_size"`
	MaxBackups int    `toml:"max_backups"`
}
