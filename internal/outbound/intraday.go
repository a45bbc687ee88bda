package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/mt940"
)

// Intraday report formats: entries and balances since the last report of
// the account, every Report.Interval, from Atlar's Financial Data
// transactions and balances (not from statements).
const (
	ReportMT942   = "mt942"
	ReportCamt052 = "camt.052"
)

// IntradayFormat reports whether format is polled from Financial Data.
func IntradayFormat(format string) bool { return format == ReportMT942 || format == ReportCamt052 }

// financialData is what the intraday reports need of the Atlar API; a
// separate interface so that Atlar (and every fake of it) stays as it is.
type financialData interface {
	ListAccounts(ctx context.Context) ([]atlar.Account, error)
	ListTransactions(ctx context.Context, q atlar.TransactionQuery) ([]atlar.Transaction, error)
	ListBalances(ctx context.Context, q atlar.BalanceQuery) ([]atlar.Balance, error)
}

// MetaIntraday + name + "." + account id is the intraday cursor of that
// report and account (intradayCursor as JSON). It is one journal value, so
// the cursor, the numbering and a report being written move together.
const MetaIntraday = "reports.intraday."

// DefaultIntradayInterval is how often an intraday report polls when its
// entry sets no interval.
const DefaultIntradayInterval = 15 * time.Minute

// accountsTTL is how long the account list is reused: accounts change
// rarely, and listing them every poll would cost a call the steady state
// does not need.
const accountsTTL = time.Hour

// lookback is how far before the newest booking date a poll asks again:
// a transaction booked late with yesterday's date is still found.
// ASSUMPTION (Atlar): Financial Data has no created/updated filter (only
// the booking `date`), and a transaction appears at most a day after the
// newest date already seen.
const lookback = 24 * time.Hour

// intradayCursor is where an account's intraday report stands.
type intradayCursor struct {
	// Date is the newest booking date seen (YYYY-MM-DD); polls list
	// from Date minus lookback.
	Date string `json:"date"`
	// Start is the first day the report covers: the lookback never
	// reaches before it (that history was never this report's).
	Start string `json:"start"`
	// Seen are the ids already reported with a booking date within the
	// lookback window (older ones are dropped: never listed again).
	Seen map[string]string `json:"seen"` // id → booking date
	// Seq is the number of the last report (:28C:, ElctrncSeqNb, {seq}).
	Seq int64 `json:"seq"`
	// Pending is a report numbered but maybe not yet written: after a
	// crash it is written as it was, never rebuilt from newer data.
	Pending *intradayReport `json:"pending,omitempty"`
	// Backlog are the reports numbered after Pending by the same poll (a
	// backfill of missed intervals): written in order after it, each
	// exactly once, never renumbered.
	Backlog []*intradayReport `json:"backlog,omitempty"`
	// Upto is the report time of the newest report: a backfill cuts what
	// is new into the intervals after it.
	Upto time.Time `json:"upto,omitzero"`
}

// intradayReport is one intraday report's content, kept until delivered.
type intradayReport struct {
	Seq     int64               `json:"seq"`
	At      time.Time           `json:"at"`
	Txs     []atlar.Transaction `json:"txs"`
	Balance *atlar.Balance      `json:"balance,omitempty"`
}

// MetaIntradaySent + name + "." + account id + "." + seq is the content of
// that intraday report (intradaySent as JSON), recorded before it is
// written: bridge redeliver writes it again byte for byte, with the same
// number, however Financial Data has moved on since.
const MetaIntradaySent = "reports.intradaysent."

// intradaySent is what a redelivery needs to render a report again.
type intradaySent struct {
	Account atlar.Account   `json:"account"`
	Report  *intradayReport `json:"report"`
}

// intraday is the state of the intraday poller.
type intraday struct {
	mu       sync.Mutex
	accounts []atlar.Account
	listedAt time.Time
	next     map[string]time.Time // report name → next poll
}

