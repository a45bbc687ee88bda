package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bai2"
	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/mt940"
	"github.com/atlarbridge/bridge/internal/reportcsv"
	"github.com/atlarbridge/bridge/internal/state"
)

// Report formats.
const (
	ReportCamt053         = "camt.053"
	ReportMT940           = "mt940"
	ReportBAI2            = "bai2"
	ReportCSVTransactions = "csv-transactions"
	ReportCSVBalances     = "csv-balances"
	// ReportCamt054 is a debit/credit notification per statement, one
	// entry per booked transaction.
	ReportCamt054 = "camt.054"
	// ReportRaw is the bank's own statement file, byte for byte.
	ReportRaw = "raw"
)

// bankStatements is what format raw needs of the Atlar API; a separate
// interface so that Atlar (and every fake of it) stays as it is.
type bankStatements interface {
	BankStatement(ctx context.Context, connectionID, reportID string) ([]byte, error)
}

// Report is one [[reports]] entry: Atlar's statements rendered in one
// format into outbox/<Name>/, each exactly once per account and statement.
type Report struct {
	Name   string
	Format string
	// Version is the camt.053 version of format camt.053.
	Version string
	// Accounts are IBANs, other account numbers or Atlar account ids;
	// empty means all.
	Accounts   []string
	Encoding   string
	KeepLatin1 bool
	// LineEnding is "\r\n" or "\n".
	LineEnding string
	// FileName is the template: {account}, {date}, {seq}, {id}.
	FileName         string
	PageEntries      int
	Sender, Receiver string
	// Interval is how often an intraday report (mt942, camt.052) polls
	// Financial Data; 0 is DefaultIntradayInterval.
	Interval time.Duration
	// Backfill is how far back an intraday report replays the intervals
	// it missed, one report per interval with bookings; 0 sends what was
	// missed in one report.
	Backfill time.Duration
}

// Journal meta keys of the reports engine.
const (
	// MetaReportSince + name is the report's backfill cut-off, set on its
	// first poll: a report added later does not reach back further.
	MetaReportSince = "reports.since."
	// MetaReportSeq + name + "." + account is the last statement number
	// (:28C:, BAI2 file id, {seq}) given to that account's report.
	MetaReportSeq = "reports.seq."
	// MetaReportSeqOf + name + "." + report id is the number given to that
	// statement, recorded before the file is written: a crash between
	// the two never skips or reuses a number.
	MetaReportSeqOf = "reports.seqof."
	// MetaReportHeld + name + "." + report id is why that report of that
	// statement was held (it does not add up); emptied when it is written
	// after all.
	MetaReportHeld = "reports.held."
	// MetaReportLast + name + "." + account is when that account's last
	// report of that name was delivered.
	MetaReportLast = "reports.last."
)

// reportKey is the delivery key of one report of one statement.
func reportKey(name, reportID string) string { return "rpt/" + name + "/" + reportID }

// reportSource is one Atlar statement as the reports see it, downloaded
// and parsed at most once per poll however many reports need it.
type reportSource struct {
	connID string
	r      atlar.Report
	// raw is the camt.053 by version, always downloaded with
	// externalIdAsEndToEndId=true.
	raw  map[string][]byte
	camt *camt053.Statement
	st   *bankstmt.Statement
	err  error
}

func (src *reportSource) content(ctx context.Context, ob *Outbound, version string) ([]byte, error) {
	if data, ok := src.raw[version]; ok {
		return data, nil
	}
	// ASSUMPTION (Atlar): the statement content with
	// externalIdAsEndToEndId=true carries the externalId of the payments
	// the bridge submitted as EndToEndId, which reports need for
	// reconciliation whatever [statements] says.
	data, err := ob.o.API.ReportContent(ctx, src.connID, src.r.ID, version, true)
	if err != nil {
		return nil, fmt.Errorf("download report %s as %s: %w", src.r.ID, version, err)
	}
	if src.raw == nil {
		src.raw = map[string][]byte{}
	}
	src.raw[version] = data
	return data, nil
}

