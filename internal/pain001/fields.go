package pain001

// The elements the reader collects, as paths relative to GrpHdr, PmtInf
// and CdtTrfTxInf. Every other element is read past: the reader checks
// what it uses, not the whole schema. Where versions name an element
// differently (BIC/BICFI, v02's BBAN or CdtrRef), all names fill one field.

// Group header fields (relative to GrpHdr).
const (
	gMsgID = iota
	gCreDtTm
	gNbOfTxs
	gCtrlSum
	gInitgPty
	gInitgPtyNm
	gGrpg // v02 only
	grpFieldCount
)

var grpTable = newTable(map[string]int{
	"MsgId":       gMsgID,
	"CreDtTm":     gCreDtTm,
	"NbOfTxs":     gNbOfTxs,
	"CtrlSum":     gCtrlSum,
	"InitgPty":    gInitgPty,
	"InitgPty/Nm": gInitgPtyNm,
	"Grpg":        gGrpg,
})

// Payment-information fields (relative to PmtInf, collected child by child
// so that each path starts with the child's name).
const (
	pPmtInfID = iota
	pPmtMtd
	pNbOfTxs
	pCtrlSum
	pSvcLvl
	pLclInstrm
	pCtgyPurp
	pCtgyPurp02  // v02: PmtTpInf/CtgyPurp is the code itself
	pReqdExctnDt // the element itself: plain date up to v07
	pReqdDt      // v08 on: ReqdExctnDt/Dt
	pReqdDtTm    // v08 on: ReqdExctnDt/DtTm
	pDbtr
	pDbtrNm
	pDbtrAcct
	pDbtrIBAN
	pDbtrOther
	pDbtrCcy
	pDbtrAgt
	pDbtrBIC
	pDbtrClrSysCd
	pDbtrMmbID
	pChrgBr
	pmtFieldCount
)

var pmtTable = newTable(map[string]int{
	"PmtInfId":                       pPmtInfID,
	"PmtMtd":                         pPmtMtd,
	"NbOfTxs":                        pNbOfTxs,
	"CtrlSum":                        pCtrlSum,
	"PmtTpInf/SvcLvl/Cd":             pSvcLvl,
	"PmtTpInf/SvcLvl/Prtry":          pSvcLvl,
	"PmtTpInf/LclInstrm/Cd":          pLclInstrm,
	"PmtTpInf/LclInstrm/Prtry":       pLclInstrm,
	"PmtTpInf/CtgyPurp/Cd":           pCtgyPurp,
	"PmtTpInf/CtgyPurp/Prtry":        pCtgyPurp,
	"PmtTpInf/CtgyPurp":              pCtgyPurp02,
	"ReqdExctnDt":                    pReqdExctnDt,
	"ReqdExctnDt/Dt":                 pReqdDt,
	"ReqdExctnDt/DtTm":               pReqdDtTm,
	"Dbtr":                           pDbtr,
	"Dbtr/Nm":                        pDbtrNm,
	"DbtrAcct":                       pDbtrAcct,
	"DbtrAcct/Id/IBAN":               pDbtrIBAN,
	"DbtrAcct/Id/Othr/Id":            pDbtrOther,
	"DbtrAcct/Id/BBAN":               pDbtrOther, // v02
	"DbtrAcct/Id/UPIC":               pDbtrOther, // v02
	"DbtrAcct/Id/PrtryAcct/Id":       pDbtrOther, // v02
	"DbtrAcct/Ccy":                   pDbtrCcy,
	"DbtrAgt":                        pDbtrAgt,
	"DbtrAgt/FinInstnId/BIC":         pDbtrBIC,
	"DbtrAgt/FinInstnId/BICFI":       pDbtrBIC,
	"DbtrAgt/FinInstnId/CmbndId/BIC": pDbtrBIC, // v02
	"DbtrAgt/FinInstnId/ClrSysMmbId/ClrSysId/Cd": pDbtrClrSysCd,
	"DbtrAgt/FinInstnId/ClrSysMmbId/MmbId":       pDbtrMmbID,
	"DbtrAgt/FinInstnId/ClrSysMmbId/Id":          pDbtrMmbID, // v02
	"DbtrAgt/FinInstnId/CmbndId/ClrSysMmbId/Id":  pDbtrMmbID, // v02
	"ChrgBr": pChrgBr,
})

