package inbound

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// NumberResolver finds an Atlar account by a domestic account number — a
// debtor given as pain.001 DbtrAcct/Id/Othr/Id, as US (ACH, RTP, wire) and
// UK (FPS, BACS) files do — and, when given, the routing number or sort
// code of the debtor's agent (ClrSysMmbId/MmbId). A Resolver that is not
// one leaves such debtors unresolved.
type NumberResolver interface {
	AccountByNumber(ctx context.Context, number, routing string) (*atlar.Account, error)
}

var _ NumberResolver = (*accounts)(nil)

// numberMismatch is an account number Atlar knows, but not with the
// routing the file gave, or several accounts with it and no routing to
// tell them apart: the message says what would be accepted.
type numberMismatch struct{ msg string }

func (e *numberMismatch) Error() string { return e.msg }

// normNumber is an account number or routing id as compared: without
// spaces and hyphens (sort codes are written 20-00-00), upper case.
func normNumber(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
}

// matchNumber finds the account whose non-IBAN identifier is number and,
// when routing is given, one of whose routing identifiers is routing.
// Accounts are searched in id order, so that the answer does not depend
// on map order.
func matchNumber(accounts map[string]*atlar.Account, number, routing string) (*atlar.Account, error) {
	number, routing = normNumber(number), normNumber(routing)
	ids := make([]string, 0, len(accounts))
	for id := range accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var found []*atlar.Account
	for _, id := range ids {
		acc := accounts[id]
		for _, ident := range acc.Identifiers {
			if ident.Type != "IBAN" && normNumber(ident.Number) == number {
				found = append(found, acc)
				break
			}
		}
	}
	if len(found) == 0 && routing != "" {
		// A UK account is often listed by its IBAN only, while UK files
		// (FPS, BACS) name it by sort code and account number — which are
		// the IBAN's last 14 characters (GBkk BANK SSSSSS AAAAAAAA).
		for _, id := range ids {
			if iban := accounts[id].IBAN(); len(iban) == 22 && strings.HasPrefix(iban, "GB") &&
				iban[14:] == number && iban[8:14] == routing {
				return accounts[id], nil
			}
		}
	}
	if len(found) == 0 {
		return nil, errUnknownAccount
	}
	if routing == "" {
		if len(found) == 1 {
			return found[0], nil
		}
		return nil, &numberMismatch{fmt.Sprintf("one account: %d accounts in Atlar have this number; name the bank's routing number or sort code in DbtrAgt/FinInstnId/ClrSysMmbId/MmbId (%s)",
			len(found), routings(found))}
	}
	for _, acc := range found {
		for _, r := range acc.Routing {
			if normNumber(r.Number) == routing {
				return acc, nil
			}
		}
	}
	return nil, &numberMismatch{fmt.Sprintf("the routing of the account with this number in Atlar (%s)", routings(found))}
}

// routings lists the routing identifiers of accounts for a message.
func routings(accs []*atlar.Account) string {
	var parts []string
	for _, acc := range accs {
		for _, r := range acc.Routing {
			parts = append(parts, r.Type+" "+r.Number)
		}
	}
	if len(parts) == 0 {
		return "none recorded"
	}
	return strings.Join(parts, ", ")
}

// sourceByNumber resolves a payment's debtor account number. It returns
// the account, or the problem's expected text, or an error that is not
// the file's fault.
func sourceByNumber(ctx context.Context, rs Resolver, number, routing string) (*atlar.Account, string, error) {
	nr, ok := rs.(NumberResolver)
	if !ok {
		return nil, "an IBAN or a route source_account_id (this check cannot look accounts up by number)", nil
	}
	acc, err := nr.AccountByNumber(ctx, number, routing)
	var mm *numberMismatch
	switch {
	case errors.As(err, &mm):
		return nil, mm.msg, nil
	case errors.Is(err, errUnknownAccount):
		with := ""
		if routing != "" {
			with = " with routing " + routing
		}
		return nil, "the account number of an account in Atlar (as its identifiers list it" + with +
			"), an IBAN, or a source_account_id on the route", nil
	case err != nil:
		return nil, "", err
	}
	return acc, "", nil
}
