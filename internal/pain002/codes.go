package pain002

import (
	"fmt"
	"strings"
)

// statusReasons is ISO 20022's ExternalStatusReason1Code set (the
// external code lists as published in 2023): the reason codes an ERP can
// look up. A bank's or Atlar's code outside it is reported as NARR with
// the code in the text, never as a Rsn/Cd the ERP cannot interpret.
var statusReasons = func() map[string]bool {
	set := map[string]bool{}
	add := func(prefix string, from, to int) {
		for i := from; i <= to; i++ {
			set[fmt.Sprintf("%s%02d", prefix, i)] = true
		}
	}
	add("AB", 1, 11)
	add("AC", 1, 16)
	add("AG", 1, 13)
	add("AM", 1, 23)
	set["BE01"] = true
	add("BE", 4, 23)
	set["CH03"], set["CH04"], set["CH07"] = true, true, true
	add("CH", 9, 22)
	add("CN", 1, 1)
	add("DS", 1, 28)
	add("DT", 1, 6)
	add("DU", 1, 6)
	set["ED01"], set["ED03"], set["ED05"], set["ED06"] = true, true, true, true
	add("FF", 1, 13)
	set["FR01"] = true
	set["ID01"] = true
	set["MD01"], set["MD02"], set["MD05"], set["MD06"], set["MD07"] = true, true, true, true, true
	set["MS02"], set["MS03"] = true, true
	add("RC", 1, 12)
	set["RF01"] = true
	add("RR", 1, 12)
	add("SL", 1, 14)
	set["SP01"], set["SP02"] = true, true
	set["TA01"] = true
	add("TD", 1, 3)
	add("TK", 1, 9)
	set["TM01"], set["TS01"], set["TS04"] = true, true, true
	for _, c := range []string{"AGNT", "CERI", "CNOR", "CURR", "CUST", "DNOR", "DUPL", "ERIN", "FOCR", "FRTR",
		"G000", "G001", "G002", "G003", "G004", "G005", "G006", "NARR", "NERI", "NOAS", "NOOR", "RCON", "RECI",
		"S000", "S001", "S002", "S003", "S004", "TKCM", "TKSG", "TKSP", "TKVE", "TKXP", "UPAY"} {
		set[c] = true
	}
	return set
}()

// IsStatusReason reports whether code is an ISO 20022 external status
// reason code (ExternalStatusReason1Code), e.g. AC01, AM04, MS03.
func IsStatusReason(code string) bool {
	return statusReasons[strings.TrimSpace(code)]
}

// ReasonFor is the StsRsnInf for a reason code and text from elsewhere
// (Atlar, a bank): the code itself when it is an ISO status reason, else
// NARR with the foreign code kept at the start of the text.
func ReasonFor(code, text string) Reason {
	code = strings.TrimSpace(code)
	switch {
	case code == "":
		return Reason{Code: Narrative, Info: text}
	case IsStatusReason(code):
		return Reason{Code: code, Info: text}
	case text == "":
		return Reason{Code: Narrative, Info: code}
	}
	return Reason{Code: Narrative, Info: code + ": " + text}
}
