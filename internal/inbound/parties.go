package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/bankid"
	"github.com/atlarbridge/bridge/internal/ddrun"
	"github.com/atlarbridge/bridge/internal/state"
)

// Collector is what the collections path needs of Atlar besides Atlar
// (*atlar.Client). The error contract is Atlar's; creates take an
// idempotency key journaled before the first attempt, and a create
// refused with atlar.ErrConflict (externalId taken) is followed by a
// lookup by "external:<id>", whose resource is adopted.
type Collector interface {
	GetCounterparty(ctx context.Context, idOrExternal string) (*atlar.Counterparty, error)
	CreateCounterparty(ctx context.Context, req *atlar.CreateCounterpartyRequest, idempotencyKey string) (*atlar.Counterparty, error)
	GetExternalAccount(ctx context.Context, idOrExternal string) (*atlar.ExternalAccount, error)
	CreateExternalAccount(ctx context.Context, req *atlar.CreateExternalAccountRequest, idempotencyKey string) (*atlar.ExternalAccount, error)
	GetMandate(ctx context.Context, idOrExternal string) (*atlar.Mandate, error)
	CreateMandate(ctx context.Context, req *atlar.CreateMandateRequest, idempotencyKey string) (*atlar.Mandate, error)
	CancelMandate(ctx context.Context, idOrExternal, etag string) (*atlar.Mandate, error)
	GetDirectDebit(ctx context.Context, idOrExternal string) (*atlar.DirectDebit, error)
	CreateDirectDebit(ctx context.Context, req *atlar.CreateDirectDebitRequest, idempotencyKey string) (*atlar.DirectDebit, error)
}

// OpJournal is the journal's record of resources keyed by what they
// create (*state.Store, state/ops.go).
type OpJournal interface {
	GetOp(key string) (*state.Op, error)
	UpdateOp(key string, fn func(op *state.Op, exists bool) error) (*state.Op, error)
}

// Op keys, shared with the counterparties route (vendors*.go).
func counterpartyOpKey(externalID string) string { return "counterparty/" + externalID }
func externalAccountOpKey(counterpartyExt, iban string) string {
	return "externalaccount/" + counterpartyExt + "/" + bankid.NormalizeIBAN(iban)
}
func mandateOpKey(reference string) string { return "mandate/" + reference }
func directDebitOpKey(fileID string, attempt, row int) string {
	return fmt.Sprintf("directdebit/%s/%d/%d", fileID, attempt, row)
}

// idemKey is the idempotency key of an Op: stable for its key, short, and
// free of account numbers.
func idemKey(opKey string) string {
	sum := sha256.Sum256([]byte(opKey))
	kind, _, _ := strings.Cut(opKey, "/")
	return kind + "-" + hex.EncodeToString(sum[:16])
}

// errRefused wraps Atlar's final no to one create: the collection it
// belongs to is rejected, the file goes on.
type errRefused struct {
	what string
	ae   *atlar.APIError
}

func (e *errRefused) Error() string { return e.what + ": " + e.ae.Error() }
func (e *errRefused) Unwrap() error { return e.ae }

