package outbound

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/state"
)

// Journal meta keys of the statement poller.
const (
	MetaStatementsSince  = "statements.since"
	MetaStatementsLast   = "statements.last_poll"
	MetaStatementsResult = "statements.last_result"
	// MetaStatementAccount + account is when that account's last
	// statement was delivered.
	MetaStatementAccount = "statements.account."
)

// PollStatements lists the reports of the configured connections and
// delivers each statement not delivered yet, once. On the very first poll
// only reports created within statements.backfill are taken; that cut-off
// is journaled so later polls never reach further back.
func (ob *Outbound) PollStatements(ctx context.Context) error {
	now := ob.clock.Now().UTC()
	since, err := ob.since(now)
	if err != nil {
		return err
	}
	delivered, err := ob.pollStatements(ctx, since)
	if err != nil && ctx.Err() != nil {
		// Stopping cut the poll short: that is no result for an operator
		// to read in status; the last finished poll stays on record.
		return err
	}
	result := fmt.Sprintf("ok: %d statement(s) delivered", delivered)
	if err != nil {
		result = "error: " + err.Error()
	}
	_ = ob.j.SetMeta(MetaStatementsLast, now.Format(time.RFC3339))
	_ = ob.j.SetMeta(MetaStatementsResult, result)
	return err
}

func (ob *Outbound) since(now time.Time) (time.Time, error) {
	v, ok, err := ob.j.GetMeta(MetaStatementsSince)
	if err != nil {
		return time.Time{}, fmt.Errorf("statements: %w", err)
	}
	if ok {
		return time.Parse(time.RFC3339, v)
	}
	since := now.Add(-ob.o.Statements.Backfill)
	if err := ob.j.SetMeta(MetaStatementsSince, since.Format(time.RFC3339)); err != nil {
		return time.Time{}, fmt.Errorf("statements: %w", err)
	}
	return since, nil
}

