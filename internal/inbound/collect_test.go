package inbound_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

func init() {
	worldRoutes = append(worldRoutes,
		inbound.Route{Name: "collections", Format: inbound.FormatPain008},
		inbound.Route{Name: "collections-inband", Format: inbound.FormatPain008, RejectInBand: true},
		inbound.Route{Name: "debits", Format: inbound.FormatCSV, Kind: inbound.KindDirectDebits, CSV: csvpay.DefaultProfile(),
			CreditorID: "DE98ZZZ09999999999", CreditorAccountID: atlartest.SeedEURAccountID})
}

// collectionsFile is a corrected public pain.008 sample (pain008's
// testdata) made to collect into the fake's seeded EUR account on a date
// after the world's today (2026-03-10): the samples' own dates are long
// past and their creditor accounts unknown to Atlar.
func collectionsFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "pain008", "testdata", "corrected", name))
	require.NoError(t, err)
	s := regexp.MustCompile(`<ReqdColltnDt>[^<]*</ReqdColltnDt>`).ReplaceAllString(string(data), "<ReqdColltnDt>2026-03-12</ReqdColltnDt>")
	s = regexp.MustCompile(`(?s)(<CdtrAcct>\s*<Id>\s*<IBAN>)[^<]*(</IBAN>)`).ReplaceAllString(s, "${1}"+atlartest.SeedEURIBAN+"${2}")
	return []byte(s)
}

func (w *world) collectionsReady() {
	w.t.Helper()
	require.NoError(w.t, w.lay.Ensure([]string{"collections", "collections-inband", "debits"}))
}

// A corrected pain.008 becomes, at the fake, one counterparty and
// external account per debtor, one mandate per reference and one direct
// debit per transaction (externalId = EndToEndId, from the debtor's
// account to the seeded account); the file completes with every
// collection EXECUTED, and the original message name is kept for pain.002.
func TestCollections_Pain008EndToEnd(t *testing.T) {
	for _, name := range []string{"nl-ing-voorbeeld.pain.008.001.02.xml", "de-dk-sepaking.pain.008.003.02.xml"} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.collectionsReady()
			w.start(worldOptions{})
			cps0, eas0 := len(w.fake.Counterparties()), len(w.fake.ExternalAccounts())
			id := w.drop("collections", "c.xml", collectionsFile(t, name))
			w.waitReal(w.inState(id, state.Submitted), "submitted")
			f := w.file(id)
			require.Equal(t, inbound.ModeCollections, f.Mode)
			require.NotNil(t, f.Original)
			require.True(t, strings.HasPrefix(f.Original.MsgNameID, "pain.008."), f.Original.MsgNameID)
			dds := w.fake.DirectDebits()
			require.Len(t, dds, len(f.Payments))
			byExt := map[string]atlar.DirectDebit{}
			for _, d := range dds {
				byExt[d.DirectDebit.ExternalID] = d.DirectDebit
			}
			debtors := map[string]bool{}
			for _, pay := range f.Payments {
				d, ok := byExt[pay.ExternalID]
				require.True(t, ok, "direct debit %s at the fake", pay.ExternalID)
				require.Equal(t, d.ID, pay.PaymentID)
				require.Equal(t, pay.Amount, d.Amount.Value)
				require.Equal(t, "ACCOUNT", d.Destination.Type)
				debtors[pay.Debtor] = true
			}
			require.Len(t, w.fake.Counterparties(), cps0+len(debtors))
			require.Len(t, w.fake.ExternalAccounts(), eas0+len(debtors))
			require.NotEmpty(t, w.fake.Mandates())
			require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Completed)), "completed\n%s", w.logs)
			for _, pay := range w.file(id).Payments {
				require.Equal(t, atlar.PaymentExecuted, pay.Status, pay.ExternalID)
			}
		})
	}
}

// Two files naming the same new debtors, submitted at once, create ONE
// counterparty and ONE external account per debtor (the keyed mutex and
// the Op journal), and each its own direct debits.
func TestCollections_SharedDebtorOneCounterparty(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.start(worldOptions{})
	cps0, eas0 := len(w.fake.Counterparties()), len(w.fake.ExternalAccounts())
	a := collectionsFile(t, "nl-ing-voorbeeld.pain.008.001.02.xml")
	// The second file: the same debtors and mandates, other ids.
	b := regexp.MustCompile(`<(MsgId|EndToEndId|PmtInfId)>([^<]*)<`).ReplaceAll(a, []byte("<$1>$2-B<"))
	ida := w.drop("collections", "a.xml", a)
	idb := w.drop("collections", "b.xml", b)
	w.waitReal(func() bool { return w.inState(ida, state.Submitted)() && w.inState(idb, state.Submitted)() }, "both submitted")
	debtors := map[string]bool{}
	for _, pay := range w.file(ida).Payments {
		debtors[pay.Debtor] = true
	}
	require.Len(t, w.fake.Counterparties(), cps0+len(debtors))
	require.Len(t, w.fake.ExternalAccounts(), eas0+len(debtors))
	require.Len(t, w.fake.DirectDebits(), 2*len(w.file(ida).Payments))
	refs := map[string]int{}
	for _, m := range w.fake.Mandates() {
		refs[m.Mandate.MandateReference]++
	}
	for ref, n := range refs {
		require.Equal(t, 1, n, "mandate %s created once", ref)
	}
}