// ensureOp finds or creates one resource exactly once across crashes,
// files and routes. The Op's key and FirstTry are journaled before the
// create is sent; Atlar's id after. lookup ("external:<id>") runs first
// when lookupFirst (a shared resource another file or route may have made)
// and always when an earlier attempt's answer is unknown (FirstTry set, no
// id), which also covers a key past Atlar's 24-hour window. A create
// refused because the externalId is taken adopts what the lookup finds.
func (p *Pipeline) ensureOp(ctx context.Context, key, fileID string, lookupFirst bool,
	lookup func() (string, error), create func(idem string) (string, error)) (string, error) {
	op, err := p.ops.GetOp(key)
	switch {
	case err == nil && op.AtlarID != "":
		return op.AtlarID, nil
	case err != nil && !errors.Is(err, state.ErrNotFound):
		return "", err
	}
	tried := err == nil && !op.FirstTry.IsZero()
	id := ""
	if lookupFirst || tried {
		id, err = lookup()
		if err != nil && !errors.Is(err, atlar.ErrNotFound) {
			return "", err
		}
	}
	how := "adopted"
	if id == "" {
		op, err = p.ops.UpdateOp(key, func(op *state.Op, exists bool) error {
			if op.IdempotencyKey == "" {
				op.IdempotencyKey, op.FileID = idemKey(key), fileID
			}
			if op.FirstTry.IsZero() {
				op.FirstTry = p.clock.Now().UTC()
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		how = "created"
		id, err = create(op.IdempotencyKey)
		var ae *atlar.APIError
		if errors.Is(err, atlar.ErrConflict) || (errors.As(err, &ae) && isDuplicateExternalID(ae)) {
			// Another file, the counterparties route, or our own attempt
			// whose answer was lost got there first.
			how = "adopted"
			if id, err = lookup(); errors.Is(err, atlar.ErrNotFound) {
				err = fmt.Errorf("%s: Atlar says its externalId is taken, yet the lookup finds nothing: %w", key, err)
			}
		}
		if err != nil {
			if ae, ok := refused(err); ok {
				return "", &errRefused{what: key, ae: ae}
			}
			return "", err
		}
	}
	if _, err := p.ops.UpdateOp(key, func(op *state.Op, exists bool) error {
		op.AtlarID, op.Status = id, how
		if op.FileID == "" {
			op.FileID = fileID
		}
		return nil
	}); err != nil {
		return "", err
	}
	return id, nil
}

// ensureDebtor finds or creates the debtor's counterparty and external
// account. A keyed mutex (per counterparty externalId) makes two files of
// this bridge naming one new debtor create ONE counterparty; the
// counterparties route and other bridges are covered by Atlar's externalId
// uniqueness (ensureOp adopts on conflict).
func (p *Pipeline) ensureDebtor(ctx context.Context, fileID string, c *Collection) (counterpartyID, externalAccountID string, err error) {
	d := c.Debtor
	unlock := p.parties.Lock(counterpartyOpKey(d.ExternalID))
	defer unlock()
	iban := bankid.NormalizeIBAN(d.IBAN)
	var created *atlar.Counterparty
	cpID, err := p.ensureOp(ctx, counterpartyOpKey(d.ExternalID), fileID, true,
		func() (string, error) {
			cp, err := p.dd.GetCounterparty(ctx, "external:"+d.ExternalID)
			if err != nil {
				return "", err
			}
			created = cp
			return cp.ID, nil
		},
		func(idem string) (string, error) {
			cp, err := p.dd.CreateCounterparty(ctx, &c.Counterparty, idem)
			if err != nil {
				return "", err
			}
			created = cp
			return cp.ID, nil
		})
	if err != nil {
		return "", "", fmt.Errorf("debtor %s: %w", d.ExternalID, err)
	}
	// The counterparty as Atlar returned it embeds its accounts: one with
	// the debtor's IBAN is adopted without another request.
	findIn := func(cp *atlar.Counterparty) string {
		if cp == nil {
			return ""
		}
		for _, a := range cp.Accounts {
			if a.IBAN() == iban {
				return a.ID
			}
		}
		return ""
	}
	eaExt := c.Counterparty.Accounts[0].ExternalID
	eaID, err := p.ensureOp(ctx, externalAccountOpKey(d.ExternalID, iban), fileID, true,
		func() (string, error) {
			if id := findIn(created); id != "" {
				return id, nil
			}
			ea, err := p.dd.GetExternalAccount(ctx, "external:"+eaExt)
			if err == nil {
				return ea.ID, nil
			}
			if !errors.Is(err, atlar.ErrNotFound) {
				return "", err
			}
			cp, err := p.dd.GetCounterparty(ctx, cpID)
			if err != nil {
				return "", err
			}
			if id := findIn(cp); id != "" {
				return id, nil
			}
			return "", fmt.Errorf("no account %s: %w", eaExt, atlar.ErrNotFound)
		},
		func(idem string) (string, error) {
			a := c.Counterparty.Accounts[0]
			ea, err := p.dd.CreateExternalAccount(ctx, &atlar.CreateExternalAccountRequest{
				CounterpartyID: cpID, Market: a.Market, Identifiers: a.Identifiers, Routing: a.Routing, ExternalID: a.ExternalID,
			}, idem)
			if err != nil {
				return "", err
			}
			return ea.ID, nil
		})
	if err != nil {
		return "", "", fmt.Errorf("debtor %s account: %w", d.ExternalID, err)
	}
	return cpID, eaID, nil
}

// ensureMandate finds the mandate with the collection's reference (by its
// externalId, ddrun.MandateExternalID) or creates it for the debtor's
// account. An amendment that renames the mandate (OrgnlMndtId) creates the
// amended mandate first and then cancels the original, so that there is
// never a moment without a usable mandate, and never two once the
// collection is sent (doc.go, Collections).
func (p *Pipeline) ensureMandate(ctx context.Context, fileID string, c *Collection, externalAccountID string) (string, error) {
	ref := c.Mandate.MandateReference
	unlock := p.parties.Lock(mandateOpKey(ref))
	id, err := p.ensureOp(ctx, mandateOpKey(ref), fileID, true,
		func() (string, error) {
			m, err := p.dd.GetMandate(ctx, "external:"+c.Mandate.ExternalID)
			if err != nil {
				return "", err
			}
			return m.ID, nil
		},
		func(idem string) (string, error) {
			req := c.Mandate
			req.ExternalAccountID = externalAccountID
			m, err := p.dd.CreateMandate(ctx, &req, idem)
			if err != nil {
				return "", err
			}
			return m.ID, nil
		})
	unlock()
	if err != nil {
		return "", fmt.Errorf("mandate %s: %w", ref, err)
	}
	if c.CancelReference != "" {
		if err := p.cancelMandate(ctx, fileID, c.CancelReference); err != nil {
			return "", fmt.Errorf("mandate %s (amends %s): %w", ref, c.CancelReference, err)
		}
	}
	return id, nil
}

// cancelMandate cancels the mandate an amendment replaced, once. A
// mandate Atlar does not know (never created through the bridge or
// Atlar) is noted and left: there is nothing to cancel.
func (p *Pipeline) cancelMandate(ctx context.Context, fileID, ref string) error {
	key := mandateOpKey(ref)
	unlock := p.parties.Lock(key)
	defer unlock()
	if op, err := p.ops.GetOp(key); err == nil && (op.Status == "cancelled" || op.Status == "absent") {
		return nil
	} else if err != nil && !errors.Is(err, state.ErrNotFound) {
		return err
	}
	status := "cancelled"
	m, err := p.dd.GetMandate(ctx, "external:"+ddrun.MandateExternalID(ref))
	switch {
	case errors.Is(err, atlar.ErrNotFound):
		status = "absent"
	case err != nil:
		return err
	case atlar.MandateUsable(m.Status):
		if m, err = p.dd.CancelMandate(ctx, m.ID, ""); err != nil {
			return err
		}
	}
	_, err = p.ops.UpdateOp(key, func(op *state.Op, exists bool) error {
		op.Status = status
		if m != nil {
			op.AtlarID = m.ID
		}
		if op.FileID == "" {
			op.FileID = fileID
		}
		return nil
	})
	return err
}
