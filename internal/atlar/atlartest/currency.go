package atlartest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// minorUnits maps the ISO 4217 currencies the fake knows to their number of
// decimals. Any other code is "unknown currency".
var minorUnits = map[string]int{
	"AED": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2,
	"CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
	"ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2,
	"OMR": 3, "PHP": 2, "PLN": 2, "RON": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3,
	"TRY": 2, "TWD": 2, "USD": 2, "ZAR": 2,
}

var stringValueRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// parseStringValue converts Atlar's amount stringValue ("15.02") to minor
// units. It accepts at most as many decimals as the currency has.
func parseStringValue(s, currency string) (int64, error) {
	dec, ok := minorUnits[currency]
	if !ok {
		return 0, fmt.Errorf("unknown currency")
	}
	if !stringValueRE.MatchString(s) {
		return 0, fmt.Errorf("must be a decimal number with '.' as decimal separator")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > dec {
		return 0, fmt.Errorf("%s allows at most %d decimals", currency, dec)
	}
	frac += strings.Repeat("0", dec-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("out of range")
	}
	return v, nil
}

// formatMinor renders minor units as Atlar's stringValue.
func formatMinor(v int64, currency string) string {
	dec := minorUnits[currency]
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	if dec > 0 {
		if len(s) <= dec {
			s = strings.Repeat("0", dec-len(s)+1) + s
		}
		s = s[:len(s)-dec] + "." + s[len(s)-dec:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// schemes are the credit transfer schemes the fake accepts: the 2024-11
// spec's enum plus the ones the live reference added since.
var schemes = setOf(
	"SCT", "SCT_INST", "CROSS_BORDER", "GB_CT_BACS", "GB_CT_CHAPS", "GB_CT_FPS", "SE_A2A", "SE_GIRO",
	"DK_A2A", "DK_CT_SAMEDAY", "DK_CT_INST", "DK_CT_FIK71", "DK_CT_FIK73", "DK_CT_FIK75", "CH_CT",
	"NO_CT", "NO_CT_KID", "US_CT_ACH", "US_CT_WIRE", "IS_CT", "AU_CT", "AU_CT_BPAY", "IL_CT", "SG_CT",
	"BG_CT", "MX_CT", "KR_CT", "TH_CT",
	"AU_CT_BECS", "HK_CT", "CL_CT", "CZ_CT", "MX_CT_SPID", "CA_CT_LYNX", "CA_CT_ACSS", "PL_CT", "RO_CT",
	"TR_CT", "DE_CT", "FR_CT", "IN_IMPS", "IN_NEFT", "IN_RTGS", "BR_CT_PIX", "BR_CT_TED",
	"BOOK_TRANSFER", "CN_CT",
)

var identifierTypes = setOf(
	"IBAN", "NUMBER", "SE_BANKGIRO", "SE_PLUSGIRO", "DK_FIK", "ADYEN", "PAYPAL", "SOLDO",
	"WALLET_SWISSQUOTE", "WALLET_AIRWALLEX", "WALLET_HYPERWALLET", "WALLET_PAYHAWK", "WALLET_STRIPE",
	"AU_BPAY_BILLER_CODE",
)

var routingTypes = setOf(
	"BIC", "AT_BLZ", "AU_BSB", "CA_CPA", "CH_BCC", "CH_SIC", "CN_APS", "DE_BLZ", "ES_NCC", "GB_DSC",
	"GR_BIC", "HK_NCC", "IE_NCC", "IN_FSC", "IT_NCC", "JP_ZGN", "NZ_NCC", "PL_KNR", "PT_NCC", "RU_CBC",
	"SE_SBA", "SG_IBG", "TH_CBC", "TW_NCC", "US_ABA", "US_PID", "ZA_NCC",
)

func setOf(v ...string) map[string]bool {
	m := make(map[string]bool, len(v))
	for _, s := range v {
		m[s] = true
	}
	return m
}
