package atlartest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/camt053"
)

const transactionsPath = "/financial-data/v2/transactions"

// TestServer_Transactions_MatchStatements: every line of every camt.053
// the fake renders is one transaction, with the same account, date,
// signed amount and EndToEndId (externalId for the bridge's payments), and
// the statement balances are the BOOKED OPEN/CLOSE balances.
func TestServer_Transactions_MatchStatements(t *testing.T) {
	f := newFixture(t, Options{})
	f.createBatch(batchOf("fd-1", eurPayment("erp-fd-1", 12_34, "Invoice fd-1")))
	f.clock.Advance(5 * time.Second) // executed and booked

	reports := getAll[atlar.Report](f, reportsPath)
	txs := getAll[atlar.Transaction](f, transactionsPath)
	type line struct {
		acct, date, e2e string
		signed          int64
	}
	var want []line
	var wantBal []atlar.Balance
	for _, r := range reports {
		sts, err := camt053.Read(f.content(r.ID, camt053.V02, true))
		require.NoError(t, err)
		st := sts[0]
		for _, e := range st.Entries {
			v := e.Amount
			if !e.Credit {
				v = -v
			}
			want = append(want, line{r.AccountIDs[0], e.BookingDate, e.EndToEndID, v})
		}
		wantBal = append(wantBal,
			atlar.Balance{AccountID: r.AccountIDs[0], Type: "BOOKED", ReportedType: "OPEN", LocalDate: st.OpeningDate, Amount: atlar.Amount{Currency: st.Account.Currency, Value: st.Opening}},
			atlar.Balance{AccountID: r.AccountIDs[0], Type: "BOOKED", ReportedType: "CLOSE", LocalDate: st.ClosingDate, Amount: atlar.Amount{Currency: st.Account.Currency, Value: st.Closing}})
	}
	var got []line
	ids := map[string]bool{}
	for _, tx := range txs {
		e2e := "NOTPROVIDED"
		if tx.References != nil && tx.References.EndToEndID != "" {
			e2e = tx.References.EndToEndID
		}
		got = append(got, line{tx.AccountID, tx.Date, e2e, tx.Amount.Value})
		assert.False(t, ids[tx.ID], "transaction ids are unique")
		ids[tx.ID] = true
	}
	require.Equal(t, want, got)
	assert.Contains(t, got, line{SeedEURAccountID, t0.Format(time.DateOnly), "erp-fd-1", -12_34}, "the payment is a booked transaction with its externalId")

	bals := getAll[atlar.Balance](f, "/financial-data/v2/accounts/-/balances")
	for i := range bals {
		bals[i] = atlar.Balance{AccountID: bals[i].AccountID, Type: bals[i].Type, ReportedType: bals[i].ReportedType,
			LocalDate: bals[i].LocalDate, Amount: atlar.Amount{Currency: bals[i].Amount.Currency, Value: bals[i].Amount.Value}}
	}
	require.Equal(t, wantBal, bals)

	// Listing again books nothing new and keeps ids stable.
	again := getAll[atlar.Transaction](f, transactionsPath)
	require.Len(t, again, len(txs))
	assert.Equal(t, txs[0].ID, again[0].ID)
}

func TestServer_Transactions_Filters(t *testing.T) {
	f := newFixture(t, Options{})
	all := getAll[atlar.Transaction](f, transactionsPath)
	require.NotEmpty(t, all)
	last := all[len(all)-1].Date
	first := all[0].Date
	require.Less(t, first, last, "seeded over several days")

	q := func(v url.Values) []atlar.Transaction {
		return getAll[atlar.Transaction](f, transactionsPath+"?"+v.Encode())
	}
	count := func(pred func(atlar.Transaction) bool) int {
		n := 0
		for _, tx := range all {
			if pred(tx) {
				n++
			}
		}
		return n
	}
	byAcct := q(url.Values{"accountId": {SeedEURAccountID}})
	assert.Len(t, byAcct, count(func(tx atlar.Transaction) bool { return tx.AccountID == SeedEURAccountID }))
	for _, tx := range byAcct {
		assert.Equal(t, SeedEURAccountID, tx.AccountID)
	}
	assert.Len(t, q(url.Values{"date[gte]": {last}}), count(func(tx atlar.Transaction) bool { return tx.Date >= last }))
	assert.Len(t, q(url.Values{"date[lte]": {first}}), count(func(tx atlar.Transaction) bool { return tx.Date <= first }))
	assert.Len(t, q(url.Values{"date": {first}}), count(func(tx atlar.Transaction) bool { return tx.Date == first }))
	assert.Len(t, q(url.Values{"date[eq]": {last}, "accountId": {SeedEURAccountID}}),
		count(func(tx atlar.Transaction) bool { return tx.Date == last && tx.AccountID == SeedEURAccountID }))
	assert.Empty(t, q(url.Values{"reconciliationStatus": {"RECONCILED"}}))

	resp, body := f.do(http.MethodGet, transactionsPath+"?date[gte]=yesterday", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	assert.Contains(t, string(body), "date[gte]")
}

func TestServer_Balances_MostRecent(t *testing.T) {
	f := newFixture(t, Options{})
	all := getAll[atlar.Balance](f, "/financial-data/v2/accounts/"+SeedEURAccountID+"/balances?type=BOOKED")
	require.NotEmpty(t, all)
	for _, b := range all {
		assert.Equal(t, SeedEURAccountID, b.AccountID)
	}
	recent := getAll[atlar.Balance](f, "/financial-data/v2/accounts/"+SeedEURAccountID+"/balances?mostRecent=true")
	require.Len(t, recent, 1)
	assert.Equal(t, all[len(all)-1], recent[0], "the latest CLOSE")
	assert.Equal(t, "CLOSE", recent[0].ReportedType)

	// A payment booked today moves the most recent balance.
	f.createBatch(batchOf("fd-2", eurPayment("erp-fd-2", 1_00, "x")))
	f.clock.Advance(5 * time.Second)
	now := getAll[atlar.Balance](f, "/financial-data/v2/accounts/"+SeedEURAccountID+"/balances?mostRecent=true")
	require.Len(t, now, 1)
	assert.Equal(t, recent[0].Amount.Value-1_00, now[0].Amount.Value)

	resp, _ := f.do(http.MethodGet, "/financial-data/v2/accounts/no-such/balances", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = f.do(http.MethodGet, "/financial-data/v2/accounts/-/balances?type=PENDING", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
