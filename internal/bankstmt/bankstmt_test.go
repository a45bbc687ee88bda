package bankstmt_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*bankstmt.Statement)
		want string
	}{
		"ok":          {edit: func(*bankstmt.Statement) {}},
		"closing off": {edit: func(s *bankstmt.Statement) { s.Closing-- }, want: "opening 1250000 + entries 124775 = 1374775, but closing is 1374774 (minor units): statement does not add up"},
		"no currency": {edit: func(s *bankstmt.Statement) { s.Currency = "" }, want: "no currency"},
		"zero amount": {edit: func(s *bankstmt.Statement) { s.Entries[4].Amount = 0 }, want: "entry 5 (FEE-0301): amount 0, want > 0"},
	} {
		t.Run(name, func(t *testing.T) {
			st := bankstmttest.EUR()
			tc.edit(&st)
			err := st.Check()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestFromCamt053(t *testing.T) {
	avail := int64(7)
	c := camt053.Statement{ID: "S", Account: camt053.Account{OtherID: "123", Currency: "USD"},
		Opening: 100, Closing: 50, OpeningDate: "2026-03-09", ClosingDate: "2026-03-10", Available: &avail,
		Entries: []camt053.Entry{{Amount: 50, Currency: "USD", BookingDate: "2026-03-10", EndToEndID: "NOTPROVIDED",
			AcctSvcrRef: "B1", Domain: "PMNT", Family: "ICDT", SubFamily: "ESCT", Reference: "rent", MandateID: "M1"}}}
	st, err := bankstmt.FromCamt053("r1", c)
	require.NoError(t, err)
	require.NoError(t, st.Check())
	assert.Equal(t, "123", st.Account())
	assert.Equal(t, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), st.Date)
	assert.Equal(t, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), st.OpeningDate)
	require.Len(t, st.Entries, 1)
	e := st.Entries[0]
	assert.Equal(t, int64(-50), e.Signed())
	assert.Empty(t, e.EndToEndID, "NOTPROVIDED is no reference")
	assert.Equal(t, st.Entries[0].BookingDate, e.ValueDate, "value date defaults to the booking date")
	assert.Equal(t, "rent", e.Remittance)
	assert.Equal(t, "M1", e.MandateID)
	assert.Equal(t, int64(7), *st.Available)

	c.Entries[0].Currency = "EUR"
	_, err = bankstmt.FromCamt053("r1", c)
	require.ErrorContains(t, err, "statement r1: entry 1: currency EUR, account is USD")
	c.Entries[0].Currency, c.ClosingDate = "USD", "10.03.2026"
	_, err = bankstmt.FromCamt053("r1", c)
	require.ErrorContains(t, err, "statement r1: closing date")
}

// TestCamt053Entries renders a day's camt.054 from the bankstmt model
// through Camt053Entries and from the camt053 model the same day converts
// to: the two documents must be byte-identical.
func TestCamt053Entries(t *testing.T) {
	for name, edit := range map[string]func(*bankstmt.Statement){
		"many": func(*bankstmt.Statement) {},
		"no dates": func(s *bankstmt.Statement) {
			s.Entries[1].BookingDate, s.Entries[1].ValueDate = time.Time{}, time.Time{}
		},
		"changing date": func(s *bankstmt.Statement) { s.Entries[2].ValueDate = s.OpeningDate; s.Entries[3].AddtlInfo = "more" },
		"empty":         func(s *bankstmt.Statement) { s.Entries = nil },
	} {
		t.Run(name, func(t *testing.T) {
			st := bankstmttest.Many(5)
			edit(&st)
			hdr := camt053.Statement{MsgID: "NTF1", ID: "NTF1", CreatedAt: st.CreatedAt,
				Account: camt053.Account{IBAN: st.IBAN, Currency: st.Currency}}
			full := hdr
			for _, e := range st.Entries {
				d := func(t time.Time) string {
					if t.IsZero() {
						return ""
					}
					return t.Format(time.DateOnly)
				}
				full.Entries = append(full.Entries, camt053.Entry{Amount: e.Amount, Currency: st.Currency, Credit: e.Credit,
					BookingDate: d(e.BookingDate), ValueDate: d(e.ValueDate), AcctSvcrRef: e.BankRef, EndToEndID: e.EndToEndID,
					Reference: e.Remittance, Domain: e.Domain, Family: e.Family, SubFamily: e.SubFamily, AddtlInfo: e.AddtlInfo,
					CounterpartName: e.CounterpartName, CounterpartIBAN: e.CounterpartIBAN, CounterpartBIC: e.CounterpartBIC})
			}
			for _, v := range camt053.NotificationVersions {
				want, err := camt053.RenderNotification(v, full)
				require.NoError(t, err)
				var got bytes.Buffer
				require.NoError(t, camt053.WriteNotificationEntries(&got, v, hdr, st.Camt053Entries()))
				assert.Equal(t, string(want), got.String(), v)
				assert.Equal(t, len(st.Entries), strings.Count(got.String(), "<Ntry>"), v)
			}
		})
	}
}
