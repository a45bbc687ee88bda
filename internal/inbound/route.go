package inbound

import (
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/state"
)

// Formats and modes of a route, as the journal records them.
const (
	FormatCSV     = state.FormatCSV
	FormatPain001 = state.FormatPain001
	// FormatPain008 is a pain.008 collections file (direct debits).
	FormatPain008 = state.Format("pain008")

	ModeInstruction = state.ModeInstruction
	ModeTransfers   = state.ModeTransfers
	// ModeCollections is a file of direct debits (pain.008, or a CSV of
	// kind direct_debits): counterparties, mandates and direct debits
	// created one collection at a time (collect_submit.go).
	ModeCollections = state.Mode("collections")
)

// Kinds of CSV routes: what a row is.
const (
	KindPayments       = "payments"
	KindDirectDebits   = "direct_debits"
	KindCounterparties = "counterparties"
)

// Route is one inbox folder and what its files become.
type Route struct {
	Name   string
	Format state.Format
	Mode   state.Mode // pain001: instruction | transfers
	// ConnectionID is an id or "auto" (instruction mode).
	ConnectionID string
	// Validate is the pain.001 check level: strict | wellformed | none.
	Validate        string
	SourceAccountID string
	Scheme          string
	Treatment       string
	CSV             csvpay.Profile
	DedupeWindow    time.Duration
	MaxFileSize     int64
	RejectInBand    bool
	DoneMarker      string
	// MaxXMLText caps a pain.001's text between two tags (0: the
	// pain001 default); the CSV caps are in CSV.
	MaxXMLText int64
	// Kind is what a CSV route's rows are: KindPayments ("" too),
	// KindDirectDebits or KindCounterparties. A pain008 route is always
	// direct debits.
	Kind string
	// CreditorID is the SEPA creditor identifier a direct-debit CSV
	// collects under when it has no creditor_id column.
	CreditorID string
	// CreditorAccountID is the Atlar account a direct-debit CSV collects
	// into when a row names neither destination_account_id nor
	// creditor_iban.
	CreditorAccountID string
}

// collects reports whether the route's files are collections.
func (r *Route) collects() bool {
	return r.Format == FormatPain008 || (r.Format == FormatCSV && r.Kind == KindDirectDebits)
}

func (r *Route) check() error {
	switch {
	case r.Name == "":
		return fmt.Errorf("inbound: route without a name")
	case r.Format != FormatCSV && r.Format != FormatPain001 && r.Format != FormatPain008:
		return fmt.Errorf("inbound: route %s: unknown format %q", r.Name, r.Format)
	case r.Format == FormatPain001 && r.Mode != ModeInstruction && r.Mode != ModeTransfers:
		return fmt.Errorf("inbound: route %s: unknown mode %q", r.Name, r.Mode)
	}
	if r.Treatment == "" {
		r.Treatment = "INDIVIDUAL_PAYMENTS"
	}
	if r.DedupeWindow <= 0 {
		r.DedupeWindow = 90 * 24 * time.Hour
	}
	if r.MaxFileSize <= 0 {
		r.MaxFileSize = 256 << 20
	}
	if r.Validate == "" {
		r.Validate = "strict"
	}
	return nil
}

// mode is what the journal records for a file of this route.
func (r *Route) mode() state.Mode {
	if r.Format == FormatCSV && r.Kind == KindCounterparties {
		return ModeCounterparties
	}
	if r.collects() {
		return ModeCollections
	}
	if r.Format == FormatCSV {
		return ModeTransfers
	}
	return r.Mode
}

// RouteFromConfig builds a route from its config entry.
func RouteFromConfig(cfg *config.Config, r *config.Route) (Route, error) {
	prof, err := CSVProfile(cfg, r)
	if err != nil {
		return Route{}, err
	}
	prof.MaxRecordBytes, prof.MaxFields = int(cfg.Inbound.MaxCSVLine), cfg.Inbound.MaxCSVFields
	return Route{
		Name: r.Name, Format: state.Format(r.Format), Mode: state.Mode(r.Mode), ConnectionID: r.ConnectionID, Validate: r.Validate,
		SourceAccountID: r.SourceAccountID, Scheme: r.Scheme, Treatment: r.Treatment, CSV: prof,
		DedupeWindow: r.DedupeWindow.Duration, MaxFileSize: int64(r.MaxFileSize), RejectInBand: r.RejectInBand,
		DoneMarker: r.DoneMarker, MaxXMLText: int64(cfg.Inbound.MaxXMLText),
		Kind: r.Kind, CreditorID: r.CreditorID, CreditorAccountID: r.CreditorAccountID,
	}, nil
}

// CSVProfile is the layout a route's CSV files are read with.
func CSVProfile(cfg *config.Config, r *config.Route) (csvpay.Profile, error) {
	p, atlar := cfg.CSVProfileFor(r)
	switch {
	case atlar:
		return csvpay.AtlarProfile(), nil
	case r.CSVProfile == "":
		return csvpay.DefaultProfile(), nil
	}
	return csvpay.ProfileFromSpec(r.CSVProfile, csvpay.Spec{
		Delimiter: p.Delimiter, Decimal: p.Decimal, Thousands: p.Thousands,
		DateFormat: p.DateFormat, Encoding: p.Encoding, Header: p.Header,
		Quote: p.Quote, SkipRows: p.SkipRows, Columns: p.Columns,
	})
}
