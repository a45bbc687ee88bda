package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/atlarbridge/bridge/internal/alert"
	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/metrics"
	"github.com/atlarbridge/bridge/internal/outbound"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
)

// alertSenders are the channels [alerts] configures (none: alerts are
// only logged and counted).
func alertSenders(cfg *config.Config, clock clockwork.Clock) []alert.Sender {
	var out []alert.Sender
	if e := cfg.Alerts.Email; e != nil {
		out = append(out, &alert.Email{Addr: e.SMTP, From: e.From, To: e.To, Username: e.Username, Password: e.Password, TLS: e.TLS})
	}
	if w := cfg.Alerts.Webhook; w != nil {
		out = append(out, &alert.Webhook{URL: w.URL, Secret: w.Secret, Clock: clock})
	}
	return out
}

func newNotifier(cfg *config.Config, log *slog.Logger, clock clockwork.Clock, m *metrics.Metrics) *alert.Notifier {
	return alert.New(alert.Options{
		Clock: clock, Logger: log.With("component", "alert"), MaxPerHour: cfg.Alerts.MaxPerHour,
		OnDeliveryFailed: m.AlertDeliveryFailed, OnDropped: m.AlertDropped,
	}, alertSenders(cfg, clock)...)
}

// observeAtlar feeds the metrics and raises atlar_auth while Atlar answers
// 401/403 (wrong credentials or a role without the permission); the next
// successful answer resolves it.
func (a *app) observeAtlar(method, endpoint string, status int, d time.Duration) {
	a.metrics.AtlarCall(method, endpoint, status, d)
	switch {
	case status == 401 || status == 403:
		a.alerts.Raise("atlar_auth", alert.Event{Kind: alert.AtlarAuth, Severity: alert.Error,
			Message: fmt.Sprintf("Atlar answered %d to %s %s: check atlar.access_key, the secret and the key's role", status, method, endpoint)})
	case status >= 200 && status < 300:
		a.alerts.Resolve("atlar_auth", "Atlar accepts the credentials again")
	}
}

// alertFiles watches the journal's writes and raises an alert for each
// file that is rejected or fails, and for payments rejected or returned
// inside a file Atlar accepted. It reads only the files just written, so
// it costs nothing while nothing happens.
func (a *app) alertFiles(ctx context.Context) {
	feed := a.store.Feed()
	defer feed.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-feed.C():
			if !ok {
				return
			}
		}
		for _, id := range feed.Take() {
			f, err := a.store.Get(id)
			if err != nil {
				continue // pruned or gone: nothing to tell
			}
			a.fileAlert(f)
		}
	}
}

func (a *app) fileAlert(f *state.File) {
	ev := alert.Event{Severity: alert.Error, FileID: f.ID, Route: f.Route, Name: f.Name}
	problem := ""
	if len(f.Problems) > 0 {
		problem = ": " + f.Problems[0].Message
		if n := len(f.Problems); n > 1 {
			problem += fmt.Sprintf(" (and %d more problems)", n-1)
		}
	}
	for _, kind := range []string{alert.FileRejected, alert.FileFailed} {
		key := kind + "/" + f.ID
		if (kind == alert.FileRejected) != (f.State == state.Rejected) || (kind == alert.FileFailed) != (f.State == state.Failed) {
			// A requeued file (bridge retry) starts a new episode.
			a.alerts.Forget(key)
			continue
		}
		ev.Kind = kind
		ev.Message = fmt.Sprintf("file %s (route %s) %s%s", f.Name, f.Route, f.State, problem)
		if kind == alert.FileRejected && f.DuplicateOf != "" {
			ev.Severity = alert.Warning
			ev.Message = fmt.Sprintf("file %s (route %s) rejected as a duplicate of %s", f.Name, f.Route, f.DuplicateOf)
		}
		a.alerts.Raise(key, ev)
	}
	if f.State == state.Failed || f.State == state.Rejected {
		return
	}
	bad := 0
	for _, p := range f.Payments {
		if p.Status == atlar.PaymentRejected || p.Status == atlar.PaymentReturned || p.Status == atlar.PaymentFailed {
			bad++
		}
	}
	if bad > 0 {
		a.alerts.Raise(fmt.Sprintf("payments/%s/%d", f.ID, bad), alert.Event{Kind: alert.PaymentsRejected, Severity: alert.Error,
			FileID: f.ID, Route: f.Route, Name: f.Name,
			Message: fmt.Sprintf("%d of %d payments of file %s (route %s) were rejected, failed or returned", bad, len(f.Payments), f.Name, f.Route)})
	}
}