// statement is the format-neutral statement of the source: Atlar's own
// camt.053 read back, so every format carries exactly its entries.
func (src *reportSource) statement(ctx context.Context, ob *Outbound) (*bankstmt.Statement, error) {
	if src.st != nil || src.err != nil {
		return src.st, src.err
	}
	data, err := src.content(ctx, ob, camt053.V02)
	if err != nil {
		return nil, err // not cached: a network error is tried again
	}
	stmts, err := camt053.Read(data)
	if err == nil && len(stmts) != 1 {
		err = fmt.Errorf("%d statements in one report, want 1", len(stmts))
	}
	var st bankstmt.Statement
	if err == nil {
		st, err = bankstmt.FromCamt053(src.r.ID, stmts[0])
	}
	if err != nil {
		src.err = fmt.Errorf("report %s: %w", src.r.ID, err)
		return nil, src.err
	}
	src.st, src.camt = &st, &stmts[0]
	return src.st, nil
}

// account names the statement's account for the file name and the
// numbering: IBAN, else other number, else Atlar's account id.
func (src *reportSource) account() string {
	if src.st != nil && src.st.Account() != "" {
		return src.st.Account()
	}
	if len(src.r.AccountIDs) > 0 {
		return src.r.AccountIDs[0]
	}
	return "account"
}

// wants reports whether rep covers the source's account.
func (rep *Report) wants(src *reportSource) bool {
	if len(rep.Accounts) == 0 {
		return true
	}
	for _, a := range rep.Accounts {
		if slices.Contains(src.r.AccountIDs, a) {
			return true
		}
	}
	if src.st == nil {
		return false
	}
	norm := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }
	for _, a := range rep.Accounts {
		if norm(a) == norm(src.st.IBAN) || (src.st.OtherID != "" && a == src.st.OtherID) {
			return true
		}
	}
	return false
}

