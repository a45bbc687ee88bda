package pain001

// Header is what a pain.001 file says about itself: the group header and
// every payment-information block, with declared and real totals side by
// side. Values are as found in the file (trimmed of surrounding space);
// fields the file does not have are "".
type Header struct {
	// Namespace is the document's namespace URI as found.
	Namespace string
	// Version is the ISO message version, e.g. "pain.001.001.03"; national
	// variants keep the ISO version they restrict and name themselves in
	// Variant.
	Version string
	// Variant is "" for ISO namespaces, else e.g. "DK pain.001.003.03" or
	// "CH SIX .ch.02".
	Variant string

	MsgID        string // GrpHdr/MsgId
	CreDtTm      string // GrpHdr/CreDtTm
	InitgPtyName string // GrpHdr/InitgPty/Nm
	NbOfTxs      string // GrpHdr/NbOfTxs as declared
	CtrlSum      string // GrpHdr/CtrlSum as declared, "" if absent

	// PmtInfs are the payment-information blocks in file order.
	PmtInfs []PmtInfHeader
}

// PmtInfHeader is one PmtInf block: its declared fields and what its
// transactions really add up to.
type PmtInfHeader struct {
	ID      string // PmtInfId
	Method  string // PmtMtd, "TRF" for credit transfers
	NbOfTxs string // as declared, "" if absent
	CtrlSum string // as declared, "" if absent
	// ReqdExctnDt is YYYY-MM-DD whether the file wrote a plain date (up to
	// v07) or <Dt>/<DtTm> (v08 on).
	ReqdExctnDt     string
	DebtorName      string // Dbtr/Nm
	DebtorIBAN      string // DbtrAcct/Id/IBAN, normalised
	DebtorAcctOther string // DbtrAcct/Id/Othr/Id (or a v02 BBAN/UPIC/PrtryAcct)
	DebtorBIC       string // DbtrAgt/FinInstnId/BIC or BICFI
	SvcLvl          string // PmtTpInf/SvcLvl/Cd (or Prtry)
	LclInstrm       string // PmtTpInf/LclInstrm/Cd (or Prtry)
	CtgyPurp        string // PmtTpInf/CtgyPurp/Cd (or Prtry)
	Currency        string // DbtrAcct/Ccy, if any

	// DebtorRouting is the debtor agent's clearing member id
	// (DbtrAgt/FinInstnId/ClrSysMmbId/MmbId): an ABA routing number or a
	// sort code without its system prefix, else as written.
	DebtorRouting string

	// TxCount is the real number of CdtTrfTxInf in the block.
	TxCount int
	// TxSum is the real sum of their amounts as an exact decimal ("6655.86"),
	// whatever their currencies, as CtrlSum is defined; "" when an amount
	// could not be read.
	TxSum string
}