// A public sample as published (creditor identifier check digits wrong)
// is rejected naming the creditor id; nothing reaches Atlar.
func TestCollections_PublicSampleRejected(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.start(worldOptions{})
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "iso20022", "samples", "pain008", "nl-ing-voorbeeld.pain.008.001.02.xml"))
	if err != nil {
		t.Skipf("shared samples: %v", err)
	}
	id := w.drop("collections", "public.xml", data)
	w.waitReal(w.inState(id, state.Rejected), "rejected")
	var all []string
	for _, p := range w.file(id).Problems {
		all = append(all, p.Message)
	}
	require.Contains(t, strings.Join(all, "\n"), "CdtrSchmeId")
	require.Empty(t, w.fake.DirectDebits())
	require.Empty(t, w.fake.Mandates())
}

// noDuplicates asserts that the fake holds one counterparty per
// externalId, one mandate per reference and one direct debit per
// externalId, and a direct debit for every collection of files.
func (w *world) noDuplicates(ids ...string) {
	w.t.Helper()
	seen := map[string]int{}
	for _, c := range w.fake.Counterparties() {
		if c.Counterparty.ExternalID != "" {
			seen["cp/"+c.Counterparty.ExternalID]++
		}
	}
	for _, e := range w.fake.ExternalAccounts() {
		if e.ExternalAccount.ExternalID != "" {
			seen["ea/"+e.ExternalAccount.ExternalID]++
		}
	}
	for _, m := range w.fake.Mandates() {
		seen["mandate/"+m.Mandate.MandateReference]++
	}
	for _, d := range w.fake.DirectDebits() {
		seen["dd/"+d.DirectDebit.ExternalID]++
	}
	for k, n := range seen {
		require.Equal(w.t, 1, n, "%s created %d times", k, n)
	}
	for _, id := range ids {
		for _, pay := range w.file(id).Payments {
			require.Equal(w.t, 1, seen["dd/"+pay.ExternalID], "direct debit %s of file %s", pay.ExternalID, id)
			require.NotEmpty(w.t, pay.PaymentID)
		}
	}
}

// A crash after each Op write of a collection (FirstTry journaled and the
// create sent, its Atlar id not journaled; or the id journaled and the
// next step not begun): after the restart every resource exists once and
// every collection has its direct debit.
func TestCollections_CrashAfterEachOpWrite(t *testing.T) {
	for n := 1; n <= 7; n++ {
		t.Run(fmt.Sprintf("op_write_%d", n), func(t *testing.T) {
			w := newWorld(t)
			w.collectionsReady()
			seen := 0
			c := newCrash(func(op string, _ *state.File) bool {
				if op == "op" {
					seen++
				}
				return seen >= n
			})
			w.start(worldOptions{Journal: c.options()})
			id := w.drop("collections", "c.xml", collectionsFile(t, "nl-ing-voorbeeld.pain.008.001.02.xml"))
			w.waitReal(func() bool { return c.crashed() || w.inState(id, state.Submitted)() }, "the crash or the submission")
			require.True(t, c.crashed(), "the file was submitted before its %dth Op write", n)
			w.close()
			w.start(worldOptions{})
			require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Completed)), "completed after the restart\n%s", w.logs)
			w.noDuplicates(id)
		})
	}
}

