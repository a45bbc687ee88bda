package atlartest

import (
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// Fixed seed data. The demo README lists these values, so they never change:
// payment files written against the sandbox keep working across restarts.
const (
	// SeedOrganizationID is the organisation every resource belongs to.
	SeedOrganizationID = "a412c78c-9e4b-4de6-885e-f6dd08f98d1a"
	// SeedEntityID is the legal entity that owns the internal accounts.
	SeedEntityID = "07d16782-8f89-4b82-9952-c4dffaadbfe1"
	// SeedEntityName is the legal name of SeedEntityID (the statements' owner).
	SeedEntityName = "Demo Treasury GmbH"
	// SeedThirdPartyID is the bank holding all three accounts; the demo
	// connection names the same third party.
	SeedThirdPartyID = "ce97c090-d75c-47cd-a6fa-629e7cec16e1"
	// SeedAffiliationID links SeedEntityID to SeedThirdPartyID.
	SeedAffiliationID = "511c6ce3-15c8-45b8-ba88-da466539be16"

	// SeedConnectionID is the connection "Demo Bank" to SeedThirdPartyID.
	SeedConnectionID   = "36bd5bf7-8eb4-426e-a9ab-08f2bf7f5f18"
	SeedConnectionName = "Demo Bank"

	// SeedEURAccountID is "Operating EUR" (DE, SeedEURIBAN, SeedEURBIC).
	SeedEURAccountID = "9dd56229-4f5a-4928-bba0-2229d41af965"
	SeedEURIBAN      = "DE89370400440532013000"
	SeedEURBIC       = "COBADEFFXXX"

	// SeedGBPAccountID is "Operating GBP" (GB, SeedGBPIBAN, SeedGBPBIC).
	SeedGBPAccountID = "8e7f66e9-5db2-44a9-af98-119f40933574"
	SeedGBPIBAN      = "GB33BUKB20201555555555"
	SeedGBPBIC       = "BUKBGB22"

	// SeedUSDAccountID is "Operating USD" (US, account number and ABA
	// routing number, no IBAN).
	SeedUSDAccountID     = "ef1e3abc-064d-42dd-ba58-18e865564b7c"
	SeedUSDAccountNumber = "458003278449"
	SeedUSDRoutingABA    = "026009593"
	SeedUSDBIC           = "BOFAUS3N"

	// SeedFournisseurCounterpartyID is "Fournisseur SARL", holding the EUR
	// external account SeedFournisseurExternalAccountID.
	SeedFournisseurCounterpartyID    = "20e85f5a-c8c5-4081-be13-a28549e49b77"
	SeedFournisseurExternalAccountID = "2e437d38-0098-48d7-a7c7-a9fd49516570"
	SeedFournisseurExternalID        = "fournisseur-sarl-eur" // usable as "external:fournisseur-sarl-eur"
	SeedFournisseurIBAN              = "FR1420041010050500013M02606"
	SeedFournisseurBIC               = "PSSTFRPPLIL"

	// SeedSupplierCounterpartyID is "Supplier Ltd", holding the GBP external
	// account SeedSupplierExternalAccountID.
	SeedSupplierCounterpartyID    = "72dd6665-0351-420b-8b4b-4474193f7e85"
	SeedSupplierExternalAccountID = "950a4b4f-675d-446a-bcd3-3e23a6b4efee"
	SeedSupplierExternalID        = "supplier-ltd-gbp" // usable as "external:supplier-ltd-gbp"
	SeedSupplierIBAN              = "GB29NWBK60161331926819"
	SeedSupplierBIC               = "NWBKGB2L"
	SeedSupplierSortCode          = "601613"
)

// seedAccount is an internal account with what the statements need.
type seedAccount struct {
	atlar.Account
	opening int64 // booked balance before the first seeded statement, minor units
	code    string
}

// seedExternalAccount is a counterparty's account.
type seedExternalAccount struct {
	id, counterpartyID, externalID string
	market, currency, holder       string
	identifiers                    []atlar.AccountIdentifier
	routing                        []atlar.RoutingIdentifier
	// writable holds what the write endpoints (counterparties.go) change;
	// zero for seed data.
	writable
}

// writable is the mutable state of a resource created or patched through
// the API: its version (0 means 1, seed data) and timestamps (zero means
// seedCreated).
type writable struct {
	alias            string
	version          int
	created, updated time.Time
	idempotencyKey   string
}

func (w writable) ver() int { return max(w.version, 1) }

func (w writable) etag() string { return fmt.Sprintf("version:%d", w.ver()) }

func (w writable) createdAt() string {
	if w.created.IsZero() {
		return timestamp(seedCreated)
	}
	return timestamp(w.created)
}

func (w writable) updatedAt() string {
	if w.updated.IsZero() {
		return w.createdAt()
	}
	return timestamp(w.updated)
}

// seedCounterparty is a counterparty with its accounts.
type seedCounterparty struct {
	id, legalName, externalID, country string
	accounts                           []string // external account ids
	// Changed by the write endpoints (counterparties.go).
	partyType, email, phone string
	address                 *atlar.Address
	nationalID              *atlar.NationalIdentifier
	writable
}

func seedAccounts() []*seedAccount {
	return []*seedAccount{
		{
			Account: atlar.Account{
				ID: SeedEURAccountID, ThirdPartyID: SeedThirdPartyID, Market: "DE", Currency: "EUR",
				Name:        "Operating EUR",
				Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "DE", Number: SeedEURIBAN}},
				Routing:     []atlar.RoutingIdentifier{{Type: "BIC", Number: SeedEURBIC}},
			},
			opening: 1_000_000_00, code: "EUR",
		},
		{
			Account: atlar.Account{
				ID: SeedGBPAccountID, ThirdPartyID: SeedThirdPartyID, Market: "GB", Currency: "GBP",
				Name:        "Operating GBP",
				Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "GB", Number: SeedGBPIBAN}},
				Routing:     []atlar.RoutingIdentifier{{Type: "BIC", Number: SeedGBPBIC}},
			},
			opening: 500_000_00, code: "GBP",
		},
		{
			Account: atlar.Account{
				ID: SeedUSDAccountID, ThirdPartyID: SeedThirdPartyID, Market: "US", Currency: "USD",
				Name:        "Operating USD",
				Identifiers: []atlar.AccountIdentifier{{Type: "NUMBER", Market: "US", Number: SeedUSDAccountNumber}},
				Routing: []atlar.RoutingIdentifier{
					{Type: "US_ABA", Number: SeedUSDRoutingABA},
					{Type: "BIC", Number: SeedUSDBIC},
				},
			},
			opening: 750_000_00, code: "USD",
		},
	}
}

