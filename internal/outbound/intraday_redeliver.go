package outbound

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/state"
)

// redeliverIntraday writes intraday reports of rep again, as the copies
// an ERP that lost them expects: the content and the numbers (:28C:,
// ElctrncSeqNb, {seq}) of the original, camt.052 marked CpyDplctInd DUPL,
// the file the original's name with _again; the sequence never advances.
// sel is one of
//
//	ACCOUNT/SEQ         that report of the account
//	ACCOUNT/YYYY-MM-DD  every report of the account dated that day (UTC, as {date})
//	FILE                the report the ERP got as FILE
//
// ACCOUNT is an IBAN, other account number or Atlar account id. A fresh
// cumulative report "as of now" is not offered: it would need a new
// number (the sequence would advance without new bookings) or repeat one
// with other content, and ERPs recognise an intraday report by its number.
func (ob *Outbound) redeliverIntraday(ctx context.Context, rep *Report, sel string) ([]string, error) {
	api, ok := ob.o.API.(financialData)
	if !ok {
		return nil, errors.New("redeliver: the Atlar client cannot read Financial Data")
	}
	accts, err := api.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("redeliver: list accounts: %w", err)
	}
	acctSel, what, hasAcct := strings.Cut(sel, "/")
	if !hasAcct {
		what = sel // a file name
	}
	var todo []intradaySent
	for i := range accts {
		a := &accts[i]
		if !rep.wantsAccount(a) {
			continue
		}
		if hasAcct && !(&Report{Accounts: []string{acctSel}}).wantsAccount(a) {
			continue
		}
		found, err := ob.findIntraday(rep, a, what, hasAcct)
		if err != nil {
			return nil, err
		}
		todo = append(todo, found...)
		if !hasAcct && len(found) > 0 {
			break // a file name is one report
		}
	}
	if len(todo) == 0 {
		if hasAcct {
			return nil, fmt.Errorf("redeliver: report %s has no delivered report %q of account %s in the journal (reports written before this version cannot be redelivered)", rep.Name, what, acctSel)
		}
		return nil, fmt.Errorf("redeliver: report %s has no delivered file named %q in the journal", rep.Name, sel)
	}
	var paths []string
	for _, s := range todo {
		path, err := ob.redeliverIntradayOne(ctx, rep, s)
		if err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// findIntraday returns the delivered reports of the account that what
// selects: a number, a day, or (without an account) a file name.
func (ob *Outbound) findIntraday(rep *Report, a *atlar.Account, what string, hasAcct bool) ([]intradaySent, error) {
	c, err := ob.intradayCursor(rep.Name, a.ID)
	if err != nil {
		return nil, err
	}
	if hasAcct {
		if seq, err := strconv.ParseInt(what, 10, 64); err == nil {
			s, ok, err := ob.sentIntraday(rep, a, seq)
			if errors.Is(err, errNotKept) {
				return nil, fmt.Errorf("redeliver: report %s %d of %s: %w", rep.Name, seq, a.ID, err)
			}
			if err != nil || !ok {
				return nil, err
			}
			return []intradaySent{s}, nil
		}
		if _, err := time.Parse(time.DateOnly, what); err != nil {
			return nil, fmt.Errorf("redeliver: %q is neither a report number nor a date (YYYY-MM-DD)", what)
		}
	}
	var out []intradaySent
	// Newest first: numbers follow report time, so a day's reports are
	// found without reading older ones.
	for seq := c.Seq; seq > 0; seq-- {
		if !hasAcct {
			d, err := ob.j.GetDelivery(intradayKey(rep.Name, a.ID, seq))
			if errors.Is(err, state.ErrNotFound) || (err == nil && (!d.Done || filepath.Base(d.Path) != what)) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("redeliver: %w", err)
			}
		}
		s, ok, err := ob.sentIntraday(rep, a, seq)
		if errors.Is(err, errNotKept) && hasAcct {
			break // older reports were written before their content was kept
		}
		if err != nil && !errors.Is(err, errNotKept) {
			return nil, err
		}
		if !ok {
			continue
		}
		if !hasAcct {
			return []intradaySent{s}, nil
		}
		day := s.Report.At.UTC().Format(time.DateOnly)
		if day < what {
			break
		}
		if day == what {
			out = append([]intradaySent{s}, out...)
		}
	}
	return out, nil
}

// errNotKept is a report delivered before its content was journaled (an
// older version of the bridge): it cannot be written again.
var errNotKept = errors.New("delivered before this version kept report contents: cannot be written again")

// sentIntraday reads the recorded content of a delivered report.
func (ob *Outbound) sentIntraday(rep *Report, a *atlar.Account, seq int64) (intradaySent, bool, error) {
	var s intradaySent
	if d, err := ob.j.GetDelivery(intradayKey(rep.Name, a.ID, seq)); err != nil || !d.Done {
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return s, false, fmt.Errorf("redeliver: %w", err)
		}
		return s, false, nil // numbered, not delivered yet: the poller will
	}
	key := intradaySentKey(rep.Name, a.ID, seq)
	v, ok, err := ob.j.GetMeta(key)
	if err != nil {
		return s, false, fmt.Errorf("redeliver: %w", err)
	}
	if !ok || v == "" {
		return s, false, errNotKept
	}
	if err := json.Unmarshal([]byte(v), &s); err != nil || s.Report == nil {
		return s, false, fmt.Errorf("redeliver: journal %s: %v", key, err)
	}
	return s, true, nil
}

// redeliverIntradayOne writes one report again under a delivery key of
// its own, named like the original with _again.
func (ob *Outbound) redeliverIntradayOne(ctx context.Context, rep *Report, s intradaySent) (string, error) {
	a, p := &s.Account, s.Report
	data, err := renderIntraday(ctx, rep, a, p, true)
	if err != nil {
		return "", fmt.Errorf("redeliver %s %d of %s: %w", rep.Name, p.Seq, a.ID, err)
	}
	name, _ := intradayFileName(rep, intradayAccount(a), p)
	key := intradayKey(rep.Name, a.ID, p.Seq)
	if d, err := ob.j.GetDelivery(key); err == nil && d.Path != "" {
		name = filepath.Base(d.Path) // the name the ERP got, also when it was the alternative
	}
	ext := filepath.Ext(name)
	again := strings.TrimSuffix(name, ext) + "_again" + ext
	alt := strings.TrimSuffix(name, ext) + "_again_" + ob.clock.Now().UTC().Format("150405") + ext
	// Random as well as timed: two redeliveries within one clock tick
	// are two copies, not one.
	key = fmt.Sprintf("%s/redeliver/%d-%s", key, ob.clock.Now().UnixNano(), rand.Text()[:8])
	return ob.deliver(key, ob.lay.Abs("outbox/"+rep.Name), again, alt, data)
}