// checkDisk raises disk_low while the volume under storage.root has less
// than alerts.disk_min_free available.
func (a *app) checkDisk() {
	cfg := a.config()
	min := uint64(cfg.Alerts.DiskMinFree)
	if min == 0 {
		return
	}
	free, err := alert.FreeBytes(cfg.Storage.Root)
	if err != nil {
		a.log.Warn("could not read free disk space", "path", cfg.Storage.Root, "err", err)
		return
	}
	if free < min {
		a.alerts.Raise("disk_low", alert.Event{Kind: alert.DiskLow, Severity: alert.Warning,
			Message: fmt.Sprintf("only %d MiB free under %s (alerts.disk_min_free %d MiB)", free>>20, cfg.Storage.Root, min>>20)})
	} else {
		a.alerts.Resolve("disk_low", fmt.Sprintf("%d MiB free under %s again", free>>20, cfg.Storage.Root))
	}
}

// cmdAlerts is `bridge alerts test`: one alert of each kind to every
// configured channel, sent now (no queue, no retries), each result printed.
func cmdAlerts(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("alerts")
	cfgPath := configFlag(fs)
	cfg, pos, err := env.parseConfig(fs, cfgPath, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "test" {
		return usageErr("alerts: the only subcommand is test (%s alerts test)", cmdName())
	}
	senders := alertSenders(cfg, clockwork.NewRealClock())
	if len(senders) == 0 {
		return configErr(errors.New("alerts test: no channel configured: set alerts.email and/or alerts.webhook in " + cfg.File))
	}
	failed := 0
	now := time.Now()
	for _, s := range senders {
		for _, kind := range alert.Kinds {
			e := alert.Event{Kind: kind, Severity: alert.Warning, Time: now, Route: "test", Name: "alerts-test.csv", FileID: "TEST",
				Message: fmt.Sprintf("test alert (%s) from %s alerts test: no action needed", kind, cmdName())}
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := s.Send(sctx, e)
			cancel()
			if err != nil {
				failed++
				fmt.Fprintf(env.stdout, "%-8s %-18s FAILED: %v\n", s.Channel(), kind, err)
				continue
			}
			fmt.Fprintf(env.stdout, "%-8s %-18s sent\n", s.Channel(), kind)
		}
	}
	if failed > 0 {
		return fmt.Errorf("alerts test: %d deliveries failed", failed)
	}
	return nil
}

// reportHeld counts a report held back because its statement does not add
// up, and tells a person: the ERP is missing that day's statement.
func (a *app) reportHeld(h outbound.HeldReport) {
	a.metrics.ReportHeld(h.Format)
	a.alerts.Raise("report_held/"+h.Report+"/"+h.ReportID, alert.Event{Kind: alert.ReportHeld, Severity: alert.Error,
		Message: fmt.Sprintf("statement %s is held back from report %s (%s): %v; the ERP gets it once Atlar's data adds up", h.ReportID, h.Report, h.Format, h.Err)})
}

// reportReleased resolves the alert of a held report once it is written.
func (a *app) reportReleased(h outbound.HeldReport) {
	a.alerts.Resolve("report_held/"+h.Report+"/"+h.ReportID, fmt.Sprintf("statement %s was written to report %s after all", h.ReportID, h.Report))
}

// checkJournalSize raises journal_large while the journal file is larger
// than alerts.journal_max_size: a journal that keeps growing fills the
// disk some day, and every start checks all of it.
func (a *app) checkJournalSize() {
	max := int64(a.config().Alerts.JournalMaxSize)
	if max == 0 {
		return
	}
	info, err := os.Stat(a.lay.StateFile())
	if err != nil {
		return
	}
	if info.Size() > max {
		a.alerts.Raise("journal_large", alert.Event{Kind: alert.JournalLarge, Severity: alert.Warning,
			Message: fmt.Sprintf("the journal %s is %d MiB (alerts.journal_max_size %d MiB): shorten storage.journal_retention or run %s compact while the bridge is stopped",
				a.lay.StateFile(), info.Size()>>20, max>>20, cmdName())})
	} else {
		a.alerts.Resolve("journal_large", fmt.Sprintf("the journal is %d MiB again", info.Size()>>20))
	}
}
