package config

import "time"

// Defaults that Default and normalise share. Route and CSV profile
// defaults are filled per entry by normalise, because a decoder cannot
// pre-fill elements of an array of tables or a map.
const (
	DefaultBaseURL        = "https://api.atlar.com"
	DefaultStorageRoot    = "./data"
	DefaultSFTPListen     = "127.0.0.1:2222"
	DefaultMode           = ModeInstruction
	DefaultValidate       = ValidateStrict
	DefaultTreatment      = TreatmentIndividual
	DefaultPain002Version = Pain002V10
	DefaultMaxFileSize    = Size(256 << 20)
	DefaultDedupeWindow   = 90 * 24 * time.Hour
	// DefaultJournalRetention keeps a finished file's record for 400 days:
	// a year of look-ups ("what happened to last March's run?") and more
	// than every default window.
	DefaultJournalRetention = 400 * 24 * time.Hour
	// DefaultQuote is a CSV profile's quote character when it sets none.
	DefaultQuote = `"`
)

// DefaultClientTempMaxAge is sftp.client_temp_max_age's default: a day
// covers any resumed upload, and an abandoned one does not linger.
const DefaultClientTempMaxAge = 24 * time.Hour

// DefaultResults is what a route writes when it sets no results.
var DefaultResults = []string{ResultPain002, ResultCSV}

// result_csv_formulas values.
const (
	FormulasEscape = "escape"
	FormulasKeep   = "keep"
)

// Default returns a Config holding every default documented on the
// struct. It has no version, credentials or routes: those have no sensible
// default and Validate requires them.
func Default() *Config {
	return &Config{
		Atlar: Atlar{
			BaseURL:         DefaultBaseURL,
			Auth:            AuthOAuth2,
			Timeout:         D(30 * time.Second),
			MaxRetries:      2,
			AccountsRefresh: D(10 * time.Minute),
		},
		Storage: Storage{Root: DefaultStorageRoot, JournalRetention: D(DefaultJournalRetention)},
		Watch: Watch{
			Settle: D(2 * time.Second),
			Rescan: D(30 * time.Second),
		},
		SFTP: SFTP{
			Listen:             DefaultSFTPListen,
			MaxSessions:        64,
			MaxSessionsPerUser: 8,
			IdleTimeout:        D(10 * time.Minute),
			MaxAuthTries:       6,
			LoginDelay:         D(time.Second),
			BanAfter:           10,
			BanWindow:          D(10 * time.Minute),
			BanFor:             D(15 * time.Minute),
			// Connections still logging in: sshd's defaults, and a per-address
			// limit below max_startups' start.
			LoginGraceTime:        D(20 * time.Second),
			MaxStartups:           "10:30:100",
			MaxStartupsPerAddress: 8,
		},
		Statements: Statements{
			Enabled:      true,
			Format:       Camt053V02,
			PollInterval: D(5 * time.Minute),
			Backfill:     D(168 * time.Hour),
		},
		Results: Results{
			PollInterval: D(10 * time.Second),
			MaxPoll:      D(10 * time.Minute),
			MaxWait:      D(336 * time.Hour),
		},
		Outbox:  Outbox{Retention: D(720 * time.Hour)},
		Archive: Archive{Retention: D(9600 * time.Hour)},
		Inbound: Inbound{Workers: 16, ParseBudget: 256 << 20, MaxCSVLine: 1 << 20, MaxCSVFields: 1000, MaxXMLText: 1 << 20},
		Alerts: Alerts{
			StuckAfter:     D(15 * time.Minute),
			StatementGap:   D(36 * time.Hour),
			MaxPerHour:     30,
			DiskMinFree:    1 << 30,
			JournalMaxSize: 2 << 30,
		},
		Log: Log{Level: LogInfo, Format: LogFormatAuto, MaxSize: 100 << 20, MaxBackups: 10},
	}
}

// DefaultCSVProfile is the layout of a CSV route without csv_profile:
// comma-separated, "." decimals, ISO dates, UTF-8, a header row.
func DefaultCSVProfile() CSVProfile {
	p := CSVProfile{}
	p.applyDefaults()
	return p
}
