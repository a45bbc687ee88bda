package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/outbound"
	"github.com/atlarbridge/bridge/internal/sftpserver"
	"github.com/atlarbridge/bridge/internal/state"
)

// statusReport is what `bridge status` shows.
type statusReport struct {
	Running bool                      `json:"running"`
	Root    string                    `json:"root"`
	Files   map[string]map[string]int `json:"files"` // route → state → count
	Totals  map[string]int            `json:"totals"`
	// OldestInFlight is the oldest file not yet submitted or final.
	OldestInFlight    *fileSummary `json:"oldestInFlight,omitempty"`
	LastStatementPoll string       `json:"lastStatementPoll,omitempty"`
	LastStatementRun  string       `json:"lastStatementResult,omitempty"`
	PendingDeliveries int          `json:"pendingDeliveries"`
	Service           string       `json:"service,omitempty"` // what the OS service manager says; filled in by the CLI
	Warnings          []string     `json:"warnings,omitempty"`

	// ClientTemps counts client temp files (*.part, ~*, dot-files) in the
	// inbox folders: uploads not finished yet, or left behind.
	ClientTemps      int       `json:"clientTemps,omitempty"`
	OldestClientTemp time.Time `json:"oldestClientTemp,omitzero"`
	// Reports is the newest [[reports]] delivery per name and account.
	Reports []reportStatus `json:"reports,omitempty"`
}

