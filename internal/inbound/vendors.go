package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/parties"
	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/state"
	"golang.org/x/sync/errgroup"
)

// The counterparties route (kind = "counterparties", SPEC §3.5): each row
// of a vendor-master CSV is upserted at Atlar by its externalId.
//
// A file of this route is journaled like a payments file, with one
// state.Payment per row (Row, ExternalID = the counterparty's externalId),
// so that files show, status, metrics and the result CSV work unchanged.
// For these files Payment.Status is the row's outcome (VendorCreated …,
// upper case so that a rejected row counts as a failure like a rejected
// payment: completed-with-failures), PaymentID is Atlar's counterparty id
// and InstrID Atlar's external-account id. The parsed rows are journaled as
// a blob before the file is validated, so a resend works from exactly what
// was checked.
//
// Journey: received → validated → submitting → completed (at least one row
// not rejected) or failed (every row rejected by Atlar). There is nothing
// to track after the upsert, so submitted is skipped.
//
// Exactly once: a create's idempotency key is journaled as a state.Op
// ("counterparty/<externalId>", "externalaccount/<externalId>/<IBAN>")
// before its first attempt, and every upsert starts with a lookup by
// "external:<id>", so a row resumed after a crash or past the key's 24
// hours finds what an earlier attempt created. A create refused with 409
// (another route or bridge created it first) adopts the resource found.
// A PATCH is not idempotent by key but by content (see
// atlar.PatchCounterparty): a resend after a lost answer re-reads, finds
// nothing to change or a newer etag, and retries once.
//
// An account whose IBAN (or number) the counterparty does not have yet is
// added as a new external account; the old ones are kept: payments already
// made or planned may name them, and deleting an account is an operator's
// decision, not a file's.

// ModeCounterparties is the journal's mode of a counterparties file.
const ModeCounterparties state.Mode = "counterparties"

// Row outcomes as journaled in Payment.Status (the result CSV shows them
// in lower case, parties.Status*).
const (
	VendorCreated   = "CREATED"
	VendorUpdated   = "UPDATED"
	VendorUnchanged = "UNCHANGED"
	VendorRejected  = "REJECTED"
)

// vendorAtlar is what the counterparties route needs of Atlar beyond the
// payments' Atlar (*atlar.Client has it).
type vendorAtlar interface {
	GetCounterparty(ctx context.Context, idOrExternal string) (*atlar.Counterparty, error)
	CreateCounterparty(ctx context.Context, req *atlar.CreateCounterpartyRequest, idempotencyKey string) (*atlar.Counterparty, error)
	PatchCounterparty(ctx context.Context, idOrExternal, etag string, ops []atlar.PatchOp) (*atlar.Counterparty, error)
	CreateExternalAccount(ctx context.Context, req *atlar.CreateExternalAccountRequest, idempotencyKey string) (*atlar.ExternalAccount, error)
	GetExternalAccount(ctx context.Context, idOrExternal string) (*atlar.ExternalAccount, error)
}

// opJournal is what the route needs of the journal beyond Journal
// (*state.Store has it).
type opJournal interface {
	GetOp(key string) (*state.Op, error)
	UpdateOp(key string, fn func(op *state.Op, exists bool) error) (*state.Op, error)
}

// watchedVendorAtlar observes each call for the outage report, as
// watchedAtlar does for the payments' calls.
type watchedVendorAtlar struct {
	a vendorAtlar
	o *outage
}

func (w watchedVendorAtlar) GetCounterparty(ctx context.Context, id string) (*atlar.Counterparty, error) {
	v, err := w.a.GetCounterparty(ctx, id)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedVendorAtlar) CreateCounterparty(ctx context.Context, req *atlar.CreateCounterpartyRequest, key string) (*atlar.Counterparty, error) {
	v, err := w.a.CreateCounterparty(ctx, req, key)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedVendorAtlar) PatchCounterparty(ctx context.Context, id, etag string, ops []atlar.PatchOp) (*atlar.Counterparty, error) {
	v, err := w.a.PatchCounterparty(ctx, id, etag, ops)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedVendorAtlar) CreateExternalAccount(ctx context.Context, req *atlar.CreateExternalAccountRequest, key string) (*atlar.ExternalAccount, error) {
	v, err := w.a.CreateExternalAccount(ctx, req, key)
	w.o.observe(ctx, err)
	return v, err
}

