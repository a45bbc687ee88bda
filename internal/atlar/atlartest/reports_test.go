package atlartest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

const reportsPath = "/connectivity/v2beta/connections/" + SeedConnectionID + "/reports"

// camtDoc is the part of a camt.053 document the tests check. Tags carry no
// namespace, so it reads every version.
type camtDoc struct {
	Stmts []struct {
		ID    string                `xml:"Id"`
		Acct  struct{ IBAN string } `xml:"Acct>Id"`
		Bal   []camtBal             `xml:"Bal"`
		Ntrys []struct {
			Amt       camtAmt `xml:"Amt"`
			CdtDbtInd string  `xml:"CdtDbtInd"`
			Tx        struct {
				EndToEndID string   `xml:"Refs>EndToEndId"`
				Ustrd      []string `xml:"RmtInf>Ustrd"`
				CdtrNm     string   `xml:"RltdPties>Cdtr>Nm"`
				CdtrPtyNm  string   `xml:"RltdPties>Cdtr>Pty>Nm"`
				CdtrIBAN   string   `xml:"RltdPties>CdtrAcct>Id>IBAN"`
			} `xml:"NtryDtls>TxDtls"`
		} `xml:"Ntry"`
	} `xml:"BkToCstmrStmt>Stmt"`
}

type camtBal struct {
	Code      string  `xml:"Tp>CdOrPrtry>Cd"`
	Amt       camtAmt `xml:"Amt"`
	CdtDbtInd string  `xml:"CdtDbtInd"`
}

type camtAmt struct {
	Value string `xml:",chardata"`
	Ccy   string `xml:"Ccy,attr"`
}

func (a camtAmt) minor(t testing.TB, credit bool) int64 {
	t.Helper()
	v, err := parseStringValue(a.Value, a.Ccy)
	require.NoError(t, err, a.Value)
	if !credit {
		v = -v
	}
	return v
}

// balances returns opening, closing and the sum of entries, in minor units.
func (d camtDoc) balances(t testing.TB) (opening, closing, net int64) {
	t.Helper()
	require.Len(t, d.Stmts, 1)
	st := d.Stmts[0]
	for _, b := range st.Bal {
		switch b.Code {
		case "OPBD":
			opening = b.Amt.minor(t, b.CdtDbtInd == "CRDT")
		case "CLBD":
			closing = b.Amt.minor(t, b.CdtDbtInd == "CRDT")
		}
	}
	for _, e := range st.Ntrys {
		net += e.Amt.minor(t, e.CdtDbtInd == "CRDT")
	}
	return opening, closing, net
}