// 30 % of Atlar's answers to creates lost after their effect, 10 % 5xx,
// and a restart in the middle: every counterparty, mandate and direct
// debit exists once, none is missing.
func TestCollections_ExactlyOnceUnderFaults(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.fake.SetFaults(atlartest.Faults{RateLostResponse: 0.3, Rate5xx: 0.1, Only: []string{"POST /payments/v2/"}, Seed: 16})
	w.start(worldOptions{MaxRetries: 1})
	a := w.drop("collections", "a.xml", collectionsFile(t, "nl-ing-voorbeeld.pain.008.001.02.xml"))
	b := w.drop("collections", "b.xml", collectionsFile(t, "de-dk-sepaking.pain.008.003.02.xml"))
	w.pump(time.Second, 20*time.Second, func() bool { return len(w.fake.DirectDebits()) > 0 })
	w.close()
	w.start(worldOptions{MaxRetries: 1})
	done := func() bool { return w.inState(a, state.Completed)() && w.inState(b, state.Completed)() }
	require.True(t, w.pump(5*time.Second, time.Hour, done), "both completed\n%s", w.logs)
	w.noDuplicates(a, b)
	require.NotZero(t, w.fake.Stats().LostResponses, "responses were lost")
}

const debitsCSV = `external_id,amount,currency,collection_date,debtor_name,debtor_iban,debtor_bic,mandate_reference,mandate_signature_date,scheme,reference
DD-1,1234.50,EUR,2026-03-12,Müller GmbH,DE02120300000000202051,BYLADEM1001,M-1,2024-01-15,SDD_B2B,Invoice 1
DD-2,12.00,EUR,2026-03-12,Jane Doe,DE21500500009876543210,,M-2,2024-02-01,SDD_CORE,Invoice 2 REJECT
DD-3,7.00,EUR,2026-03-12,Jane Doe,DE21500500009876543210,,M-2,2024-02-01,SDD_CORE,Invoice 3
`

// A direct-debit CSV collects into the route's creditor_account_id under
// its creditor_id: two debtors, two mandates, three direct debits; the
// debit Atlar's bank rejects ends REJECTED, the file completes with it.
func TestCollections_DirectDebitCSV(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.start(worldOptions{})
	cps0 := len(w.fake.Counterparties())
	id := w.drop("debits", "debits.csv", []byte(debitsCSV))
	require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Completed)), "completed\n%s", w.logs)
	require.Len(t, w.fake.Counterparties(), cps0+2)
	require.Len(t, w.fake.Mandates(), 2)
	for _, m := range w.fake.Mandates() {
		require.Equal(t, "DE98ZZZ09999999999", m.Mandate.CreditorReference)
	}
	dds := w.fake.DirectDebits()
	require.Len(t, dds, 3)
	for _, d := range dds {
		require.Equal(t, atlartest.SeedEURAccountID, d.DirectDebit.Destination.ID)
	}
	got := map[string]string{}
	for _, p := range w.file(id).Payments {
		got[p.ExternalID] = p.Status
	}
	require.Equal(t, map[string]string{"DD-1": "EXECUTED", "DD-2": "REJECTED", "DD-3": "EXECUTED"}, got)
	// Each row keeps its mandate's Atlar id, for the result CSV's
	// atlar_mandate_id (the bank's reject of DD-2 came after its mandate).
	mandateIDs := map[string]string{}
	for _, m := range w.fake.Mandates() {
		mandateIDs[m.Mandate.MandateReference] = m.Mandate.ID
	}
	refs := map[string]string{"DD-1": "M-1", "DD-2": "M-2", "DD-3": "M-2"}
	for _, p := range w.file(id).Payments {
		require.NotEmpty(t, mandateIDs[refs[p.ExternalID]], p.ExternalID)
		require.Equal(t, mandateIDs[refs[p.ExternalID]], p.MandateID, p.ExternalID)
	}
	w.noDuplicates(id)
}

// A collection into an account Atlar does not know rejects the whole
// file, naming the row and the IBAN; nothing is sent.
func TestCollections_UnknownCreditorAccountRejected(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.start(worldOptions{})
	data := collectionsFile(t, "nl-ing-voorbeeld.pain.008.001.02.xml")
	data = []byte(strings.ReplaceAll(string(data), atlartest.SeedEURIBAN, "NL91ABNA0417164300"))
	id := w.drop("collections", "c.xml", data)
	w.waitReal(w.inState(id, state.Rejected), "rejected")
	p := w.file(id).Problems
	require.NotEmpty(t, p)
	require.Equal(t, 1, p[0].Row)
	require.Contains(t, p[0].Message, "NL91ABNA0417164300")
	require.Contains(t, p[0].Message, "CdtrAcct")
	require.Empty(t, w.fake.DirectDebits())
	require.Len(t, w.fake.Mandates(), 0)
}