func (w watchedVendorAtlar) GetExternalAccount(ctx context.Context, id string) (*atlar.ExternalAccount, error) {
	v, err := w.a.GetExternalAccount(ctx, id)
	w.o.observe(ctx, err)
	return v, err
}

// vendorsBlob is the key of a file's journaled rows.
func vendorsBlob(id string, attempt int) string {
	return fmt.Sprintf("%s%d/vendors", batchBlobPrefix(id), attempt)
}

// vendorsPlan parses a counterparties CSV (all-or-nothing) into one
// journal row per counterparty.
func vendorsPlan(r *Route, in PlanInput) (*Plan, payrun.Problems, error) {
	set, err := csvpay.ParseCounterparties(in.Data, r.CSV, in.Today)
	if err != nil {
		var ps payrun.Problems
		if errors.As(err, &ps) {
			return nil, ps, nil
		}
		return nil, nil, fmt.Errorf("read counterparties csv: %w", err)
	}
	plan := &Plan{Run: &payrun.Run{}, Counterparties: set,
		Original: &state.Original{MsgID: in.FileID, NbOfTxs: len(set.Counterparties)}}
	for _, c := range set.Counterparties {
		plan.Payments = append(plan.Payments, state.Payment{Row: c.Row, ExternalID: c.ExternalID, Currency: c.Account.Currency})
	}
	return plan, nil, nil
}

