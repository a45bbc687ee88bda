package main

import (
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/outbound"
)

// outboundReports turns the [[reports]] tables into what outbound renders.
func outboundReports(cfg *config.Config) []outbound.Report {
	var out []outbound.Report
	for _, r := range cfg.Reports {
		eol := "\r\n"
		if r.LineEnding == config.LineEndingLF {
			eol = "\n"
		}
		out = append(out, outbound.Report{
			Name: r.Name, Format: r.Format, Version: r.Version, Accounts: r.Accounts,
			Encoding: r.Encoding, KeepLatin1: r.KeepLatin1, LineEnding: eol, FileName: r.FileName,
			PageEntries: r.PageEntries, Sender: r.Sender, Receiver: r.Receiver,
		})
	}
	return out
}

// reportAges sets the age of the newest report per report and account
// (metric bridge_report_age_seconds) from the journal.
func (a *app) reportAges(now time.Time) {
	last, err := a.store.MetaPrefix(outbound.MetaReportLast)
	if err != nil {
		return
	}
	for k, v := range last {
		name, acct, ok := strings.Cut(k, ".")
		t, err := time.Parse(time.RFC3339, v)
		if !ok || err != nil {
			continue
		}
		a.metrics.SetReportAge(name, acct, now.Sub(t))
	}
}