// An amendment that renames the mandate (OrgnlMndtId) creates the amended
// mandate and cancels the original before the collection: afterwards one
// usable mandate for the debtor, the original CANCELLED, and the second
// collection made under the new one.
func TestCollections_AmendmentCancelsOriginal(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.start(worldOptions{})
	first := collectionsFile(t, "nl-ing-voorbeeld.pain.008.001.02.xml")
	a := w.drop("collections", "a.xml", first)
	w.waitReal(w.inState(a, state.Submitted), "first submitted")
	amended := strings.NewReplacer(
		"<MndtId>MANDAATIDNR001</MndtId>", "<MndtId>MANDAATIDNR002</MndtId>",
		"<AmdmntInd>false</AmdmntInd>", "<AmdmntInd>true</AmdmntInd><AmdmntInfDtls><OrgnlMndtId>MANDAATIDNR001</OrgnlMndtId></AmdmntInfDtls>",
	).Replace(string(first))
	amended = regexp.MustCompile(`<(MsgId|EndToEndId|PmtInfId)>([^<]*)<`).ReplaceAllString(amended, "<$1>$2-AMD<")
	require.Contains(t, amended, "OrgnlMndtId")
	b := w.drop("collections", "b.xml", []byte(amended))
	w.waitReal(w.inState(b, state.Submitted), "amendment submitted")
	status := map[string]string{}
	for _, m := range w.fake.Mandates() {
		status[m.Mandate.MandateReference] = m.Mandate.Status
	}
	require.Len(t, status, 2)
	require.Equal(t, atlar.MandateCancelled, status["MANDAATIDNR001"])
	require.True(t, atlar.MandateUsable(status["MANDAATIDNR002"]), status["MANDAATIDNR002"])
	require.Len(t, w.fake.DirectDebits(), 2)
	for _, d := range w.fake.DirectDebits() {
		if strings.HasSuffix(d.DirectDebit.ExternalID, "-AMD") {
			require.NotNil(t, d.DirectDebit.Mandate)
			require.Equal(t, "MANDAATIDNR002", d.DirectDebit.Mandate.MandateReference)
		}
	}
	require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(b, state.Completed)), "completed\n%s", w.logs)
	for _, pay := range w.file(b).Payments {
		require.Equal(t, atlar.PaymentExecuted, pay.Status)
	}
}

// On a reject_in_band route the SFTP close path (Receive) refuses the
// published sample offline, naming the creditor identifier; nothing is
// sent.
func TestCollections_RejectInBand(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.start(worldOptions{})
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "iso20022", "samples", "pain008", "de-sepaking.pain.008.002.02.xml"))
	if err != nil {
		t.Skipf("shared samples: %v", err)
	}
	path := filepath.Join(w.lay.Inbox("collections-inband"), "public.xml")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	id, err := w.pipe.Receive(context.Background(), inbound.Drop{Route: "collections-inband", Path: path, Name: "public.xml", Source: "sftp:erp"})
	var rej *inbound.RejectedError
	require.ErrorAs(t, err, &rej)
	require.Contains(t, rej.Reason, "CdtrSchmeId")
	require.Equal(t, state.Rejected, w.file(id).State)
	require.Empty(t, w.fake.DirectDebits())
}

// A direct debit waiting for approval in Atlar keeps the file submitted
// and Interim (the pending report); once approved it completes.
func TestCollections_WaitingForApprovalIsPending(t *testing.T) {
	w := newWorld(t)
	w.collectionsReady()
	w.start(worldOptions{})
	data := strings.Replace(debitsCSV, "Invoice 1", "Invoice 1 APPROVAL", 1)
	data = strings.Replace(data, "Invoice 2 REJECT", "Invoice 2", 1)
	id := w.drop("debits", "approve.csv", []byte(data))
	require.True(t, w.pump(time.Second, 5*time.Minute, func() bool {
		f, err := w.store.Get(id)
		return err == nil && f.Interim
	}), "interim\n%s", w.logs)
	f := w.file(id)
	require.Equal(t, state.Submitted, f.State)
	require.Equal(t, "waiting for approval in Atlar", f.Payments[0].Reason)
	api, err := atlar.New(atlar.Config{BaseURL: w.url, AccessKey: "demo-key", Secret: "demo-secret", Clock: w.clock, Timeout: 5 * time.Second})
	require.NoError(t, err)
	dd, err := api.GetDirectDebit(context.Background(), f.Payments[0].PaymentID)
	require.NoError(t, err)
	_, err = api.ApproveDirectDebit(context.Background(), dd.ID, dd.ETag, dd.PendingApprovalStep())
	require.NoError(t, err)
	require.True(t, w.pump(time.Second, 10*time.Minute, w.inState(id, state.Completed)), "completed\n%s", w.logs)
	for _, p := range w.file(id).Payments {
		require.Equal(t, atlar.PaymentExecuted, p.Status, p.ExternalID)
	}
}