// submitVendors upserts every row not settled yet, rows side by side up
// to the pipeline's worker count, each row's outcome journaled as it
// settles. A temporary failure leaves the file submitting, to be resumed
// (retryLater); the settled rows are not sent again.
func (p *Pipeline) submitVendors(ctx context.Context, f *state.File) (bool, error) {
	id := f.ID
	api, ok := p.opts.API.(vendorAtlar)
	if !ok {
		return false, fmt.Errorf("submit %s: the Atlar client has no counterparties API", id)
	}
	wapi := watchedVendorAtlar{a: api, o: p.outage}
	oj, ok := p.j.(opJournal)
	if !ok {
		return false, fmt.Errorf("submit %s: the journal keeps no ops", id)
	}
	body, err := p.j.GetBlob(vendorsBlob(id, f.Attempt))
	if err != nil {
		return false, fmt.Errorf("submit %s: journaled rows: %w", id, err)
	}
	var set parties.Set
	if err := json.Unmarshal(body, &set); err != nil {
		return false, fmt.Errorf("submit %s: journaled rows: %w", id, err)
	}
	byRow := make(map[int]parties.Counterparty, len(set.Counterparties))
	for _, c := range set.Counterparties {
		byRow[c.Row] = c
	}
	var (
		g       errgroup.Group
		mu      sync.Mutex
		tempErr error
	)
	g.SetLimit(p.opts.Workers)
	for i, pay := range f.Payments {
		if pay.Status != "" {
			continue
		}
		c, ok := byRow[pay.Row]
		if !ok {
			return false, fmt.Errorf("submit %s: row %d is not among the journaled rows", id, pay.Row)
		}
		g.Go(func() error {
			res, err := p.upsertVendor(ctx, wapi, oj, f, c)
			if err != nil {
				mu.Lock()
				tempErr = errors.Join(tempErr, fmt.Errorf("row %d (%s): %w", c.Row, c.ExternalID, err))
				mu.Unlock()
				return nil
			}
			note := fmt.Sprintf("row %d %s: %s", c.Row, c.ExternalID, strings.ToLower(res.Status))
			if res.Reason != "" {
				note += ": " + res.Reason
			}
			_, err = p.j.Update(id, note, func(f *state.File) error {
				pay := &f.Payments[i]
				pay.Status, pay.PaymentID, pay.InstrID, pay.Reason = res.Status, res.CounterpartyID, res.AccountID, res.Reason
				if res.Status == VendorRejected {
					f.Problems = append(f.Problems, state.Problem{Row: c.Row, Line: c.Line, Field: "counterparty " + c.ExternalID,
						Code: "NARR", Message: fmt.Sprintf("row %d: %s", c.Row, res.Reason)})
				}
				return nil
			})
			if err != nil {
				mu.Lock()
				tempErr = errors.Join(tempErr, err)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if tempErr != nil {
		f, err := p.j.Get(id)
		if err != nil {
			return false, fmt.Errorf("submit %s: %w", id, errors.Join(tempErr, err))
		}
		return false, p.retryLater(f, "upsert counterparties", tempErr)
	}
	return p.vendorsDone(id)
}

// vendorsDone closes a counterparties file whose rows are all settled.
func (p *Pipeline) vendorsDone(id string) (bool, error) {
	now := p.clock.Now().UTC()
	f, err := p.j.Update(id, "", func(f *state.File) error {
		ok := 0
		for _, pay := range f.Payments {
			if pay.Status != VendorRejected {
				ok++
			}
		}
		f.SubmittedAt, f.PollFailures = now, 0
		if ok == 0 && len(f.Payments) > 0 {
			f.State = state.Failed
			f.Path = layout.FailedRel(f.ReceivedAt, f.ID, f.Name)
			return nil
		}
		f.State = state.Completed
		f.Path = layout.ArchiveRel(f.ReceivedAt, f.ID, f.Name)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("submit %s: %w", id, err)
	}
	if f.State == state.Failed {
		// Nothing changed at Atlar: the file may be sent again.
		if err := p.j.Unindex(id); err != nil {
			return false, fmt.Errorf("submit %s: %w", id, err)
		}
	}
	if err := p.j.DeleteBlobs(batchBlobPrefix(id)); err != nil {
		p.log.Warn("could not drop journaled rows", "file_id", id, "err", err)
	}
	p.logFinal(f)
	return true, p.place(f)
}

// vendorResult is one row's outcome.
type vendorResult struct {
	Status, CounterpartyID, AccountID, Reason string
}

// vendorRejected turns Atlar's final "no" into the row's outcome; any
// other error is returned to be retried.
func vendorRejected(res vendorResult, what string, err error) (vendorResult, error) {
	if ae, ok := refused(err); ok {
		res.Status = VendorRejected
		res.Reason = "Atlar refused the " + what + ": " + ae.Error()
		return res, nil
	}
	return res, err
}

// upsertVendor makes Atlar's counterparty c.ExternalID look like the row.
func (p *Pipeline) upsertVendor(ctx context.Context, api vendorAtlar, oj opJournal, f *state.File, c parties.Counterparty) (vendorResult, error) {
	// One row at a time per counterparty within the route: two files
	// naming the same vendor must not both create it, nor patch it from
	// the same etag.
	defer p.vendorMu.Lock(c.ExternalID)()
	want := counterpartyRequest(c)
	var res vendorResult
	// A create of this file whose answer was lost (a crash, a timeout)
	// shows up below as a counterparty found: it is still this row's
	// creation, not an unchanged vendor.
	ours := false
	if op, err := oj.GetOp(cpOpKey(c)); err == nil {
		ours = op.FileID == f.ID && !op.FirstTry.IsZero() && op.AtlarID == ""
	} else if !errors.Is(err, state.ErrNotFound) {
		return res, err
	}
	cur, err := api.GetCounterparty(ctx, "external:"+c.ExternalID)
	switch {
	case errors.Is(err, atlar.ErrNotFound):
		cur, err = p.createVendor(ctx, api, oj, f, c, want)
		if err != nil {
			return vendorRejected(res, "counterparty", err)
		}
		if cur != nil {
			res.Status, res.CounterpartyID = VendorCreated, cur.ID
			res.AccountID = accountOf(cur, c.Account)
			if _, err := oj.UpdateOp(accountOpKey(c), func(op *state.Op, _ bool) error {
				op.FileID, op.AtlarID, op.Status = f.ID, res.AccountID, "created"
				return nil
			}); err != nil {
				return res, fmt.Errorf("journal account: %w", err)
			}
			return res, nil
		}
		// Created meanwhile by someone else (409): adopt what is there.
		if cur, err = api.GetCounterparty(ctx, "external:"+c.ExternalID); err != nil {
			return res, err
		}
	case err != nil:
		return res, err
	}
	res.Status, res.CounterpartyID = VendorUnchanged, cur.ID
	if ours {
		res.Status = VendorCreated
	}
	if ops := atlar.CounterpartyPatch(*cur, want); len(ops) > 0 {
		cur, err = p.patchVendor(ctx, api, cur, want, ops)
		if errors.Is(err, atlar.ErrPreconditionFailed) {
			res.Status = VendorRejected
			res.Reason = "the counterparty changed at Atlar while it was being updated, twice (412 Precondition Failed on If-Match); nothing was changed: send the row again"
			return res, nil
		}
		if err != nil {
			return vendorRejected(res, "update", err)
		}
		if !ours {
			res.Status = VendorUpdated
		}
	}
	if _, err := oj.UpdateOp(cpOpKey(c), func(op *state.Op, exists bool) error {
		if !exists {
			op.FileID = f.ID
		}
		op.AtlarID, op.ETag, op.Status = cur.ID, cur.ETag, strings.ToLower(res.Status)
		return nil
	}); err != nil {
		return res, fmt.Errorf("journal counterparty: %w", err)
	}
	if res.AccountID = accountOf(cur, c.Account); res.AccountID != "" {
		return res, nil
	}
	acct, err := p.addVendorAccount(ctx, api, oj, f, c, cur.ID)
	if err != nil {
		return vendorRejected(res, "new external account", err)
	}
	res.AccountID = acct.ID
	if !ours {
		res.Status = VendorUpdated
	}
	return res, nil
}

// patchVendor sends ops with the etag as read; on 412 it re-reads,
// re-diffs and tries once more. A second 412 is returned as is.
func (p *Pipeline) patchVendor(ctx context.Context, api vendorAtlar, cur *atlar.Counterparty, want atlar.CreateCounterpartyRequest, ops []atlar.PatchOp) (*atlar.Counterparty, error) {
	got, err := api.PatchCounterparty(ctx, cur.ID, cur.ETag, ops)
	if !errors.Is(err, atlar.ErrPreconditionFailed) {
		return got, err
	}
	p.log.Info("counterparty changed since read; reading it again", "counterparty_id", cur.ID, "etag", cur.ETag)
	if cur, err = api.GetCounterparty(ctx, cur.ID); err != nil {
		return nil, err
	}
	if ops = atlar.CounterpartyPatch(*cur, want); len(ops) == 0 {
		return cur, nil // the change we wanted is there already
	}
	return api.PatchCounterparty(ctx, cur.ID, cur.ETag, ops)
}

// createVendor creates the counterparty with its account under the
// journaled idempotency key. It returns nil, nil when Atlar says the
// externalId is taken (409): the caller adopts the one found.
func (p *Pipeline) createVendor(ctx context.Context, api vendorAtlar, oj opJournal, f *state.File, c parties.Counterparty, want atlar.CreateCounterpartyRequest) (*atlar.Counterparty, error) {
	now := p.clock.Now().UTC()
	op, err := oj.UpdateOp(cpOpKey(c), func(op *state.Op, _ bool) error {
		// A key whose 24 hours passed no longer protects: the lookup the
		// caller just made is what proves the counterparty is not there.
		if op.IdempotencyKey == "" || p.keyExpired(op.FirstTry) {
			op.IdempotencyKey = "cp-" + shortHash(c.ExternalID+"\x00"+now.Format("20060102T150405.000000000"))
			op.FirstTry = now
		}
		op.FileID = f.ID
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal counterparty create: %w", err)
	}
	req := want
	req.Accounts = []atlar.CreateEmbeddedExternalAccountRequest{embeddedAccount(c)}
	got, err := api.CreateCounterparty(ctx, &req, op.IdempotencyKey)
	if errors.Is(err, atlar.ErrConflict) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := oj.UpdateOp(cpOpKey(c), func(op *state.Op, _ bool) error {
		op.AtlarID, op.ETag, op.Status = got.ID, got.ETag, "created"
		return nil
	}); err != nil {
		return nil, fmt.Errorf("journal counterparty: %w", err)
	}
	return got, nil
}

// addVendorAccount creates the row's account under counterparty cpID, or
// finds the one an earlier attempt created.
func (p *Pipeline) addVendorAccount(ctx context.Context, api vendorAtlar, oj opJournal, f *state.File, c parties.Counterparty, cpID string) (*atlar.ExternalAccount, error) {
	now := p.clock.Now().UTC()
	key := accountOpKey(c)
	op, err := oj.UpdateOp(key, func(op *state.Op, _ bool) error {
		if op.IdempotencyKey == "" || p.keyExpired(op.FirstTry) {
			op.IdempotencyKey = "ea-" + shortHash(key+"\x00"+now.Format("20060102T150405.000000000"))
			op.FirstTry = now
		}
		op.FileID = f.ID
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal account create: %w", err)
	}
	emb := embeddedAccount(c)
	req := &atlar.CreateExternalAccountRequest{CounterpartyID: cpID, Market: emb.Market,
		Identifiers: emb.Identifiers, Routing: emb.Routing, ExternalID: emb.ExternalID}
	got, err := api.CreateExternalAccount(ctx, req, op.IdempotencyKey)
	if errors.Is(err, atlar.ErrConflict) {
		got, err = api.GetExternalAccount(ctx, "external:"+emb.ExternalID)
	}
	if err != nil {
		return nil, err
	}
	if _, err := oj.UpdateOp(key, func(op *state.Op, _ bool) error {
		op.AtlarID, op.Status = got.ID, "created"
		return nil
	}); err != nil {
		return nil, fmt.Errorf("journal account: %w", err)
	}
	return got, nil
}

func cpOpKey(c parties.Counterparty) string { return "counterparty/" + c.ExternalID }

func accountOpKey(c parties.Counterparty) string {
	return "externalaccount/" + c.ExternalID + "/" + accountKey(c.Account)
}

// accountKey names an account: its IBAN, or routing/number.
func accountKey(a parties.Account) string {
	if a.IBAN != "" {
		return a.IBAN
	}
	return a.Routing + "/" + a.Number
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// counterpartyRequest is the counterparty as the row wants it. ExternalID
// is the row's; accounts are added by the caller.
func counterpartyRequest(c parties.Counterparty) atlar.CreateCounterpartyRequest {
	req := atlar.CreateCounterpartyRequest{LegalName: c.Name, PartyType: c.PartyType, Email: c.Email, ExternalID: c.ExternalID}
	if a := c.Address; a != (parties.Address{}) {
		req.Address = &atlar.Address{StreetName: a.Street, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
	}
	return req
}

// AccountExternalID is the externalId the bridge gives a vendor's account:
// "<vendor external_id>.<IBAN>" (or ".<routing>-<number>"), so that a
// payments CSV can name it as external:<vendor>.<IBAN> and an account
// created by a lost attempt is found again. Atlar's externalIds are unique
// across all resources, so the account cannot share the vendor's own. One
// too long for Atlar's pattern (64 characters of [a-zA-Z0-9._-+=]) is
// "va-" and 24 hex of its hash instead.
func AccountExternalID(vendorID string, a parties.Account) string {
	id := vendorID + "." + a.IBAN
	if a.IBAN == "" {
		id = vendorID + "." + a.Routing + "-" + a.Number
	}
	if externalIDPattern.MatchString(id) {
		return id
	}
	return "va-" + shortHash(vendorID+"/"+accountKey(a))
}

// embeddedAccount is the row's account (AccountExternalID).
func embeddedAccount(c parties.Counterparty) atlar.CreateEmbeddedExternalAccountRequest {
	a := c.Account
	out := atlar.CreateEmbeddedExternalAccountRequest{Market: a.Market, ExternalID: AccountExternalID(c.ExternalID, a)}
	if a.IBAN != "" {
		out.Identifiers = []atlar.AccountIdentifier{{Type: "IBAN", Market: a.Market, Number: a.IBAN}}
	} else {
		out.Identifiers = []atlar.AccountIdentifier{{Type: "NUMBER", Market: a.Market, Number: a.Number}}
		switch a.Market {
		case "US":
			out.Routing = append(out.Routing, atlar.RoutingIdentifier{Type: "US_ABA", Number: a.Routing})
		case "GB":
			out.Routing = append(out.Routing, atlar.RoutingIdentifier{Type: "GB_DSC", Number: a.Routing})
		}
	}
	if a.BIC != "" {
		out.Routing = append(out.Routing, atlar.RoutingIdentifier{Type: "BIC", Number: a.BIC})
	}
	return out
}

// accountOf is the id of cur's account that is the row's account, or "".
func accountOf(cur *atlar.Counterparty, a parties.Account) string {
	for _, e := range cur.Accounts {
		if a.IBAN != "" && e.IBAN() == strings.ToUpper(strings.ReplaceAll(a.IBAN, " ", "")) {
			return e.ID
		}
		if a.IBAN == "" {
			for _, id := range e.Identifiers {
				if id.Type != "IBAN" && id.Number == a.Number {
					return e.ID
				}
			}
		}
	}
	return ""
}
