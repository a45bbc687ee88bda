package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/sftpserver"
)

// demoConfig is the config `bridge demo` runs as and writes to
// <dir>/config.toml: a working example of every key.
var demoConfig = template.Must(template.New("demo").Parse(`# Written by "bridge demo": the config the demo runs as. Every key is here;
# config.toml.example at the repository root explains each one.
version = 1

[atlar]
base_url = "{{.AtlarURL}}"          # the embedded Atlar sandbox
access_key = "{{.AccessKey}}"
secret_file = "demo-secret"          # or secret_env = "ATLAR_SECRET"; never inline
auth = "oauth2"
timeout = "10s"
max_retries = 2
accounts_refresh = "1m"

[storage]
root = "data"

[watch]
settle = "1s"
rescan = "10s"

[sftp]
enabled = true
listen = "{{.SFTPListen}}"
host_key_dir = "data/hostkeys"
client_temp_max_age = "24h"          # client temp files (*.part, ~*, dot-files) left this long are removed
max_sessions = 16
max_sessions_per_user = 4
idle_timeout = "10m"
max_auth_tries = 6
login_delay = "1s"
ban_after = 10
ban_window = "10m"
ban_for = "15m"
legacy_algorithms = []

[[sftp.users]]
name = "demo"                        # password "demo"
password_hash = "{{.PasswordHash}}"
authorized_keys = []
routes = ["payables", "sepa", "sepa-transfers", "vendors", "collections", "debits"]
allow_from = ["127.0.0.0/8", "::1/128"]
# reports = ["statements"]           # outbox folders besides results it sees; default all
accounts = []                        # IBANs/ids whose statements it sees; default all

[[routes]]
name = "payables"
format = "csv"
csv_profile = ""                     # the default layout (see README)
scheme = ""                          # derived from currency and destination
treatment = "INDIVIDUAL_PAYMENTS"
results = ["pain002", "csv"]
pain002_version = "pain.002.001.10"
dedupe_window = "90d"
max_file_size = "256MiB"
done_marker = ""
reject_in_band = false

[[routes]]
name = "sepa"
format = "pain001"
mode = "instruction"
connection_id = "{{.ConnectionID}}"  # or "auto": the connection of the debtor account
validate = "strict"
results = ["pain002"]

[[routes]]
name = "sepa-transfers"
format = "pain001"
mode = "transfers"
validate = "strict"
results = ["pain002", "csv"]

[[routes]]
name = "vendors"                     # the vendor master → Atlar counterparties, upserted by external_id
format = "csv"
kind = "counterparties"              # result: <name>.result.csv only (status, counterparty_id, external_account_id, reason)

[[routes]]
name = "collections"                 # pain.008 → debtors, mandates, direct debits
format = "pain008"
validate = "strict"
results = ["pain002"]

[[routes]]
name = "debits"                      # direct-debit CSV → debtors, mandates, direct debits
format = "csv"
kind = "direct_debits"
creditor_id = "DE98ZZZ09999999999"
creditor_account_id = "{{.EURAccountID}}"
results = ["pain002", "csv"]

[csv_profiles.erp-semicolon]         # an example legacy layout (unused by the routes above)
delimiter = ";"
decimal = ","
thousands = "."
date_format = "DD.MM.YYYY"
encoding = "windows-1252"
header = true
quote = "\""
skip_rows = 0
columns = { external_id = "Belegnr", amount = "Betrag", currency = "Waehrung" }

[statements]
enabled = true
format = "camt.053.001.02"
external_id_as_end_to_end_id = true
poll_interval = "5s"
backfill = "168h"
connections = []

# One report of each format the bridge renders, beside outbox/statements
# (the demo's payments are booked, so they show up in every one).
[[reports]]
name = "mt940"
format = "mt940"
accounts = []
encoding = "ascii"
keep_latin1 = false
line_ending = "crlf"
file_name = "{account}_{date}_{seq}.sta"
page_entries = 500

[[reports]]
name = "bai2"
format = "bai2"
sender = "ATLARBRIDGE"
receiver = "ERP"
file_name = "{account}_{date}_{seq}.bai2"

[[reports]]
name = "transactions"
format = "csv-transactions"
encoding = "utf-8"

[[reports]]
name = "balances"
format = "csv-balances"

[[reports]]
name = "camt054"
format = "camt.054"
version = "camt.054.001.02"

[[reports]]
name = "raw"
format = "raw"
file_name = "{account}_{date}_{id}.dat"

# Intraday: what was booked since the account's last report, every interval.
[[reports]]
name = "mt942"
format = "mt942"
interval = "5s"
file_name = "{account}_{date}_{seq}.sta"

[[reports]]
name = "camt052"
format = "camt.052"
version = "camt.052.001.08"
interval = "5s"

[results]
poll_interval = "1s"
max_poll = "5s"
max_wait = "336h"

[outbox]
retention = "720h"

[archive]
retention = "9600h"

[inbound]
workers = 16

[alerts]
stuck_after = "15m"
statement_gap = "36h"
max_per_hour = 30
disk_min_free = "1GiB"
# webhook = { url = "http://127.0.0.1:9999/alerts", secret_env = "ALERT_WEBHOOK_SECRET" }   # then: bridge alerts test

[http]
listen = "{{.HTTPListen}}"

[log]
level = "info"
format = "auto"
`))