func (ob *Outbound) intradayReports() []*Report {
	var out []*Report
	for i := range ob.o.Reports {
		if IntradayFormat(ob.o.Reports[i].Format) {
			out = append(out, &ob.o.Reports[i])
		}
	}
	return out
}

// intradayLoop polls each intraday report every its interval.
func (ob *Outbound) intradayLoop(ctx context.Context) {
	reps := ob.intradayReports()
	tick := DefaultIntradayInterval
	for _, rep := range reps {
		tick = min(tick, rep.interval())
	}
	t := ob.clock.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := ob.PollIntraday(ctx); err != nil && ctx.Err() == nil {
			ob.log.Error("intraday report poll failed; will try again", "err", err, "next_in", tick.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
	}
}

func (rep *Report) interval() time.Duration {
	if rep.Interval > 0 {
		return rep.Interval
	}
	return DefaultIntradayInterval
}

// PollIntraday polls every intraday report that is due and returns how
// many files it delivered. A poll with nothing new costs one transactions
// request per account (plus, once an hour, the account list).
func (ob *Outbound) PollIntraday(ctx context.Context) (int, error) {
	reps := ob.intradayReports()
	if len(reps) == 0 {
		return 0, nil
	}
	api, ok := ob.o.API.(financialData)
	if !ok {
		return 0, errors.New("intraday reports: the Atlar client cannot read Financial Data")
	}
	now := ob.clock.Now()
	ob.in.mu.Lock()
	defer ob.in.mu.Unlock()
	if ob.in.next == nil {
		ob.in.next = map[string]time.Time{}
	}
	var due []*Report
	for _, rep := range reps {
		if next, ok := ob.in.next[rep.Name]; !ok || !now.Before(next) {
			due = append(due, rep)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	if ob.in.accounts == nil || now.Sub(ob.in.listedAt) >= accountsTTL {
		accts, err := api.ListAccounts(ctx)
		if err != nil {
			return 0, fmt.Errorf("intraday reports: list accounts: %w", err)
		}
		ob.in.accounts, ob.in.listedAt = accts, now
	}
	// Reports of one account share the poll's listings: the API cost
	// is per account and source, not per report.
	api = &pollCache{financialData: api, txs: map[atlar.TransactionQuery][]atlar.Transaction{}, bals: map[atlar.BalanceQuery][]atlar.Balance{}}
	n := 0
	var errs []error
	for _, rep := range due {
		failed := false
		for i := range ob.in.accounts {
			a := &ob.in.accounts[i]
			if !rep.wantsAccount(a) {
				continue
			}
			done, err := ob.pollIntradayAccount(ctx, api, rep, a)
			n += done
			if err != nil {
				failed = true
				errs = append(errs, fmt.Errorf("report %s of account %s: %w", rep.Name, a.ID, err))
			}
		}
		if !failed {
			ob.in.next[rep.Name] = now.Add(rep.interval())
		}
	}
	return n, errors.Join(errs...)
}

// wantsAccount reports whether rep covers the account.
func (rep *Report) wantsAccount(a *atlar.Account) bool {
	if len(rep.Accounts) == 0 {
		return true
	}
	norm := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }
	for _, want := range rep.Accounts {
		if want == a.ID || (a.IBAN() != "" && norm(want) == a.IBAN()) {
			return true
		}
		for _, id := range a.Identifiers {
			if norm(want) == norm(id.Number) {
				return true
			}
		}
	}
	return false
}

func (ob *Outbound) intradayCursor(name, acctID string) (intradayCursor, error) {
	var c intradayCursor
	v, ok, err := ob.j.GetMeta(MetaIntraday + name + "." + acctID)
	if err != nil || !ok || v == "" {
		return c, err
	}
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return c, fmt.Errorf("journal %s%s.%s: %w", MetaIntraday, name, acctID, err)
	}
	return c, nil
}

func (ob *Outbound) setIntradayCursor(name, acctID string, c intradayCursor) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := ob.j.SetMeta(MetaIntraday+name+"."+acctID, string(b)); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// pollIntradayAccount writes the reports a crash left pending, then lists
// the account's transactions since the cursor and reports the new ones.
// Exactly once: the reports (numbers, transactions, balances) are recorded
// in the cursor before any file is written, and the cursor moves past each
// only after its file is delivered.
func (ob *Outbound) pollIntradayAccount(ctx context.Context, api financialData, rep *Report, a *atlar.Account) (int, error) {
	c, err := ob.intradayCursor(rep.Name, a.ID)
	if err != nil {
		return 0, err
	}
	n, err := ob.drainIntraday(ctx, rep, a, &c)
	if err != nil {
		return n, err
	}
	now := ob.clock.Now().UTC()
	if c.Start == "" {
		// ASSUMPTION: an intraday report starts with today's bookings
		// (UTC): earlier days have their end-of-day statement, which is
		// what an ERP imports for a closed day.
		c.Start = now.Format(time.DateOnly)
	}
	from := c.Start
	if d, err := time.Parse(time.DateOnly, c.Date); err == nil {
		from = max(from, d.Add(-lookback).Format(time.DateOnly))
	}
	txs, err := api.ListTransactions(ctx, atlar.TransactionQuery{AccountID: a.ID, DateFrom: from})
	if err != nil {
		return n, fmt.Errorf("list transactions: %w", err)
	}
	var fresh []atlar.Transaction
	for _, tx := range txs {
		if tx.AccountID != "" && tx.AccountID != a.ID {
			continue // the filter is the server's; trust but verify
		}
		if _, seen := c.Seen[tx.ID]; seen || tx.Date < from {
			continue
		}
		fresh = append(fresh, tx)
	}
	if len(fresh) == 0 {
		if c.Date == "" {
			// Remember where the report starts, so that the next poll
			// does not start from a later "today".
			c.Date = c.Start
			return n, ob.setIntradayCursor(rep.Name, a.ID, c)
		}
		return n, nil
	}
	// Oldest first whatever order Atlar lists; ties keep Atlar's order.
	slices.SortStableFunc(fresh, func(x, y atlar.Transaction) int {
		return cmpStrings(x.Date+" "+x.Created, y.Date+" "+y.Created)
	})
	// ASSUMPTION (Atlar): the most recent BOOKED balance read after the
	// transactions includes them (a transaction booked in between shows
	// in the balance now and as an entry in the next report).
	var bal *atlar.Balance
	bals, err := api.ListBalances(ctx, atlar.BalanceQuery{AccountID: a.ID, Type: "BOOKED", MostRecent: true})
	if err != nil {
		return n, fmt.Errorf("list balances: %w", err)
	}
	for i := range bals {
		if bals[i].AccountID == a.ID || bals[i].AccountID == "" {
			if bal == nil || bals[i].Timestamp > bal.Timestamp {
				bal = &bals[i]
			}
		}
	}
	reps := splitIntraday(rep, &c, fresh, bal, now)
	for _, p := range reps {
		c.Seq++
		p.Seq = c.Seq
	}
	c.Pending, c.Backlog = reps[0], reps[1:]
	if len(c.Backlog) == 0 {
		c.Backlog = nil
	}
	if err := ob.setIntradayCursor(rep.Name, a.ID, c); err != nil {
		return n, err
	}
	done, err := ob.drainIntraday(ctx, rep, a, &c)
	return n + done, err // what is left is written on the next poll
}

// drainIntraday delivers the cursor's pending report and then its
// backlog, in number order, moving the cursor past each once it is
// written.
func (ob *Outbound) drainIntraday(ctx context.Context, rep *Report, a *atlar.Account, c *intradayCursor) (int, error) {
	n := 0
	for c.Pending != nil {
		if err := ob.deliverIntraday(ctx, rep, a, c.Pending); err != nil {
			return n, err
		}
		c.settle(c.Pending)
		c.Pending = nil
		if len(c.Backlog) > 0 {
			c.Pending, c.Backlog = c.Backlog[0], c.Backlog[1:]
		}
		if len(c.Backlog) == 0 {
			c.Backlog = nil
		}
		if err := ob.setIntradayCursor(rep.Name, a.ID, *c); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// splitIntraday cuts the new transactions (oldest first) into the reports
// a bridge polling every interval would have written: after an outage or
// on the first start of the day, each interval since the last report (at
// most rep.Backfill back) with bookings in it gets its own report, dated
// at the interval's end, with the booked balance as it stood then. What a
// running bridge finds, and what was booked late, is one report now.
//
// ASSUMPTION (Atlar): a transaction's `created` is when Financial Data
// first listed it, so it says which poll would have reported it. A
// transaction without a readable `created` goes into the report now.
// Past balances are derived, not listed: the balance now minus what the
// later reports carry (Financial Data has no booked balance per moment).
func splitIntraday(rep *Report, c *intradayCursor, fresh []atlar.Transaction, bal *atlar.Balance, now time.Time) []*intradayReport {
	at := now.Truncate(time.Second)
	current := &intradayReport{At: at, Balance: bal}
	if rep.Backfill <= 0 {
		current.Txs = fresh
		return []*intradayReport{current}
	}
	iv := rep.interval()
	base := c.Upto
	if base.IsZero() {
		base, _ = time.Parse(time.DateOnly, c.Start)
	}
	if floor := now.Add(-rep.Backfill); base.Before(floor) {
		base = floor
	}
	base = base.Truncate(time.Second)
	windows := map[int64]*intradayReport{}
	for _, tx := range fresh {
		k := int64(-1) // the report now
		created, err := time.Parse(time.RFC3339Nano, tx.Created)
		late := !c.Upto.IsZero() && created.Before(c.Upto)
		if err == nil && !late {
			k = max(0, int64(created.Sub(base)/iv))
			if end := base.Add(time.Duration(k+1) * iv); !end.Before(at) {
				k = -1 // its interval is not over: a running bridge would report it now
			}
		}
		if k < 0 {
			current.Txs = append(current.Txs, tx)
			continue
		}
		w := windows[k]
		if w == nil {
			w = &intradayReport{At: base.Add(time.Duration(k+1) * iv)}
			windows[k] = w
		}
		w.Txs = append(w.Txs, tx)
	}
	keys := slices.Sorted(maps.Keys(windows))
	out := make([]*intradayReport, 0, len(keys)+1)
	for _, k := range keys {
		out = append(out, windows[k])
	}
	if len(current.Txs) > 0 {
		out = append(out, current)
	}
	if bal != nil {
		// Walk back from the balance now: each earlier report's balance
		// is the later one's minus the later one's entries.
		b := bal.Amount.Value
		for i := len(out) - 1; i >= 0; i-- {
			p := out[i]
			if p != current {
				pb := *bal
				pb.Amount.Value, pb.Amount.StringValue = b, ""
				pb.LocalDate, pb.Timestamp = p.At.Format(time.DateOnly), p.At.Format(time.RFC3339)
				p.Balance = &pb
			}
			for _, tx := range p.Txs {
				b -= tx.Amount.Value
			}
		}
	}
	return out
}

func cmpStrings(a, b string) int { return strings.Compare(a, b) }

// settle marks p's transactions seen and moves the date forward, dropping
// ids that fell out of the lookback window.
func (c *intradayCursor) settle(p *intradayReport) {
	if c.Seen == nil {
		c.Seen = map[string]string{}
	}
	for _, tx := range p.Txs {
		c.Seen[tx.ID] = tx.Date
		if tx.Date > c.Date {
			c.Date = tx.Date
		}
	}
	if p.At.After(c.Upto) {
		c.Upto = p.At
	}
	if d, err := time.Parse(time.DateOnly, c.Date); err == nil {
		floor := d.Add(-lookback).Format(time.DateOnly)
		for id, date := range c.Seen {
			if date < floor {
				delete(c.Seen, id)
			}
		}
	}
}

// intradayKey is the delivery key of one intraday report.
func intradayKey(name, acctID string, seq int64) string {
	return fmt.Sprintf("rpt/%s/intraday/%s/%d", name, acctID, seq)
}

// intradayAccount names the account in file names: IBAN, else other
// number, else Atlar's account id.
func intradayAccount(a *atlar.Account) string {
	acct := a.IBAN()
	if acct == "" && len(a.Identifiers) > 0 {
		acct = a.Identifiers[0].Number
	}
	if acct == "" {
		acct = a.ID
	}
	return acct
}

func intradaySentKey(name, acctID string, seq int64) string {
	return fmt.Sprintf("%s%s.%s.%d", MetaIntradaySent, name, acctID, seq)
}

// deliverIntraday renders p and delivers it through the journal, recording
// its content first for a redelivery.
func (ob *Outbound) deliverIntraday(ctx context.Context, rep *Report, a *atlar.Account, p *intradayReport) error {
	key := intradayKey(rep.Name, a.ID, p.Seq)
	acct := intradayAccount(a)
	if d, err := ob.j.GetDelivery(key); err == nil && d.Done {
		return nil
	}
	data, err := renderIntraday(ctx, rep, a, p, false)
	if err != nil {
		return err
	}
	sent, err := json.Marshal(intradaySent{Account: *a, Report: p})
	if err != nil {
		return err
	}
	if err := ob.j.SetMeta(intradaySentKey(rep.Name, a.ID, p.Seq), string(sent)); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	name, alt := intradayFileName(rep, acct, p)
	path, err := ob.deliver(key, ob.lay.Abs("outbox/"+rep.Name), name, alt, data)
	if err != nil {
		return err
	}
	_ = ob.j.SetMeta(MetaReportLast+rep.Name+"."+acct, ob.clock.Now().UTC().Format(time.RFC3339))
	if ob.o.OnDelivered != nil {
		ob.o.OnDelivered("report." + rep.Format)
	}
	ob.log.Info("report delivered", "report", rep.Name, "format", rep.Format, "account", acct,
		"seq", p.Seq, "entries", len(p.Txs), "path", path)
	return nil
}

// intradayFileName is the file name of p from the template, and the
// name used when that one is taken.
func intradayFileName(rep *Report, acct string, p *intradayReport) (name, alt string) {
	id := fmt.Sprintf("%s-%05d", p.At.Format("20060102T150405"), p.Seq)
	name = reportFileName(rep.FileName, acct, p.At, p.Seq, id)
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		ext = name[i:]
	}
	return name, strings.TrimSuffix(name, ext) + "_" + p.At.Format("150405") + ext
}

// renderIntraday renders p in rep's format; dupl marks it as a copy of
// the report sent before where the format has a field for that
// (camt.052 CpyDplctInd DUPL). MT942 has none outside the SWIFT envelope
// the bridge does not write: a copy is the same bytes, and :20:/:28C:
// are what the ERP recognises it by.
func renderIntraday(ctx context.Context, rep *Report, a *atlar.Account, p *intradayReport, dupl bool) ([]byte, error) {
	st, err := intradayStatement(a, p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	switch rep.Format {
	case ReportMT942:
		bs, err := bankstmt.FromCamt053(st.ID, st)
		if err != nil {
			return nil, err
		}
		err = mt940.Render942(ctx, &buf, mt940.Header{StatementNo: p.Seq, At: p.At}, &bs, mt940.Options{
			Encoding: rep.Encoding, LineEnding: rep.LineEnding, KeepLatin1: rep.KeepLatin1})
		if err != nil {
			return nil, fmt.Errorf("render mt942: %w", err)
		}
	case ReportCamt052:
		if dupl {
			st.CopyDuplicate = "DUPL"
		}
		if err := camt053.WriteAccountReport(&buf, rep.Version, st); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("format %q is not an intraday format", rep.Format)
	}
	return buf.Bytes(), nil
}

// intradayStatement is the report as the format-neutral camt model: the
// new transactions as entries and the booked balance as the closing
// (interim) balance.
func intradayStatement(a *atlar.Account, p *intradayReport) (camt053.Statement, error) {
	id := fmt.Sprintf("INTRA%s%05d", p.At.Format("20060102150405"), p.Seq)
	st := camt053.Statement{
		MsgID: id, ID: id, CreatedAt: p.At, SeqNb: p.Seq,
		// Ownr is left out: Atlar's account name is not the owner's name.
		Account: camt053.Account{IBAN: a.IBAN(), Currency: a.Currency, BIC: a.BIC()},
	}
	if st.Account.IBAN == "" && len(a.Identifiers) > 0 {
		st.Account.OtherID = a.Identifiers[0].Number
	}
	day := p.At.Format(time.DateOnly)
	st.OpeningDate, st.ClosingDate = day, day
	if p.Balance != nil {
		st.Closing = p.Balance.Amount.Value
		if p.Balance.LocalDate != "" {
			st.ClosingDate = p.Balance.LocalDate
		}
	}
	for _, tx := range p.Txs {
		if tx.Amount.Currency != "" && tx.Amount.Currency != a.Currency {
			return st, fmt.Errorf("transaction %s: currency %s, account is %s", tx.ID, tx.Amount.Currency, a.Currency)
		}
		if tx.Amount.Value == 0 {
			return st, fmt.Errorf("transaction %s: amount 0", tx.ID)
		}
		e := camt053.Entry{
			Amount: tx.Amount.Value, Currency: tx.Amount.Currency, Credit: tx.Amount.Value > 0,
			BookingDate: tx.Date, ValueDate: tx.ValueDate, AcctSvcrRef: strings.ReplaceAll(tx.ID, "-", ""),
			Reference: tx.Reference, Reversal: tx.Returned,
		}
		if !e.Credit {
			e.Amount = -e.Amount
		}
		if e.ValueDate == "" {
			e.ValueDate = e.BookingDate
		}
		if e.Reference == "" {
			e.Reference = tx.Description
		}
		if tx.References != nil {
			e.EndToEndID, e.MandateID = tx.References.EndToEndID, tx.References.MandateReference
		}
		if c := tx.BankTransactionCode; c != nil {
			e.Domain, e.Family, e.SubFamily = c.Domain, c.Family, c.Subfamily
		}
		if cp := tx.Counterparty; cp != nil {
			e.CounterpartName, e.CounterpartIBAN, e.CounterpartBIC = cp.Name, cp.IBAN(), cp.BIC()
		}
		st.Entries = append(st.Entries, e)
	}
	return st, nil
}

// pollCache answers repeated listings within one poll from the first.
type pollCache struct {
	financialData
	txs  map[atlar.TransactionQuery][]atlar.Transaction
	bals map[atlar.BalanceQuery][]atlar.Balance
}

func (c *pollCache) ListTransactions(ctx context.Context, q atlar.TransactionQuery) ([]atlar.Transaction, error) {
	if v, ok := c.txs[q]; ok {
		return v, nil
	}
	v, err := c.financialData.ListTransactions(ctx, q)
	if err == nil {
		c.txs[q] = v
	}
	return v, err
}

func (c *pollCache) ListBalances(ctx context.Context, q atlar.BalanceQuery) ([]atlar.Balance, error) {
	if v, ok := c.bals[q]; ok {
		return v, nil
	}
	v, err := c.financialData.ListBalances(ctx, q)
	if err == nil {
		c.bals[q] = v
	}
	return v, err
}
