package pain002

import (
	"strings"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// Narrative is the reason code for reasons that no ISO code fits; the
// text says what happened.
const Narrative = "NARR"

// reason returns the code and cleaned text to write for r, and false
// when r carries neither.
func reason(r Reason) (code, info string, ok bool) {
	code = strings.TrimSpace(r.Code)
	info = isoxml.CleanText(r.Info, len(r.Info))
	if code != "" && !isReasonCode(code) {
		// Keep what the caller meant in the text rather than lose it.
		info = strings.TrimSpace(isoxml.CleanText(code, max35) + ": " + info)
		info = strings.TrimSuffix(info, ":")
		code = ""
	}
	switch {
	case code == "" && info == "":
		return "", "", false
	case code == "":
		code = Narrative
	}
	return code, info, true
}

// isReasonCode reports whether s has the shape of an
// ExternalStatusReason1Code value: 1-4 of A-Z and 0-9.
func isReasonCode(s string) bool {
	if len(s) == 0 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