// content downloads a report as camt.053 of version.
func (f *fixture) content(reportID, version string, e2e bool) []byte {
	f.t.Helper()
	q := url.Values{"format": {"application/vnd.iso20022." + version + "+xml"}}
	if e2e {
		q.Set("externalIdAsEndToEndId", "true")
	}
	resp, body := f.do(http.MethodGet, reportsPath+"/"+reportID+"/content?"+q.Encode(), nil)
	require.Equal(f.t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(f.t, "application/xml", resp.Header.Get("Content-Type"))
	return body
}

func parseCamt(t testing.TB, b []byte) camtDoc {
	t.Helper()
	var d camtDoc
	require.NoError(t, xml.Unmarshal(b, &d))
	return d
}

func TestServer_Reports_Seeded(t *testing.T) {
	f := newFixture(t, Options{})
	reports := getAll[atlar.Report](f, reportsPath)
	require.Len(t, reports, 9, "3 days × 3 accounts")
	assert.Equal(t, f.srv.Reports(), reports)

	perAccount := map[string][]atlar.Report{}
	prevCreated := ""
	for _, r := range reports {
		assert.Equal(t, SeedConnectionID, r.ConnectionID)
		assert.Equal(t, "STATEMENT", r.Type)
		require.Len(t, r.AccountIDs, 1)
		assert.GreaterOrEqual(t, r.Created, prevCreated, "oldest first")
		prevCreated = r.Created
		perAccount[r.AccountIDs[0]] = append(perAccount[r.AccountIDs[0]], r)
	}
	for _, acct := range []string{SeedEURAccountID, SeedGBPAccountID, SeedUSDAccountID} {
		rs := perAccount[acct]
		require.Len(t, rs, 3)
		var prevClosing int64
		for i, r := range rs {
			assert.Equal(t, t0.AddDate(0, 0, i-3).Format(time.DateOnly), r.StatementDate)
			doc := parseCamt(t, f.content(r.ID, camt053.V02, false))
			opening, closing, net := doc.balances(t)
			assert.Equal(t, closing, opening+net, "balances add up in %s", r.ID)
			if i > 0 {
				assert.Equal(t, prevClosing, opening, "statements chain")
			}
			prevClosing = closing
			assert.Len(t, doc.Stmts[0].Ntrys, 3)
		}
	}

	// Same clock, same seed: the same report ids (a restarted sandbox does
	// not re-announce old statements under new ids).
	again := New(Options{Clock: f.clock})
	assert.Equal(t, f.srv.Reports(), again.Reports())
	// A day later the oldest day drops out and a new one has a new id.
	later := New(Options{Clock: clockFor(t0.AddDate(0, 0, 1))})
	assert.Equal(t, reports[3].ID, later.Reports()[0].ID)
	assert.NotContains(t, ids(later.Reports()), reports[0].ID)

	var one atlar.Report
	f.get(reportsPath+"/"+reports[0].ID, &one)
	assert.Equal(t, reports[0], one)
}

func TestServer_Reports_SeedDays(t *testing.T) {
	assert.Len(t, New(Options{Clock: clockFor(t0), SeedDays: 5}).Reports(), 15)
	assert.Empty(t, New(Options{Clock: clockFor(t0), SeedDays: -1}).Reports())
}

func TestServer_Reports_NewAfterExecution(t *testing.T) {
	f := newFixture(t, Options{})
	seeded := len(getAll[atlar.Report](f, reportsPath))
	inline := eurPayment("inline-1", 300_00, "Inline payee")
	inline.Destination = atlar.AccountRef{Type: "INLINE", Market: "DE",
		Identifiers: []atlar.AccountIdentifier{{Type: "IBAN", Market: "DE", Number: "DE02120300000000202051"}},
		Holder:      &atlar.InlineAccountHolder{LegalName: "Kunde AG"}}
	f.createBatch(batchOf("stmt-1",
		eurPayment("erp-4711", 1234_56, "Invoice 4711"),
		eurPayment("erp-rej", 10_00, "REJECT this"),
		inline,
		eurPayment("", 20_00, "no external id"),
	))

	f.clock.Advance(4 * time.Second) // completed, payments SENT
	require.Len(t, getAll[atlar.Report](f, reportsPath), seeded, "nothing executed yet")

	f.clock.Advance(time.Second) // EXECUTED
	reports := getAll[atlar.Report](f, reportsPath)
	require.Len(t, reports, seeded+1)
	r := reports[len(reports)-1]
	assert.Equal(t, []string{SeedEURAccountID}, r.AccountIDs)
	assert.Equal(t, t0.Format(time.DateOnly), r.StatementDate)
	assert.Equal(t, f.clock.Now().UTC().Format(time.RFC3339Nano), r.Created)
	assert.Len(t, getAll[atlar.Report](f, reportsPath), seeded+1, "listing again closes nothing new")

	doc := parseCamt(t, f.content(r.ID, camt053.V08, true))
	st := doc.Stmts[0]
	assert.Equal(t, SeedEURIBAN, st.Acct.IBAN)
	require.Len(t, st.Ntrys, 3, "the rejected payment is not booked")
	e := st.Ntrys[0]
	assert.Equal(t, "DBIT", e.CdtDbtInd)
	assert.Equal(t, camtAmt{Value: "1234.56", Ccy: "EUR"}, e.Amt)
	assert.Equal(t, "erp-4711", e.Tx.EndToEndID)
	assert.Equal(t, []string{"Invoice 4711"}, e.Tx.Ustrd)
	assert.Equal(t, "Fournisseur SARL", e.Tx.CdtrPtyNm)
	assert.Equal(t, SeedFournisseurIBAN, e.Tx.CdtrIBAN)
	assert.Equal(t, "inline-1", st.Ntrys[1].Tx.EndToEndID)
	assert.Equal(t, "Kunde AG", st.Ntrys[1].Tx.CdtrPtyNm)
	assert.Equal(t, "NOTPROVIDED", st.Ntrys[2].Tx.EndToEndID, "no externalId")

	plain := parseCamt(t, f.content(r.ID, camt053.V02, false))
	assert.Equal(t, "NOTPROVIDED", plain.Stmts[0].Ntrys[0].Tx.EndToEndID)
	assert.Equal(t, "Fournisseur SARL", plain.Stmts[0].Ntrys[0].Tx.CdtrNm)

	// Balances chain from the last seeded EUR statement.
	var lastEUR atlar.Report
	for _, rr := range reports[:seeded] {
		if rr.AccountIDs[0] == SeedEURAccountID {
			lastEUR = rr
		}
	}
	_, prevClosing, _ := parseCamt(t, f.content(lastEUR.ID, camt053.V02, false)).balances(t)
	opening, closing, net := doc.balances(t)
	assert.Equal(t, prevClosing, opening)
	assert.Equal(t, opening-1234_56-300_00-20_00, closing)
	assert.Equal(t, closing, opening+net)

	// A later payment lands in a later statement.
	f.createBatch(batchOf("stmt-2", eurPayment("erp-4712", 5_00, "Invoice 4712")))
	f.clock.Advance(5 * time.Second)
	reports = getAll[atlar.Report](f, reportsPath)
	require.Len(t, reports, seeded+2)
	doc2 := parseCamt(t, f.content(reports[len(reports)-1].ID, camt053.V04, true))
	require.Len(t, doc2.Stmts[0].Ntrys, 1)
	assert.Equal(t, "erp-4712", doc2.Stmts[0].Ntrys[0].Tx.EndToEndID)
	opening2, _, _ := doc2.balances(t)
	assert.Equal(t, closing, opening2)
}

func TestServer_ReportContent_XSD(t *testing.T) {
	sharedtest.Tool(t, "xmllint", "libxml2-utils") // without xmllint the whole test skips (fails on CI)
	f := newFixture(t, Options{})
	gbp := eurPayment("gbp-1", 99_00, "Services & <more>")
	gbp.Amount.Currency, gbp.Source.ID, gbp.Destination.ID = "GBP", SeedGBPAccountID, SeedSupplierExternalAccountID
	gbp.Scheme = "GB_CT_FPS"
	f.createBatch(batchOf("", eurPayment("xsd-1", 1_00, "Ünïcødé ref"), gbp))
	f.clock.Advance(5 * time.Second)
	reports := getAll[atlar.Report](f, reportsPath)
	require.Len(t, reports, 11)

	for _, version := range camt053.Versions {
		t.Run(version, func(t *testing.T) {
			xsd := sharedtest.XSD(t, version+".xsd")
			for _, r := range reports {
				for _, e2e := range []bool{false, true} {
					// A failure shows the document, which names the statement and account.
					sharedtest.XMLLint(t, f.content(r.ID, version, e2e), xsd)
				}
			}
		})
	}
}

func TestServer_ReportContent_BadInput(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.srv.Reports()[0].ID
	tests := []struct {
		name, query string
		status      int
		field       string
	}{
		{"NoFormat", "", 400, "format"},
		{"UnsupportedVersion", "format=" + url.QueryEscape("application/vnd.iso20022.camt.053.001.05+xml"), 400, "format"},
		{"NotCamt", "format=" + url.QueryEscape("application/xml"), 400, "format"},
		{"BadBool", "format=" + url.QueryEscape("application/vnd.iso20022.camt.053.001.02+xml") + "&externalIdAsEndToEndId=maybe", 400, "externalIdAsEndToEndId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(http.MethodGet, reportsPath+"/"+id+"/content?"+tt.query, nil)
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			var er atlar.ErrorResponse
			require.NoError(t, json.Unmarshal(body, &er))
			require.Len(t, er.Details, 1)
			assert.Equal(t, tt.field, er.Details[0].Field)
		})
	}
	resp, _ := f.do(http.MethodGet, reportsPath+"/nope/content?format="+url.QueryEscape("application/vnd.iso20022.camt.053.001.02+xml"), nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = f.do(http.MethodGet, reportsPath+"/nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestServer_Reports_Filters(t *testing.T) {
	f := newFixture(t, Options{})
	assert.Len(t, getAll[atlar.Report](f, reportsPath+"?type=STATEMENT"), 9)
	assert.Len(t, getAll[atlar.Report](f, reportsPath+"?statementType=END_OF_DAY"), 9)
	assert.Empty(t, getAll[atlar.Report](f, reportsPath+"?type=OTHER"))
}

func ids(rs []atlar.Report) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func clockFor(t time.Time) *clockwork.FakeClock { return clockwork.NewFakeClockAt(t) }