// fileSummary is one line of `bridge files`.
type fileSummary struct {
	ID         string    `json:"id"`
	Route      string    `json:"route"`
	Name       string    `json:"name"`
	State      string    `json:"state"`
	ReceivedAt time.Time `json:"receivedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	Payments   int       `json:"payments"`
	Path       string    `json:"path"`
	Problem    string    `json:"problem,omitempty"`
	// PaymentsFailed counts payments that ended REJECTED, FAILED or
	// RETURNED; Outcome is "completed-with-failures" for a completed file
	// that has any.
	PaymentsFailed int    `json:"paymentsFailed,omitempty"`
	Outcome        string `json:"outcome,omitempty"`
	// Outputs are the outbox files written for it so far (ack,
	// result.xml, …), by their journal keys.
	Outputs []string `json:"outputs,omitempty"`
}

func summarize(f *state.File) fileSummary {
	s := fileSummary{ID: f.ID, Route: f.Route, Name: f.Name, State: string(f.State), ReceivedAt: f.ReceivedAt,
		UpdatedAt: f.UpdatedAt, Payments: f.PaymentCount(), Path: f.Path, PaymentsFailed: f.PaymentsFailed()}
	if len(f.Problems) > 0 {
		s.Problem = f.Problems[0].Message
	}
	if f.WithFailures() {
		s.Outcome = string(state.CompletedWithFailures)
	}
	if s.Problem == "" && s.PaymentsFailed > 0 {
		s.Problem = fmt.Sprintf("%d of %d payments rejected, failed or returned", s.PaymentsFailed, s.Payments)
	}
	s.Outputs = slices.Sorted(maps.Keys(f.Outputs))
	return s
}

// stateColumns are the states `status` counts and `files --state` takes:
// the lifecycle states and the completed-with-failures outcome.
var stateColumns = append(slices.Clone(state.States), state.CompletedWithFailures)

// stateReader is the journal as the status commands read it.
type stateReader interface {
	Counts() (map[string]map[state.State]int, error)
	List(f state.Filter) ([]*state.File, error)
	GetMeta(key string) (string, bool, error)
	MetaPrefix(prefix string) (map[string]string, error)
	PendingDeliveries() ([]*state.Delivery, error)
}

func buildStatus(s stateReader, cfg *config.Config, running bool) (*statusReport, error) {
	counts, err := s.Counts()
	if err != nil {
		return nil, err
	}
	st := &statusReport{Running: running, Root: cfg.Storage.Root, Files: map[string]map[string]int{}, Totals: map[string]int{}}
	for route, m := range counts {
		st.Files[route] = map[string]int{}
		for k, n := range m {
			st.Files[route][string(k)] = n
			st.Totals[string(k)] += n
		}
	}
	oldest, err := oldestInFlight(s)
	if err != nil {
		return nil, err
	}
	if oldest != nil {
		fs := summarize(oldest)
		st.OldestInFlight = &fs
	}
	if st.OldestInFlight != nil && time.Since(st.OldestInFlight.ReceivedAt) > cfg.Alerts.StuckAfter.Duration && cfg.Alerts.StuckAfter.Duration > 0 {
		st.Warnings = append(st.Warnings, fmt.Sprintf("file %s (%s) has been in flight since %s",
			st.OldestInFlight.ID, st.OldestInFlight.Name, st.OldestInFlight.ReceivedAt.Format(time.RFC3339)))
	}
	st.LastStatementPoll, _, _ = s.GetMeta(outbound.MetaStatementsLast)
	st.LastStatementRun, _, _ = s.GetMeta(outbound.MetaStatementsResult)
	if strings.HasPrefix(st.LastStatementRun, "error") {
		st.Warnings = append(st.Warnings, "last statement poll failed: "+st.LastStatementRun)
	}
	if gap := cfg.Alerts.StatementGap.Duration; gap > 0 {
		ages, err := statementGaps(s, gap, time.Now())
		if err != nil {
			return nil, err
		}
		for acct, age := range ages {
			if age > gap {
				st.Warnings = append(st.Warnings, fmt.Sprintf("no statement for account %s for %s (alerts.statement_gap %s)",
					acct, age.Round(time.Minute), gap))
			}
		}
	}
	if err := addReportStatus(s, st); err != nil {
		return nil, err
	}
	pending, err := s.PendingDeliveries()
	if err != nil {
		return nil, err
	}
	st.PendingDeliveries = len(pending)
	clientTemps(st, cfg, time.Now())
	if !running {
		st.Warnings = append(st.Warnings, "the bridge is not running")
	}
	return st, nil
}

// defaultFilesLimit is the page `files` lists when not told: a journal of a
// year holds hundreds of thousands of records, too many to print (or to
// send over the control socket) at once.
const defaultFilesLimit = 1000

// listFiles lists up to limit files (defaultFilesLimit when <= 0) after the
// id after, in id (arrival) order.
func listFiles(s stateReader, st, route string, limit int, after string) ([]fileSummary, error) {
	if limit <= 0 {
		limit = defaultFilesLimit
	}
	// A page of headers: the listing shows counts, not payments.
	flt := state.Filter{Route: route, Limit: limit, After: after, HeadersOnly: true}
	if st != "" {
		flt.States = []state.State{state.State(st)}
	}
	files, err := s.List(flt)
	if err != nil {
		return nil, err
	}
	out := make([]fileSummary, len(files))
	for i, f := range files {
		out[i] = summarize(f)
	}
	return out, nil
}

// journalAccess runs fn through the running bridge when one answers, or on
// the state file directly when none runs.
type journalAccess struct {
	cfg    *config.Config
	client *controlClient
	store  *state.Store
}

func openJournal(cfgPath string, write bool) (*journalAccess, error) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	lay := layout.Layout{Root: cfg.Storage.Root}
	if c, ok := dialControl(lay.ControlSocket()); ok {
		return &journalAccess{cfg: cfg, client: c}, nil
	}
	st, err := state.Open(lay.StateFile(), state.Options{ReadOnly: !write, Timeout: time.Second})
	if errors.Is(err, state.ErrLocked) {
		return nil, fmt.Errorf("%w; the running bridge did not answer on %s", err, lay.ControlSocket())
	}
	if err != nil {
		return nil, err
	}
	return &journalAccess{cfg: cfg, store: st}, nil
}

func (j *journalAccess) Close() {
	if j.store != nil {
		_ = j.store.Close(context.Background())
	}
}

func cmdStatus(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("status")
	cfgPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := env.parse(fs, args); err != nil {
		return err
	}
	j, err := openJournal(*cfgPath, false)
	if errors.Is(err, os.ErrNotExist) && exitCode(err) != exitUsage {
		// No journal yet: the bridge never ran with this config.
		if *asJSON {
			if err := writeJSON(env.stdout, &statusReport{Warnings: []string{err.Error()}}); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(env.stdout, "Atlar Bridge: not running (no journal yet: %v)\n", err)
		}
		return &exitError{code: exitNotRunning}
	}
	if err != nil {
		return err
	}
	defer j.Close()
	var st *statusReport
	if j.client != nil {
		err = j.client.call(ctx, "GET", "/status", &st)
	} else {
		st, err = buildStatus(j.store, j.cfg, false)
	}
	if err != nil {
		return err
	}
	st.Service = serviceState()
	if *asJSON {
		err = writeJSON(env.stdout, st)
	} else {
		printStatus(env.stdout, st)
	}
	if err == nil && !st.Running {
		// The status is printed; the exit code tells scripts and
		// monitoring that no bridge runs (SPEC §7), as systemctl does.
		return &exitError{code: exitNotRunning}
	}
	return err
}

func printStatus(w io.Writer, st *statusReport) {
	running := "not running"
	if st.Running {
		running = "running"
	}
	fmt.Fprintf(w, "Atlar Bridge: %s (storage %s)\n\n", running, st.Root)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "ROUTE")
	for _, s := range stateColumns {
		fmt.Fprintf(tw, "\t%s", strings.ToUpper(string(s)))
	}
	fmt.Fprintln(tw)
	routes := make([]string, 0, len(st.Files))
	for r := range st.Files {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		fmt.Fprint(tw, r)
		for _, s := range stateColumns {
			fmt.Fprintf(tw, "\t%d", st.Files[r][string(s)])
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	if st.OldestInFlight != nil {
		fmt.Fprintf(w, "Oldest in flight:    %s %s (%s since %s)\n", st.OldestInFlight.ID, st.OldestInFlight.Name,
			st.OldestInFlight.State, st.OldestInFlight.ReceivedAt.Local().Format(time.DateTime))
	}
	fmt.Fprintf(w, "Last statement poll: %s %s\n", orDefault(st.LastStatementPoll, "never"), st.LastStatementRun)
	fmt.Fprintf(w, "Outbox files being written: %d\n", st.PendingDeliveries)
	if st.ClientTemps > 0 {
		fmt.Fprintf(w, "Client temp files:   %d in the inbox folders, oldest from %s\n", st.ClientTemps,
			st.OldestClientTemp.Local().Format(time.DateTime))
	}
	printReportStatus(w, st)
	if st.Service != "" {
		fmt.Fprintf(w, "Service:             %s\n", st.Service)
	}
	for _, warn := range st.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", warn)
	}
}

func cmdFiles(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("files")
	cfgPath := configFlag(fs)
	stateFlag := fs.String("state", "", "only files in this state")
	route := fs.String("route", "", "only files of this route")
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", defaultFilesLimit, "list at most this many files")
	after := fs.String("after", "", "list files after this id (the last id of the previous page)")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if *limit <= 0 {
		return usageErr("files: --limit must be > 0 (got %d)", *limit)
	}
	if *stateFlag != "" && !slices.Contains(stateColumns, state.State(*stateFlag)) {
		return usageErr("files: unknown state %q", *stateFlag)
	}
	j, err := openJournal(*cfgPath, false)
	if err != nil {
		return err
	}
	defer j.Close()
	if len(pos) > 0 {
		if pos[0] != "show" || len(pos) != 2 {
			return usageErr("usage: %s files show ID", cmdName())
		}
		var f *state.File
		if j.client != nil {
			err = j.client.call(ctx, "GET", "/files/"+pos[1], &f)
		} else {
			f, err = j.store.Get(pos[1])
		}
		if err != nil {
			return fmt.Errorf("file %s: %w", pos[1], err)
		}
		if *asJSON {
			return writeJSON(env.stdout, f)
		}
		printFile(env.stdout, f)
		return nil
	}
	var files []fileSummary
	if j.client != nil {
		q := url.Values{"state": {*stateFlag}, "route": {*route}, "limit": {strconv.Itoa(*limit)}, "after": {*after}}
		err = j.client.call(ctx, "GET", "/files?"+q.Encode(), &files)
	} else {
		files, err = listFiles(j.store, *stateFlag, *route, *limit, *after)
	}
	if err != nil {
		return err
	}
	if len(files) == *limit {
		// A full page: say how to get the next one, on stderr so that
		// --json output stays one document.
		fmt.Fprintf(env.stderr, "more files may follow: %s files --after %s\n", cmdName(), files[len(files)-1].ID)
	}
	if *asJSON {
		return writeJSON(env.stdout, files)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROUTE\tSTATE\tRECEIVED\tPAYMENTS\tNAME\tPROBLEM")
	for _, f := range files {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", f.ID, f.Route, orDefault(f.Outcome, f.State),
			f.ReceivedAt.Local().Format(time.DateTime), f.Payments, f.Name, f.Problem)
	}
	return tw.Flush()
}

func printFile(w io.Writer, f *state.File) {
	fmt.Fprintf(w, "File %s: %s\n", f.ID, f.Name)
	fmt.Fprintf(w, "  route %s (%s", f.Route, f.Format)
	if f.Mode != "" {
		fmt.Fprintf(w, ", %s", f.Mode)
	}
	fmt.Fprintf(w, "), %d bytes, sha256 %s\n  from %s, now %s at %s\n\n", f.Size, f.SHA256, f.Source, f.State, f.Path)
	fmt.Fprintln(w, "Journey:")
	for _, s := range f.Steps {
		line := fmt.Sprintf("  %s  %-10s %s", s.At.Local().Format("2006-01-02 15:04:05.000"), s.State, s.Note)
		if s.RequestID != "" {
			line += " [request-id " + s.RequestID + "]"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	for _, b := range f.Batches {
		fmt.Fprintf(w, "\nBatch %d: %d payments, externalId %s, Atlar id %s, status %s\n", b.Index+1, b.Count, b.ExternalID, orDefault(b.ID, "-"), orDefault(b.Status, "-"))
	}
	if ins := f.Instruction; ins != nil {
		fmt.Fprintf(w, "\nInstruction on connection %s: Atlar id %s, status %s\n", ins.ConnectionID, orDefault(ins.ID, "-"), orDefault(ins.Status, "-"))
	}
	if len(f.Payments) > 0 {
		fmt.Fprintln(w, "\nPayments:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, p := range f.Payments {
			fmt.Fprintf(tw, "  row %d\t%s\t%s %s\t%s\t%s\t%s\n", p.Row, p.ExternalID, money.Format(p.Amount, p.Currency), p.Currency, orDefault(p.Status, "-"), p.PaymentID, p.Reason)
		}
		_ = tw.Flush()
	}
	if len(f.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range f.Problems {
			fmt.Fprintf(w, "  - %s\n", p.Message)
		}
	}
}

func cmdRetry(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("retry")
	cfgPath := configFlag(fs)
	force := fs.Bool("force", false, "skip duplicate checks: send a file again on purpose")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: %s retry ID [--force]", cmdName())
	}
	j, err := openJournal(*cfgPath, true)
	if err != nil {
		return err
	}
	defer j.Close()
	if j.client != nil {
		var out map[string]string
		err = j.client.call(ctx, "POST", fmt.Sprintf("/retry/%s?force=%v", pos[0], *force), &out)
	} else {
		_, err = inbound.Requeue(j.store, pos[0], *force)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "requeued %s\n", pos[0])
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// clientTemps adds the inbox folders' client temp files to st, with a
// warning for those the next hourly sweep removes (sftp.client_temp_max_age).
func clientTemps(st *statusReport, cfg *config.Config, now time.Time) {
	temps, err := sftpserver.ClientTemps(inboxDirs(layout.Layout{Root: cfg.Storage.Root}, cfg))
	if err != nil {
		st.Warnings = append(st.Warnings, "could not list client temp files: "+err.Error())
	}
	if len(temps) == 0 {
		return
	}
	st.ClientTemps, st.OldestClientTemp = len(temps), temps[0].ModTime
	maxAge := cfg.SFTP.ClientTempMaxAge.Duration
	if maxAge <= 0 {
		return
	}
	stale := 0
	for _, t := range temps {
		if now.Sub(t.ModTime) > maxAge {
			stale++
		}
	}
	if stale > 0 {
		st.Warnings = append(st.Warnings, fmt.Sprintf("%d client temp file(s) untouched for more than sftp.client_temp_max_age %s (oldest %s): abandoned uploads, removed within the hour while the bridge runs",
			stale, maxAge, temps[0].Path))
	}
}
