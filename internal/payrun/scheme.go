package payrun

import (
	"fmt"
	"strings"
)

// Schemes lists the Atlar credit-transfer scheme names the bridge accepts:
// the enum of the 2024-11 OpenAPI spec followed by the values the live API
// reference added since (shared/atlar/NOTES.md §2.5). Atlar has the last word;
// this list only catches typos offline.
var Schemes = []string{
	// 2024-11 spec enum.
	"SCT", "SCT_INST", "CROSS_BORDER",
	"GB_CT_BACS", "GB_CT_CHAPS", "GB_CT_FPS",
	"SE_A2A", "SE_GIRO",
	"DK_A2A", "DK_CT_SAMEDAY", "DK_CT_INST", "DK_CT_FIK71", "DK_CT_FIK73", "DK_CT_FIK75",
	"CH_CT", "NO_CT", "NO_CT_KID",
	"US_CT_ACH", "US_CT_WIRE",
	"IS_CT", "AU_CT", "AU_CT_BPAY", "IL_CT", "SG_CT", "BG_CT", "MX_CT", "KR_CT", "TH_CT",
	// Added by the live reference.
	"AU_CT_BECS", "HK_CT", "CL_CT", "CZ_CT", "MX_CT_SPID", "CA_CT_LYNX", "CA_CT_ACSS",
	"PL_CT", "RO_CT", "TR_CT", "DE_CT", "FR_CT", "IN_IMPS", "IN_NEFT", "IN_RTGS",
	"BR_CT_PIX", "BR_CT_TED", "BOOK_TRANSFER", "CN_CT",
}

var knownSchemes = func() map[string]bool {
	m := make(map[string]bool, len(Schemes))
	for _, s := range Schemes {
		m[s] = true
	}
	return m
}()

// KnownScheme reports whether s is one of Schemes, exactly (upper case).
func KnownScheme(s string) bool { return knownSchemes[s] }

// schemeCurrency holds the schemes that move only one currency, so a
// mismatch can be reported offline instead of by the bank days later.
var schemeCurrency = map[string]string{
	"SCT": "EUR", "SCT_INST": "EUR",
	"GB_CT_BACS": "GBP", "GB_CT_CHAPS": "GBP", "GB_CT_FPS": "GBP",
	"US_CT_ACH": "USD",
}

// CheckSchemeCurrency reports an error when scheme can only move another
// currency (SCT in USD, GB_CT_FPS in EUR). Schemes without a fixed currency
// pass.
func CheckSchemeCurrency(scheme, currency string) error {
	if want, ok := schemeCurrency[scheme]; ok && want != currency {
		return fmt.Errorf("scheme %s moves only %s (got %s)", scheme, want, currency)
	}
	return nil
}

// domestic maps a currency to its domestic scheme and the countries where
// an account is reachable through it. EUR's countries are those of the SEPA
// credit-transfer scheme (EPC list; the 2024-2025 joiners AL, MD, ME, MK and
// RS are left out until confirmed, so they fall back to CROSS_BORDER, which
// still pays, rather than SCT, which would be rejected if they are not yet
// live).
var domestic = map[string]struct {
	scheme    string
	countries map[string]bool
}{
	"EUR": {"SCT", set("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR",
		"HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
		"IS", "LI", "NO", "CH", "GB", "MC", "SM", "VA", "AD", "GI", "GG", "JE", "IM",
		"AX", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF")},
	"GBP": {"GB_CT_FPS", set("GB", "GG", "JE", "IM")},
	"USD": {"US_CT_ACH", set("US")},
	"DKK": {"DK_A2A", set("DK")},
	"SEK": {"SE_A2A", set("SE")},
	"NOK": {"NO_CT", set("NO")},
	"CHF": {"CH_CT", set("CH", "LI")},
}

// DefaultScheme picks the Atlar scheme for a payment when neither the input
// row nor the route names one. This mapping is the bridge's assumption, not
// Atlar's rule: each currency's everyday domestic scheme (EUR → SCT,
// GBP → GB_CT_FPS, USD → US_CT_ACH, DKK → DK_A2A, SEK → SE_A2A, NOK → NO_CT,
// CHF → CH_CT), and CROSS_BORDER for every other currency.
//
// When the inline creditor c shows the account is outside that scheme's
// reach, CROSS_BORDER is chosen instead: the account's country comes from
// its IBAN, else from c.Country; a EUR payment needs an IBAN for SCT. With
// c nil (an existing external account) only the currency decides.
func DefaultScheme(currency string, c *Creditor) string {
	d, ok := domestic[currency]
	if !ok {
		return "CROSS_BORDER"
	}
	if c == nil {
		return d.scheme
	}
	if currency == "EUR" && c.IBAN == "" {
		return "CROSS_BORDER"
	}
	country := c.Country
	if len(c.IBAN) >= 2 {
		country = strings.ToUpper(c.IBAN[:2])
	}
	if country != "" && !d.countries[country] {
		return "CROSS_BORDER"
	}
	return d.scheme
}

func set(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}
