package pain001

// Atlar scheme names SchemeFor returns.
const (
	SchemeSCT     = "SCT"
	SchemeSCTInst = "SCT_INST"
)

// SchemeFor maps a payment type (PmtTpInf/SvcLvl/Cd and LclInstrm/Cd or
// Prtry) to an Atlar scheme: local instrument INST is a SEPA instant credit
// transfer ("SCT_INST", with or without service level SEPA), service level
// SEPA otherwise is "SCT", and anything else is "" so that inbound derives
// the scheme from the currency and the destination or the route.
//
// Service level INST is accepted as well: it is not an ISO code, but some
// ERPs put it there instead of in LclInstrm, and it can only mean instant.
func SchemeFor(svcLvl, lclInstrm string) string {
	switch {
	case lclInstrm == "INST" || svcLvl == "INST":
		return SchemeSCTInst
	case svcLvl == "SEPA":
		return SchemeSCT
	}
	return ""
}