// pollReports delivers every configured report of one Atlar statement
// not delivered yet. It downloads the statement only when some report
// still needs it, so a poll with nothing new costs no download.
func (ob *Outbound) pollReports(ctx context.Context, src *reportSource, now time.Time) (int, error) {
	r := src.r
	created, _ := time.Parse(time.RFC3339Nano, r.Created)
	n := 0
	var errs []error
	for i := range ob.o.Reports {
		rep := &ob.o.Reports[i]
		if IntradayFormat(rep.Format) {
			continue // polled from Financial Data, not statements
		}
		since, err := ob.reportSince(rep.Name, now)
		if err != nil {
			return n, err
		}
		if !created.IsZero() && created.Before(since) {
			continue
		}
		key := reportKey(rep.Name, r.ID)
		if d, err := ob.j.GetDelivery(key); err == nil && d.Done {
			continue
		} else if err != nil && !errors.Is(err, state.ErrNotFound) {
			return n, fmt.Errorf("reports: %w", err)
		}
		done, err := ob.deliverReportAs(ctx, rep, src, key, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("report %s of statement %s: %w", rep.Name, r.ID, err))
			continue
		}
		if done {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (ob *Outbound) reportSince(name string, now time.Time) (time.Time, error) {
	v, ok, err := ob.j.GetMeta(MetaReportSince + name)
	if err != nil {
		return time.Time{}, fmt.Errorf("reports: %w", err)
	}
	if ok {
		return time.Parse(time.RFC3339, v)
	}
	since := now.Add(-ob.o.Statements.Backfill)
	if err := ob.j.SetMeta(MetaReportSince+name, since.Format(time.RFC3339)); err != nil {
		return time.Time{}, fmt.Errorf("reports: %w", err)
	}
	return since, nil
}

// deliverReportAs renders and delivers one report of one statement under
// key; again (redeliver) names the file …_again. It returns false when the
// report does not cover the account or the statement is held.
func (ob *Outbound) deliverReportAs(ctx context.Context, rep *Report, src *reportSource, key, again string) (bool, error) {
	st, err := src.statement(ctx, ob)
	if err != nil && src.err == nil {
		return false, err
	}
	if !rep.wants(src) {
		return false, nil
	}
	if err == nil && rep.Format != ReportRaw {
		// raw is the bank's file, not rendered from these figures: it
		// is never held for them.
		err = st.Check()
	}
	if err != nil {
		ob.hold(rep, src, err)
		return false, nil
	}
	acct := src.account()
	seq, err := ob.reportSeq(rep.Name, acct, src.r.ID)
	if err != nil {
		return false, err
	}
	var buf bytes.Buffer
	if err := ob.renderReport(ctx, &buf, rep, src, seq); err != nil {
		return false, fmt.Errorf("render %s: %w", rep.Format, err)
	}
	name := reportFileName(rep.FileName, acct, st.Date, seq, src.r.ID)
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		ext = name[i:]
	}
	alt := strings.TrimSuffix(name, ext) + "_" + shortID(src.r.ID) + ext
	if again != "" {
		name = strings.TrimSuffix(name, ext) + again + ext
		alt = strings.TrimSuffix(alt, ext) + again + ext
	}
	path, err := ob.deliver(key, ob.lay.Abs("outbox/"+rep.Name), name, alt, buf.Bytes())
	if err != nil {
		return false, err
	}
	if v, held, _ := ob.j.GetMeta(MetaReportHeld + rep.Name + "." + src.r.ID); held && v != "" {
		_ = ob.j.SetMeta(MetaReportHeld+rep.Name+"."+src.r.ID, "")
		if ob.o.OnReportReleased != nil {
			ob.o.OnReportReleased(HeldReport{Report: rep.Name, Format: rep.Format, ReportID: src.r.ID})
		}
	}
	_ = ob.j.SetMeta(MetaReportLast+rep.Name+"."+acct, ob.clock.Now().UTC().Format(time.RFC3339))
	if ob.o.OnDelivered != nil {
		ob.o.OnDelivered("report." + rep.Format)
	}
	ob.log.Info("report delivered", "report", rep.Name, "format", rep.Format, "report_id", src.r.ID,
		"account", acct, "seq", seq, "path", path)
	return true, nil
}

// hold keeps a statement that does not add up (or cannot be read) out of
// the outbox: an ERP must never import it. It is logged at ERROR once,
// recorded in the journal for status, and tried again every poll (Atlar
// may correct it).
func (ob *Outbound) hold(rep *Report, src *reportSource, err error) {
	key := MetaReportHeld + rep.Name + "." + src.r.ID
	prev, held, _ := ob.j.GetMeta(key)
	msg := err.Error()
	if !held || prev != msg {
		_ = ob.j.SetMeta(key, msg)
		ob.log.Error("statement held: not written to any report", "report", rep.Name, "format", rep.Format,
			"report_id", src.r.ID, "err", err)
		if ob.o.OnReportHeld != nil {
			ob.o.OnReportHeld(HeldReport{Report: rep.Name, Format: rep.Format, ReportID: src.r.ID, Err: err})
		}
		return
	}
	ob.log.Debug("statement still held", "report", rep.Name, "report_id", src.r.ID, "err", err)
}

// reportSeq returns the number of the statement in the account's series
// of that report: the one recorded for it, else the next one, recorded
// before the file is written so that a crash never skips or reuses one.
func (ob *Outbound) reportSeq(name, acct, reportID string) (int64, error) {
	seqKey := MetaReportSeq + name + "." + acct
	last := int64(0)
	if v, ok, err := ob.j.GetMeta(seqKey); err != nil {
		return 0, fmt.Errorf("reports: %w", err)
	} else if ok && v != "" {
		if last, err = strconv.ParseInt(v, 10, 64); err != nil {
			return 0, fmt.Errorf("reports: %s = %q: %w", seqKey, v, err)
		}
	}
	ofKey := MetaReportSeqOf + name + "." + reportID
	v, ok, err := ob.j.GetMeta(ofKey)
	if err != nil {
		return 0, fmt.Errorf("reports: %w", err)
	}
	if ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("reports: %s = %q: %w", ofKey, v, err)
		}
		if n > last {
			// A crash came between the two records below.
			if err := ob.j.SetMeta(seqKey, strconv.FormatInt(n, 10)); err != nil {
				return 0, fmt.Errorf("reports: %w", err)
			}
		}
		return n, nil
	}
	n := last + 1
	if err := ob.j.SetMeta(ofKey, strconv.FormatInt(n, 10)); err != nil {
		return 0, fmt.Errorf("reports: %w", err)
	}
	if err := ob.j.SetMeta(seqKey, strconv.FormatInt(n, 10)); err != nil {
		return 0, fmt.Errorf("reports: %w", err)
	}
	return n, nil
}