// Transaction fields (relative to CdtTrfTxInf).
const (
	tInstrID = iota
	tEndToEndID
	tSvcLvl
	tLclInstrm
	tCtgyPurp
	tCtgyPurp02
	tInstdAmt
	tEqvtAmt
	tChrgBr
	tCdtrAgtBIC
	tClrSysCd
	tClrSysMmbID
	tCdtrNm
	tStrtNm
	tPstCd
	tTwnNm
	tCtry
	tAdrLine
	tCdtrAcct
	tCdtrIBAN
	tCdtrOther
	tUstrd
	tCdtrRef
	tRfrdDocNb
	txFieldCount
)

var txTable = newTable(map[string]int{
	"PmtId/InstrId":                              tInstrID,
	"PmtId/EndToEndId":                           tEndToEndID,
	"PmtTpInf/SvcLvl/Cd":                         tSvcLvl,
	"PmtTpInf/SvcLvl/Prtry":                      tSvcLvl,
	"PmtTpInf/LclInstrm/Cd":                      tLclInstrm,
	"PmtTpInf/LclInstrm/Prtry":                   tLclInstrm,
	"PmtTpInf/CtgyPurp/Cd":                       tCtgyPurp,
	"PmtTpInf/CtgyPurp/Prtry":                    tCtgyPurp,
	"PmtTpInf/CtgyPurp":                          tCtgyPurp02,
	"Amt/InstdAmt":                               tInstdAmt,
	"Amt/EqvtAmt/Amt":                            tEqvtAmt,
	"ChrgBr":                                     tChrgBr,
	"CdtrAgt/FinInstnId/BIC":                     tCdtrAgtBIC,
	"CdtrAgt/FinInstnId/BICFI":                   tCdtrAgtBIC,
	"CdtrAgt/FinInstnId/CmbndId/BIC":             tCdtrAgtBIC, // v02
	"CdtrAgt/FinInstnId/ClrSysMmbId/ClrSysId/Cd": tClrSysCd,
	"CdtrAgt/FinInstnId/ClrSysMmbId/MmbId":       tClrSysMmbID,
	"CdtrAgt/FinInstnId/ClrSysMmbId/Id":          tClrSysMmbID, // v02: "USABA026009593"
	"CdtrAgt/FinInstnId/CmbndId/ClrSysMmbId/Id":  tClrSysMmbID, // v02
	"Cdtr/Nm":                          tCdtrNm,
	"Cdtr/PstlAdr/StrtNm":              tStrtNm,
	"Cdtr/PstlAdr/PstCd":               tPstCd,
	"Cdtr/PstlAdr/TwnNm":               tTwnNm,
	"Cdtr/PstlAdr/Ctry":                tCtry,
	"Cdtr/PstlAdr/AdrLine":             tAdrLine,
	"CdtrAcct":                         tCdtrAcct,
	"CdtrAcct/Id/IBAN":                 tCdtrIBAN,
	"CdtrAcct/Id/Othr/Id":              tCdtrOther,
	"CdtrAcct/Id/BBAN":                 tCdtrOther, // v02
	"CdtrAcct/Id/UPIC":                 tCdtrOther, // v02
	"CdtrAcct/Id/PrtryAcct/Id":         tCdtrOther, // v02
	"RmtInf/Ustrd":                     tUstrd,
	"RmtInf/Strd/CdtrRefInf/Ref":       tCdtrRef,
	"RmtInf/Strd/CdtrRefInf/CdtrRef":   tCdtrRef, // v02
	"RmtInf/Strd/RfrdDocInf/Nb":        tRfrdDocNb,
	"RmtInf/Strd/RfrdDocInf/RfrdDocNb": tRfrdDocNb, // v02
})
