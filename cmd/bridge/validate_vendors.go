package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/atlarbridge/bridge/internal/inbound"
)

// printCounterparties is validate's answer for a valid counterparties
// (vendor master) file: what each row would be upserted as. Whether a row
// is created, updated or unchanged is only known at Atlar, so validate
// does not say.
func printCounterparties(w io.Writer, asJSON bool, file string, route *inbound.Route, plan *inbound.Plan) error {
	if asJSON {
		return writeJSON(w, plan.Counterparties.Counterparties)
	}
	set := plan.Counterparties
	fmt.Fprintf(w, "VALID: %s (route %s, %s, counterparties): %d counterpart(ies)\n", file, route.Name, route.Format, len(set.Counterparties))
	fmt.Fprintln(w, "Each row would be upserted by external_id: created, updated (JSON Patch) or left unchanged.")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROW\tEXTERNAL ID\tNAME\tTYPE\tACCOUNT")
	for _, c := range set.Counterparties {
		acct := c.Account.IBAN
		if acct == "" {
			acct = c.Account.Routing + " " + c.Account.Number
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", c.Row, c.ExternalID, c.Name, c.PartyType, acct)
	}
	return tw.Flush()
}