func (ob *Outbound) renderReport(ctx context.Context, buf *bytes.Buffer, rep *Report, src *reportSource, seq int64) error {
	st := src.st
	switch rep.Format {
	case ReportCamt053:
		data, err := src.content(ctx, ob, rep.Version)
		if err != nil {
			return err
		}
		buf.Write(data)
		return nil
	case ReportRaw:
		api, ok := ob.o.API.(bankStatements)
		if !ok {
			return errors.New("the Atlar client cannot download bank statements")
		}
		data, err := api.BankStatement(ctx, src.connID, src.r.ID)
		if err != nil {
			return fmt.Errorf("download bank statement of report %s: %w", src.r.ID, err)
		}
		buf.Write(data)
		return nil
	case ReportCamt054:
		// The statement's entries, as Atlar's camt.053 has them, as a
		// notification: ASSUMPTION (Atlar) a booked transaction is
		// notified with the statement that books it (the fake has no
		// Financial Data transactions feed to notify earlier).
		n := *src.camt
		n.MsgID = "NTF" + strings.ReplaceAll(src.r.ID, "-", "")
		n.ID = n.MsgID
		n.CreatedAt = ob.clock.Now().UTC()
		// Straight into buf: RenderNotification would build a second
		// copy of a document that can be 100+ MB.
		return camt053.WriteNotification(buf, rep.Version, n)
	case ReportMT940:
		return mt940.Render(ctx, buf, mt940.Header{StatementNo: seq}, st, mt940.Options{
			Encoding: rep.Encoding, LineEnding: rep.LineEnding, PageEntries: rep.PageEntries, KeepLatin1: rep.KeepLatin1})
	case ReportBAI2:
		return bai2.Render(ctx, buf, bai2.Header{FileID: seq, Created: ob.clock.Now()}, []bankstmt.Statement{*st},
			bai2.Options{Sender: rep.Sender, Receiver: rep.Receiver, LineEnding: rep.LineEnding})
	case ReportCSVTransactions:
		return reportcsv.Transactions(ctx, buf, []bankstmt.Statement{*st}, reportcsv.Options{Encoding: rep.Encoding, LineEnding: rep.LineEnding})
	case ReportCSVBalances:
		return reportcsv.Balances(ctx, buf, []bankstmt.Statement{*st}, reportcsv.Options{Encoding: rep.Encoding, LineEnding: rep.LineEnding})
	}
	return fmt.Errorf("format %q is not supported", rep.Format)
}

// reportFileName fills the template; each value is made safe as a file
// name part.
func reportFileName(tmpl, acct string, date time.Time, seq int64, id string) string {
	clean := func(s string) string { return unsafeName.ReplaceAllString(s, "-") }
	return strings.NewReplacer(
		"{account}", clean(acct),
		"{date}", date.Format(time.DateOnly),
		"{seq}", fmt.Sprintf("%05d", seq),
		"{id}", clean(id),
	).Replace(tmpl)
}

// shortID is enough of a report id to tell two files of one name apart.
func shortID(id string) string {
	id = strings.ReplaceAll(id, "-", "")
	return unsafeName.ReplaceAllString(id[:min(8, len(id))], "-")
}

// redeliverReports writes the reports of one statement again: every
// configured report, or only the one named (bridge redeliver NAME/ID).
func (ob *Outbound) redeliverReports(ctx context.Context, connID string, r atlar.Report, only string) ([]string, error) {
	src := &reportSource{connID: connID, r: r}
	var paths []string
	for i := range ob.o.Reports {
		rep := &ob.o.Reports[i]
		if (only != "" && rep.Name != only) || IntradayFormat(rep.Format) {
			continue
		}
		key := fmt.Sprintf("%s/redeliver/%d", reportKey(rep.Name, r.ID), ob.clock.Now().UnixNano())
		done, err := ob.deliverReportAs(ctx, rep, src, key, "_again")
		if err != nil {
			return paths, fmt.Errorf("redeliver %s of %s: %w", rep.Name, r.ID, err)
		}
		if done {
			d, err := ob.j.GetDelivery(key)
			if err == nil {
				paths = append(paths, d.Path)
			}
		}
	}
	return paths, nil
}

// reportDirs are the outbox folders of the configured reports.
func (ob *Outbound) reportDirs() []string {
	var dirs []string
	for _, rep := range ob.o.Reports {
		dirs = append(dirs, ob.lay.Abs("outbox/"+rep.Name))
	}
	return dirs
}
