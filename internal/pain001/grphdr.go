package pain001

import (
	"encoding/xml"
	"fmt"

	"github.com/atlarbridge/bridge/internal/payrun"
)

// grpState is what the group header declared, checked once the whole file
// has been read.
type grpState struct {
	nb  count
	sum sum
}

// groupHeader reads and checks GrpHdr, whose start was just read.
func (r *reader) groupHeader(start *xml.StartElement) error {
	sc := scope{prefix: "GrpHdr", line: r.line()}
	var f [grpFieldCount][]leaf
	if err := r.collect(start, 2, grpTable, f[:], false, sc.prefix); err != nil {
		return err
	}
	// The MsgId is what inbound's duplicate check (DU01) keys on.
	msgID := r.need(gateWellformed, sc, f[gMsgID], "MsgId")
	r.text(sc, msgID, 35)

	cre := r.need(gateStrict, sc, f[gCreDtTm], "CreDtTm")
	if _, ok := parseISODateTime(cre.val); cre.seen && !ok {
		r.bad(gateStrict, sc, cre, "an ISO date and time, YYYY-MM-DDThh:mm:ss", codeContent)
	}
	nb := r.need(gateStrict, sc, f[gNbOfTxs], "NbOfTxs")
	r.grp.nb = r.declaredCount(sc, nb)
	ctrl := r.one(sc, f[gCtrlSum])
	r.grp.sum = r.declaredSum(sc, ctrl)

	r.need(gateStrict, sc, f[gInitgPty], "InitgPty")
	nm := r.one(sc, f[gInitgPtyNm])
	r.text(sc, nm, r.nameMax())
	if r.schema.v == 2 {
		g := r.need(gateStrict, sc, f[gGrpg], "Grpg")
		switch g.val {
		case "SNGL", "GRPD", "MIXD":
		default:
			if g.seen {
				r.bad(gateStrict, sc, g, "SNGL, GRPD or MIXD", codeContent)
			}
		}
	}

	h := &r.header
	h.MsgID = clean(msgID.val)
	h.CreDtTm = clean(cre.val)
	h.NbOfTxs = clean(nb.val)
	h.CtrlSum = clean(ctrl.val)
	h.InitgPtyName = clean(nm.val)
	return nil
}

// finish checks the file-level totals once the message has been read.
func (r *reader) finish() {
	sc := scope{prefix: "GrpHdr"}
	if r.row == 0 {
		r.flag(gateWellformed, payrun.Problem{
			Field:    "PmtInf/CdtTrfTxInf",
			Expected: "at least one CdtTrfTxInf (the file has no transactions)",
			Code:     codeMissing,
		})
	}
	if nb := r.grp.nb; nb.ok && nb.n != uint64(r.row) {
		r.bad(gateStrict, sc, nb.l, fmt.Sprintf("%d, the number of CdtTrfTxInf in the file", r.row), codeNbOfTxs)
	}
	if s := r.grp.sum; s.v != nil && r.sumOK && s.v.Cmp(r.fileSum) != 0 {
		r.bad(gateStrict, sc, s.l, formatRat(r.fileSum, r.sumFrac)+", the sum of the amounts in the file", codeCtrlSum)
	}
}
