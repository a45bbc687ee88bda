package inbound

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/state"
)

// redatedKeySuffix ends the idempotency key of a batch re-sent with new
// dates: -dYYYYMMDD.
var redatedKeySuffix = regexp.MustCompile(`-d[0-9]{8}$`)

// redate moves payment dates that have fallen into the past to today
// before a batch is sent. A batch is planned with dates fixed when the
// file was validated; if Atlar was unreachable past midnight, the very
// same request would now be refused ("must not be in the past") and the
// whole run failed, where a bank executes a past-dated file today — as the
// bridge already does for pain.001 dates at validation.
//
// The new body is sent under a new idempotency key (Atlar refuses a key
// reused with a different body). That is safe because redate runs only
// when no batch with the file's externalId exists: the lookup before a
// resend found none, and should an older request still land, Atlar's
// externalId uniqueness refuses one of the two. The key is journaled
// before the new body, and both derive from today alone, so a crash
// between the two writes repeats them identically.
func (p *Pipeline) redate(f *state.File, b state.Batch, req *atlar.CreateCreditTransferBatchRequest) (state.Batch, error) {
	today := p.clock.Now().Local().Format(time.DateOnly)
	var was string
	for i := range req.Payments {
		if d := req.Payments[i].Date; d != "" && d < today {
			if was == "" || d < was {
				was = d
			}
			req.Payments[i].Date = today
		}
	}
	if was == "" {
		return b, nil
	}
	key := redatedKeySuffix.ReplaceAllString(b.IdempotencyKey, "") + "-d" + strings.ReplaceAll(today, "-", "")
	if key != b.IdempotencyKey {
		note := fmt.Sprintf("batch %d/%d: payment dates from %s are in the past now; sending them for %s", b.Index+1, len(f.Batches), was, today)
		if _, err := p.j.UpdateRows(f.ID, note, state.Rows{Batches: []int{b.Index}}, func(_ *state.File, _ []*state.Payment, bs []*state.Batch) error {
			bs[0].IdempotencyKey = key
			return nil
		}); err != nil {
			return b, fmt.Errorf("submit %s: %w", f.ID, err)
		}
		p.log.Warn("payment dates moved to today", "file_id", f.ID, "batch", b.Index+1, "was", was, "today", today)
		b.IdempotencyKey = key
	}
	body, err := json.Marshal(req)
	if err != nil {
		return b, fmt.Errorf("submit %s: batch %d: %w", f.ID, b.Index+1, err)
	}
	if err := p.j.PutBlob(batchBlob(f.ID, f.Attempt, b.Index), body); err != nil {
		return b, fmt.Errorf("submit %s: journal batch %d: %w", f.ID, b.Index+1, err)
	}
	return b, nil
}
