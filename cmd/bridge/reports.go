package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
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
			Interval: r.Interval.Duration,
		})
		if r.Backfill != nil {
			out[len(out)-1].Backfill = r.Backfill.Duration
		}
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

// reportStatus is one [[reports]] entry's newest delivery for an account
// in `bridge status`.
type reportStatus struct {
	Report  string `json:"report"`
	Account string `json:"account"`
	Last    string `json:"lastDelivered"`
}

// addReportStatus adds the newest report per name and account, and a
// warning for each statement held because it does not add up.
func addReportStatus(s stateReader, st *statusReport) error {
	last, err := s.MetaPrefix(outbound.MetaReportLast)
	if err != nil {
		return err
	}
	for k, v := range last {
		name, acct, _ := strings.Cut(k, ".")
		st.Reports = append(st.Reports, reportStatus{Report: name, Account: acct, Last: v})
	}
	slices.SortFunc(st.Reports, func(a, b reportStatus) int {
		return cmp.Or(cmp.Compare(a.Report, b.Report), cmp.Compare(a.Account, b.Account))
	})
	held, err := s.MetaPrefix(outbound.MetaReportHeld)
	if err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(held))
	for _, k := range keys {
		if why := held[k]; why != "" {
			name, id, _ := strings.Cut(k, ".")
			st.Warnings = append(st.Warnings, fmt.Sprintf("report %s of statement %s held: %s", name, id, why))
		}
	}
	return nil
}

func printReportStatus(w io.Writer, st *statusReport) {
	if len(st.Reports) == 0 {
		return
	}
	fmt.Fprintln(w, "Reports (newest per account):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range st.Reports {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Report, r.Account, r.Last)
	}
	_ = tw.Flush()
}