func seedExternalAccounts() []*seedExternalAccount {
	return []*seedExternalAccount{
		{
			id: SeedFournisseurExternalAccountID, counterpartyID: SeedFournisseurCounterpartyID,
			externalID: SeedFournisseurExternalID, market: "FR", currency: "EUR", holder: "Fournisseur SARL",
			identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "FR", Number: SeedFournisseurIBAN}},
			routing:     []atlar.RoutingIdentifier{{Type: "BIC", Number: SeedFournisseurBIC}},
		},
		{
			id: SeedSupplierExternalAccountID, counterpartyID: SeedSupplierCounterpartyID,
			externalID: SeedSupplierExternalID, market: "GB", currency: "GBP", holder: "Supplier Ltd",
			identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "GB", Number: SeedSupplierIBAN}},
			routing: []atlar.RoutingIdentifier{
				{Type: "BIC", Number: SeedSupplierBIC},
				{Type: "GB_DSC", Number: SeedSupplierSortCode},
			},
		},
	}
}

func seedCounterparties() []*seedCounterparty {
	return []*seedCounterparty{
		{id: SeedFournisseurCounterpartyID, legalName: "Fournisseur SARL", externalID: "fournisseur-sarl",
			country: "FR", accounts: []string{SeedFournisseurExternalAccountID},
			partyType: atlar.PartyCompany, address: &atlar.Address{Country: "FR"}},
		{id: SeedSupplierCounterpartyID, legalName: "Supplier Ltd", externalID: "supplier-ltd",
			country: "GB", accounts: []string{SeedSupplierExternalAccountID},
			partyType: atlar.PartyCompany, address: &atlar.Address{Country: "GB"}},
	}
}

// seedCreated is the creation time shown on seeded resources: fixed, so
// responses about seed data are byte-stable across runs.
var seedCreated = time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC)

// seedEntry is one fixed line of a seeded daily statement.
type seedEntry struct {
	credit      bool
	amount      int64
	name, iban  string
	bic         string
	reference   string // fmt pattern with one %s for the statement date
	endToEndRef string // fmt pattern with one %s for the compact date
}

// seedEntries are the fixed lines of each seeded daily statement, per
// currency. Two incoming customer payments and one outgoing payment a day.
var seedEntries = map[string][]seedEntry{
	"EUR": {
		{credit: true, amount: 12_500_00, name: "Kunde AG", iban: "DE02120300000000202051", bic: "BYLADEM1001",
			reference: "Rechnung 2024-1001 vom %s", endToEndRef: "KUNDE-%s-1"},
		{credit: true, amount: 4_800_50, name: "Client SA", iban: "FR7630006000011234567890189", bic: "AGRIFRPP",
			reference: "Facture F-7781 %s", endToEndRef: "CLIENT-%s-2"},
		{credit: false, amount: 1_999_99, name: "Fournisseur SARL", iban: SeedFournisseurIBAN, bic: SeedFournisseurBIC,
			reference: "Loyer bureau %s", endToEndRef: "RENT-%s"},
	},
	"GBP": {
		{credit: true, amount: 8_250_00, name: "Customer plc", iban: "GB82WEST12345698765432", bic: "WESTGB2L",
			reference: "Invoice GB-5521 of %s", endToEndRef: "CUST-%s-1"},
		{credit: true, amount: 310_75, name: "Retail Buyer Ltd", iban: "GB94BARC10201530093459", bic: "BARCGB22",
			reference: "Order 88812 %s", endToEndRef: "RETAIL-%s-2"},
		{credit: false, amount: 2_400_00, name: "Supplier Ltd", iban: SeedSupplierIBAN, bic: SeedSupplierBIC,
			reference: "Services %s", endToEndRef: "SUPP-%s"},
	},
	"USD": {
		{credit: true, amount: 15_000_00, name: "Customer Inc", reference: "Invoice US-3001 %s", endToEndRef: "CUSTUS-%s-1"},
		{credit: true, amount: 725_20, name: "Buyer LLC", reference: "PO 4410 %s", endToEndRef: "BUYER-%s-2"},
		{credit: false, amount: 3_100_00, name: "Vendor Corp", reference: "Hosting %s", endToEndRef: "VENDOR-%s"},
	},
}