// cmdDemo runs the bridge against the embedded Atlar sandbox.
func cmdDemo(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("demo")
	dir := fs.String("dir", "demo", "folder for the demo's config and data")
	sftpListen := fs.String("sftp-listen", "127.0.0.1:2222", "SFTP listen address")
	httpListen := fs.String("http-listen", "", "health/metrics listen address (default off)")
	if _, err := env.parse(fs, args); err != nil {
		return err
	}
	return runDemo(ctx, env.stdout, env.stderr, demoOptions{Dir: *dir, SFTPListen: *sftpListen, HTTPListen: *httpListen})
}

type demoOptions struct {
	Dir, SFTPListen, HTTPListen string
	// Ready, if set, receives the demo's facts once it runs (tests).
	Ready func(demoInfo)
}

type demoInfo struct {
	Dir, ConfigPath, AtlarURL, SFTPAddr string
	Fake                                *atlartest.Server
}

func runDemo(ctx context.Context, stdout, stderr io.Writer, o demoOptions) error {
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	// The sandbox: demo timings are short so a payment is executed and on
	// a statement within seconds.
	fake := atlartest.New(atlartest.Options{
		BatchStep: 500 * time.Millisecond, PaymentStep: 700 * time.Millisecond,
		InstructionStep: time.Second, SeedDays: 3,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: start sandbox: %w", err)
	}
	fakeSrv := &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = fakeSrv.Serve(ln) }()
	defer fakeSrv.Close()
	atlarURL := "http://" + ln.Addr().String()

	hash, err := sftpserver.HashPassword([]byte("demo"))
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "config.toml")
	var b strings.Builder
	if err := demoConfig.Execute(&b, map[string]string{
		"AtlarURL": atlarURL, "AccessKey": "demo-key", "SFTPListen": o.SFTPListen, "HTTPListen": o.HTTPListen,
		"PasswordHash": hash, "ConnectionID": atlartest.SeedConnectionID,
		"EURAccountID": atlartest.SeedEURAccountID,
	}); err != nil {
		return err
	}
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o640); err != nil {
		return fmt.Errorf("demo: write config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "demo-secret"), []byte("demo-secret\n"), 0o600); err != nil {
		return fmt.Errorf("demo: write secret: %w", err)
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return fmt.Errorf("demo: the generated config is invalid: %w", err)
	}
	log := newLogger(cfg.Log, stderr)
	a, err := startApp(ctx, cfg, appOptions{Logger: log})
	if err != nil {
		return err
	}
	sftpAddr := ""
	if a.sftp != nil {
		sftpAddr = a.sftp.Addr().String()
	}
	printDemoBanner(stdout, dir, cfg.Storage.Root, sftpAddr)
	if o.Ready != nil {
		o.Ready(demoInfo{Dir: dir, ConfigPath: cfgPath, AtlarURL: atlarURL, SFTPAddr: sftpAddr, Fake: fake})
	}
	<-ctx.Done()
	log.Info("stopping demo")
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = a.Close(cctx)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

func printDemoBanner(w io.Writer, dir, root, sftpAddr string) {
	wd, _ := os.Getwd()
	rel := func(p string) string {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
	fmt.Fprintf(w, `
Atlar Bridge demo is running on the built-in Atlar sandbox (no credentials needed).
  config:  %s
  folders: %s%c{inbox,processing,archive,failed,outbox}
  sftp:    sftp -P %s demo@%s   (password: demo)

Accounts a payment file may use (source_iban or source_account_id):
  EUR  %s  BIC %s  id %s
  GBP  %s  BIC %s  id %s
  USD  account %s ABA %s  id %s
Counterparties (external_account_id):
  external:%s  (Fournisseur SARL, EUR %s)
  external:%s  (Supplier Ltd, GBP %s)

Drop a file:
  cp examples/payables.csv %s/
  cp examples/sepa.pain001.xml %s/
and watch %s for the ack, the result and the next statement.
Stop with Ctrl-C.
`,
		rel(filepath.Join(dir, "config.toml")), rel(root), filepath.Separator, port(sftpAddr), host(sftpAddr),
		atlartest.SeedEURIBAN, atlartest.SeedEURBIC, atlartest.SeedEURAccountID,
		atlartest.SeedGBPIBAN, atlartest.SeedGBPBIC, atlartest.SeedGBPAccountID,
		atlartest.SeedUSDAccountNumber, atlartest.SeedUSDRoutingABA, atlartest.SeedUSDAccountID,
		atlartest.SeedFournisseurExternalID, atlartest.SeedFournisseurIBAN,
		atlartest.SeedSupplierExternalID, atlartest.SeedSupplierIBAN,
		rel(filepath.Join(root, "inbox", "payables")), rel(filepath.Join(root, "inbox", "sepa")),
		rel(filepath.Join(root, "outbox")))
}

func host(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

func port(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "2222"
	}
	return p
}