func (ob *Outbound) pollStatements(ctx context.Context, since time.Time) (int, error) {
	conns, err := ob.o.API.ListConnections(ctx)
	if err != nil {
		return 0, fmt.Errorf("list connections: %w", err)
	}
	n := 0
	var errs []error
	for _, c := range conns {
		if len(ob.o.Statements.Connections) > 0 && !slices.Contains(ob.o.Statements.Connections, c.ID) {
			continue
		}
		reports, err := ob.o.API.ListReports(ctx, c.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("list reports of %s: %w", c.ID, err))
			continue
		}
		// Oldest first, so that [[reports]] number an account's
		// statements in their order.
		slices.SortStableFunc(reports, func(a, b atlar.Report) int { return strings.Compare(a.Created, b.Created) })
		for _, r := range reports {
			if !isStatement(r) {
				continue
			}
			// One download of the statement serves the reports and, when
			// it is the same document, [statements] too.
			src := &reportSource{connID: c.ID, r: r}
			if len(ob.o.Reports) > 0 {
				k, err := ob.pollReports(ctx, src, ob.clock.Now().UTC())
				n += k
				if err != nil {
					errs = append(errs, err)
				}
			}
			if !ob.o.Statements.Enabled {
				continue
			}
			if created, err := time.Parse(time.RFC3339Nano, r.Created); err == nil && created.Before(since) {
				continue
			}
			key := "report/" + r.ID
			if d, err := ob.j.GetDelivery(key); err == nil && d.Done {
				continue
			} else if err != nil && !errors.Is(err, state.ErrNotFound) {
				return n, fmt.Errorf("statements: %w", err)
			}
			if err := ob.deliverReport(ctx, src, key); err != nil {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}

// isStatement keeps account statements. The report types are not in the
// public spec; an untyped report is taken to be a statement.
func isStatement(r atlar.Report) bool {
	return r.Type == "" || strings.Contains(strings.ToUpper(r.Type), "STATEMENT")
}

func (ob *Outbound) deliverReport(ctx context.Context, src *reportSource, key string) error {
	st := ob.o.Statements
	connID, r := src.connID, src.r
	data, ok := src.raw[st.Format]
	if !ok || !st.ExternalIDAsEndToEndID {
		var err error
		data, err = ob.o.API.ReportContent(ctx, connID, r.ID, st.Format, st.ExternalIDAsEndToEndID)
		if err != nil {
			return fmt.Errorf("download report %s: %w", r.ID, err)
		}
	}
	name, acct := statementName(data, r)
	path, err := ob.deliver(key, ob.lay.Statements(), name, "", data)
	if err != nil {
		return err
	}
	// Per-account delivery times feed the statement-gap alert.
	_ = ob.j.SetMeta(MetaStatementAccount+acct, ob.clock.Now().UTC().Format(time.RFC3339))
	if ob.o.OnDelivered != nil {
		ob.o.OnDelivered("statement")
	}
	ob.log.Info("statement delivered", "report_id", r.ID, "connection_id", connID, "path", path)
	return nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// statementName is <account IBAN or id>_<statement date>_<report id>.xml,
// read from the statement itself where possible; it also returns the
// account.
func statementName(data []byte, r atlar.Report) (string, string) {
	acct, date := "", r.StatementDate
	if h, err := camt053.ReadHeader(data); err == nil {
		acct = h.IBAN
		if acct == "" {
			acct = h.OtherID
		}
		if h.Date != "" {
			date = h.Date
		}
	}
	if acct == "" && len(r.AccountIDs) > 0 {
		acct = r.AccountIDs[0]
	}
	if acct == "" {
		acct = "account"
	}
	if date == "" {
		date = strings.SplitN(r.Created, "T", 2)[0]
	}
	clean := func(s string) string { return unsafeName.ReplaceAllString(s, "-") }
	return clean(acct) + "_" + clean(date) + "_" + clean(r.ID) + ".xml", acct
}

// Redeliver writes a statement to the outbox again (bridge redeliver),
// and every [[reports]] file of it; "NAME/REPORT_ID" writes only that
// report's file. For an intraday report NAME, "NAME/ACCOUNT/SEQ",
// "NAME/ACCOUNT/YYYY-MM-DD" or "NAME/FILE" writes delivered intraday
// reports again (redeliverIntraday). It returns the paths written,
// comma-separated.
func (ob *Outbound) Redeliver(ctx context.Context, reportID string) (string, error) {
	only := ""
	if name, id, ok := strings.Cut(reportID, "/"); ok {
		only, reportID = name, id
		i := slices.IndexFunc(ob.o.Reports, func(r Report) bool { return r.Name == name })
		if i < 0 {
			return "", fmt.Errorf("redeliver: no [[reports]] named %q", name)
		}
		if IntradayFormat(ob.o.Reports[i].Format) {
			paths, err := ob.redeliverIntraday(ctx, &ob.o.Reports[i], id)
			return strings.Join(paths, ", "), err
		}
	}
	conns, err := ob.o.API.ListConnections(ctx)
	if err != nil {
		return "", fmt.Errorf("redeliver: list connections: %w", err)
	}
	for _, c := range conns {
		reports, err := ob.o.API.ListReports(ctx, c.ID)
		if err != nil {
			return "", fmt.Errorf("redeliver: list reports of %s: %w", c.ID, err)
		}
		for _, r := range reports {
			if r.ID != reportID {
				continue
			}
			if only != "" || !ob.o.Statements.Enabled && len(ob.o.Reports) > 0 {
				paths, err := ob.redeliverReports(ctx, c.ID, r, only)
				return strings.Join(paths, ", "), err
			}
			key := fmt.Sprintf("report/%s/redeliver/%d", r.ID, ob.clock.Now().UnixNano())
			st := ob.o.Statements
			data, err := ob.o.API.ReportContent(ctx, c.ID, r.ID, st.Format, st.ExternalIDAsEndToEndID)
			if err != nil {
				return "", fmt.Errorf("redeliver %s: %w", r.ID, err)
			}
			name, _ := statementName(data, r)
			path, err := ob.deliver(key, ob.lay.Statements(), name, strings.TrimSuffix(name, ".xml")+"_again.xml", data)
			if err != nil || len(ob.o.Reports) == 0 {
				return path, err
			}
			paths, err := ob.redeliverReports(ctx, c.ID, r, "")
			return strings.Join(append([]string{path}, paths...), ", "), err
		}
	}
	return "", fmt.Errorf("redeliver: report %s not found on any connection", reportID)
}
