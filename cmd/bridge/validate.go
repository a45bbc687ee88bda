package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/money"
	"github.com/atlarbridge/bridge/internal/state"
)

// cmdValidate checks a file offline, as the route would, and prints every
// problem or what would be submitted. Exit 0 valid, 1 invalid.
func cmdValidate(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("validate")
	cfgPath := fs.String("config", "config.toml", "config file (optional: without it the default CSV layout or strict pain.001 checks apply)")
	routeName := fs.String("route", "", "route whose rules apply (default: guessed from the file type)")
	asJSON := fs.Bool("json", false, "print the planned Atlar requests as JSON")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: %s validate FILE [--route R] [--config F]", cmdName())
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	// Without --config, a missing ./config.toml means the built-in rules;
	// a config named on purpose must exist.
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	route, err := validationRoute(*cfgPath, *routeName, pos[0], explicit)
	if err != nil {
		return err
	}
	plan, probs, err := inbound.BuildPlan(ctx, route, inbound.PlanInput{
		FileID: "VALIDATE", Name: filepath.Base(pos[0]), Data: data, Today: time.Now().Format(time.DateOnly),
	}, nil)
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	w := env.stdout
	if len(probs) > 0 {
		fmt.Fprintf(w, "INVALID: %s (route %s, %s): %d problem(s)\n", pos[0], route.Name, route.Format, len(probs))
		for _, p := range probs {
			fmt.Fprintf(w, "  - %s\n", p.String())
		}
		return &exitError{code: exitFailure}
	}
	if plan.Counterparties != nil {
		return printCounterparties(w, *asJSON, pos[0], route, plan)
	}
	if *asJSON {
		if plan.Instruction != nil {
			return writeJSON(w, plan.Instruction)
		}
		if plan.Collections != nil {
			return writeJSON(w, plan.Collections)
		}
		return writeJSON(w, plan.Batches)
	}
	if plan.Collections != nil {
		printCollections(w, pos[0], route, plan)
		return nil
	}
	fmt.Fprintf(w, "VALID: %s (route %s, %s): %d payment(s)\n", pos[0], route.Name, route.Format, len(plan.Payments))
	if plan.Instruction != nil {
		fmt.Fprintf(w, "Would forward the file untouched (%d bytes, %s) to connection %s.\n", len(data), plan.Instruction.ContentType, plan.Instruction.ConnectionID)
		return nil
	}
	fmt.Fprintf(w, "Would create %d credit-transfer batch(es):\n", len(plan.Batches))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROW\tEXTERNAL ID\tAMOUNT\tDATE\tSCHEME\tFROM\tTO\tREFERENCE")
	for bi, b := range plan.Batches {
		for k, t := range b.Payments {
			row := plan.Payments[plan.BatchFirst[bi]+k].Row
			to := t.Destination.ID
			if t.Destination.Type == "INLINE" && len(t.Destination.Identifiers) > 0 {
				to = t.Destination.Holder.LegalName + " " + t.Destination.Identifiers[0].Number
			}
			fmt.Fprintf(tw, "  %d\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", row, t.ExternalID,
				money.Format(t.Amount.Value, t.Amount.Currency), t.Amount.Currency, t.Date, t.Scheme, t.Source.ID, to, t.Reference)
		}
	}
	_ = tw.Flush()
	if strings.Contains(fmt.Sprint(plan.Batches), "iban:") {
		fmt.Fprintln(w, "Source IBANs (iban:…) are mapped to Atlar account ids when the bridge submits the file.")
	}
	printPastDates(w, plan.Payments)
	return nil
}

// printPastDates tells which requested execution dates are already past:
// those payments are sent for today, as the ack will say.
func printPastDates(w io.Writer, pays []state.Payment) {
	for _, p := range pays {
		if p.RequestedDate != "" {
			fmt.Fprintf(w, "Row %d asked for execution on %s, which is past: it would be sent for %s (the ack says so).\n",
				p.Row, p.RequestedDate, p.ExecutionDate)
		}
	}
}

// validationRoute picks the route whose rules apply: the named one, or the
// only one of the file's format; with no config, built-in defaults.
func validationRoute(cfgPath, name, file string, explicitConfig bool) (*inbound.Route, error) {
	format := inbound.FormatCSV
	if strings.EqualFold(filepath.Ext(file), ".xml") {
		format = inbound.FormatPain001
		if isPain008(file) {
			format = inbound.FormatPain008
		}
	}
	cfg, err := loadConfig(cfgPath)
	if errors.Is(err, os.ErrNotExist) && name == "" && !explicitConfig {
		r := &inbound.Route{Name: "(default " + string(format) + ")", Format: format, Mode: inbound.ModeTransfers}
		r.CSV = csvpay.DefaultProfile()
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	ins, _, err := buildRoutes(cfg)
	if err != nil {
		return nil, configErr(err)
	}
	var match []inbound.Route
	for _, r := range ins {
		if r.Name == name || (name == "" && r.Format == format) {
			match = append(match, r)
		}
	}
	switch {
	case len(match) == 1:
		return &match[0], nil
	case name != "":
		return nil, usageErr("validate: no route %q in %s", name, cfgPath)
	case len(match) == 0:
		return nil, usageErr("validate: no %s route in %s; name one with --route", format, cfgPath)
	}
	return nil, usageErr("validate: several %s routes in %s; name one with --route", format, cfgPath)
}

// isPain008 tells a pain.008 by its namespace in the file's first 4 KiB.
func isPain008(file string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	return strings.Contains(string(head[:n]), "pain.008.")
}

// printCollections shows what a valid collections file would create.
func printCollections(w io.Writer, name string, route *inbound.Route, plan *inbound.Plan) {
	fmt.Fprintf(w, "VALID: %s (route %s, %s): %d collection(s)\n", name, route.Name, route.Format, len(plan.Collections))
	fmt.Fprintf(w, "Would find or create each debtor and mandate, then create %d direct debit(s):\n", len(plan.Collections))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROW\tEXTERNAL ID\tAMOUNT\tDATE\tSCHEME\tDEBTOR\tMANDATE\tTO\tREFERENCE")
	for _, c := range plan.Collections {
		d := c.DirectDebit
		fmt.Fprintf(tw, "  %d\t%s\t%s %s\t%s\t%s\t%s %s\t%s\t%s\t%s\n", c.Row, d.ExternalID,
			money.Format(d.Amount.Value, d.Amount.Currency), d.Amount.Currency, d.Date, d.Scheme,
			c.Debtor.Name, c.Debtor.IBAN, c.Mandate.MandateReference, d.Destination.ID, d.Reference)
	}
	_ = tw.Flush()
}
