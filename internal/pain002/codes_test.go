package pain002

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReasonFor(t *testing.T) {
	for _, c := range []struct {
		code, text string
		want       Reason
	}{
		{"AC04", "Closed account number", Reason{Code: "AC04", Info: "Closed account number"}},
		{" MS03 ", "", Reason{Code: "MS03"}},
		{"AM04", "Insufficient funds", Reason{Code: "AM04", Info: "Insufficient funds"}},
		{"ZZ99", "not an ISO code", Reason{Code: Narrative, Info: "ZZ99: not an ISO code"}},
		{"insufficient_funds", "", Reason{Code: Narrative, Info: "insufficient_funds"}},
		{"", "just words", Reason{Code: Narrative, Info: "just words"}},
	} {
		assert.Equal(t, c.want, ReasonFor(c.code, c.text), "%q %q", c.code, c.text)
	}
	for _, code := range []string{"AC01", "AC06", "AG01", "AM05", "BE05", "DT01", "FF01", "MD07", "RC01", "RR04", "NARR", "DUPL", "CUST"} {
		assert.True(t, IsStatusReason(code), code)
	}
	for _, code := range []string{"", "AC00", "AC99", "ACSP", "XXXX", "ac01"} {
		assert.False(t, IsStatusReason(code), code)
	}
}
