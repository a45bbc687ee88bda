package inbound

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/state"
)

// pollCollections follows a collections file's direct debits until every
// one is final (atlar.DirectDebitTerminal): each open one is read (GET,
// CollectConcurrency at once), its status goes into Payment.Status, and a
// direct debit waiting for approval makes the file Interim (pending
// report), as payments do.
func (p *Pipeline) pollCollections(ctx context.Context, f *state.File) (bool, error) {
	now := p.clock.Now()
	pays := append([]state.Payment(nil), f.Payments...)
	var open []int
	for k, pay := range pays {
		if pay.PaymentID != "" && !atlar.DirectDebitTerminal(pay.Status) {
			open = append(open, k)
		}
	}
	var (
		mu       sync.Mutex
		firstErr error
		interim  bool
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < min(p.opts.CollectConcurrency, len(open)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				dd, err := p.dd.GetDirectDebit(ctx, pays[k].PaymentID)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
				} else {
					pay := &pays[k]
					pay.Status = dd.Status
					pay.Reason, pay.ReasonCode = "", ""
					if rr := dd.ReturnReason; rr != nil && atlar.DirectDebitTerminal(dd.Status) {
						pay.ReasonCode = strings.TrimSpace(rr.Code)
						pay.Reason = strings.TrimSpace(rr.Description)
					}
					if dd.PendingApprovalStep() != "" && !atlar.DirectDebitTerminal(dd.Status) {
						pay.Reason = "waiting for approval in Atlar"
						interim = true
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, k := range open {
		if ctx.Err() != nil {
			break
		}
		next <- k
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return false, p.retryLater(f, "poll direct debits", firstErr)
	}
	left := 0
	for _, pay := range pays {
		if !atlar.DirectDebitTerminal(pay.Status) {
			left++
		}
	}
	nextState := state.Submitted
	var notes []string
	var problem *state.Problem
	switch {
	case left == 0:
		nextState = state.Completed
		notes = append(notes, "completed: "+summary(pays))
	case now.Sub(f.SubmittedAt) > p.opts.MaxWait:
		nextState = state.Failed
		msg := fmt.Sprintf("results.max_wait (%s) passed with %d of %d direct debits not final; the file is no longer followed — check them in Atlar", p.opts.MaxWait, left, len(pays))
		problem = &state.Problem{Code: "NARR", Message: msg}
		notes = append(notes, msg)
	}
	id := f.ID
	f, err := p.j.Update(id, strings.Join(notes, "; "), func(f *state.File) error {
		f.Payments = pays
		f.State = nextState
		f.Interim = f.Interim || interim
		f.PollFailures = 0
		f.NextPollAt = now.UTC().Add(pollEvery(p.opts.PollInterval, p.opts.MaxPoll, now.Sub(f.SubmittedAt)))
		if problem != nil {
			f.Problems = append(f.Problems, *problem)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("poll %s: %w", id, err)
	}
	if nextState != state.Submitted {
		p.logFinal(f)
	}
	return false, nil
}
