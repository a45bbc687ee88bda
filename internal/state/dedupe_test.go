package state

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sendFile creates a file with the given sha256 and msgId and moves it to
// submitting at the clock's current time, which indexes it.
func sendFile(t *testing.T, s *Store, id, route, sha, msgID string) {
	t.Helper()
	f := newFile(id, route)
	f.SHA256, f.MsgID = sha, msgID
	require.NoError(t, s.Create(f, "claimed"))
	_, err := s.Update(id, "", setState(Validated))
	require.NoError(t, err)
	_, err = s.Update(id, "submitting batch 1", setState(Submitting))
	require.NoError(t, err)
}

func TestStore_FindDuplicate(t *testing.T) {
	s, clock := openTest(t, Options{})
	day := 24 * time.Hour

	sendFile(t, s, "A", "payables", "sha1", "")                // t0
	clock.Advance(10 * day)                                    //
	sendFile(t, s, "B", "payables", "sha1", "")                // t0+10d, same bytes again (forced)
	sendFile(t, s, "C", "sepa", "sha1", "MSG-1")               // other route
	sendFile(t, s, "D", "sepa", "sha2", "MSG-2")               //
	require.NoError(t, s.Create(newFile("E", "payables"), "")) // never sent: not indexed
	_, err := s.Update("E", "", func(f *File) error { f.SHA256 = "sha3"; return nil })
	require.NoError(t, err)

	tests := []struct {
		name           string
		route, sha     string
		msgID, exclude string
		since          time.Time
		want           string // "" = ErrNotFound
	}{
		{"EarliestInWindow", "payables", "sha1", "", "X", time.Time{}, "A"},
		{"SinceIsInclusive", "payables", "sha1", "", "X", t0, "A"},
		{"WindowExcludesOlder", "payables", "sha1", "", "X", t0.Add(time.Second), "B"},
		{"ExcludeSelf", "payables", "sha1", "", "A", t0, "B"},
		{"OnlySelf", "payables", "sha1", "", "B", t0.Add(day), ""},
		{"OutsideWindow", "payables", "sha1", "", "X", t0.Add(11 * day), ""},
		{"RouteScoped", "sepa", "sha1", "", "X", t0, "C"},
		{"OtherRoute", "other", "sha1", "", "X", t0, ""},
		{"UnknownSHA", "payables", "nope", "", "X", t0, ""},
		{"NotSentNotIndexed", "payables", "sha3", "", "X", t0, ""},
		{"MsgID", "sepa", "new-sha", "MSG-2", "X", t0, "D"},
		{"MsgIDOtherRoute", "payables", "new-sha", "MSG-2", "X", t0, ""},
		{"MsgIDOrSHAEarliest", "sepa", "sha2", "MSG-1", "X", t0, "C"},
		{"MsgIDOnly", "sepa", "", "MSG-1", "X", t0, "C"},
		{"Nothing", "sepa", "", "", "X", t0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := s.FindDuplicate(tt.route, tt.sha, tt.msgID, tt.since, tt.exclude)
			if tt.want == "" {
				require.ErrorIs(t, err, ErrNotFound)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, f.ID)
		})
	}
}

func TestStore_FindDuplicateIndexesOnEnteringSubmitting(t *testing.T) {
	s, clock := openTest(t, Options{})
	require.NoError(t, s.Create(newFile("A", "payables"), ""))
	_, err := s.FindDuplicate("payables", "sha-A", "", t0, "")
	require.ErrorIs(t, err, ErrNotFound, "received files are not duplicates of anything")

	clock.Advance(time.Hour)
	_, err = s.Update("A", "", setState(Submitting))
	require.NoError(t, err)
	clock.Advance(time.Hour)
	_, err = s.Update("A", "", setState(Submitted))
	require.NoError(t, err)

	// The index time is when the file entered submitting, not a later step.
	_, err = s.FindDuplicate("payables", "sha-A", "", t0.Add(time.Hour), "")
	require.NoError(t, err)
	_, err = s.FindDuplicate("payables", "sha-A", "", t0.Add(time.Hour+time.Second), "")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestStore_Unindex(t *testing.T) {
	s, _ := openTest(t, Options{})
	sendFile(t, s, "A", "sepa", "sha1", "MSG-1")
	sendFile(t, s, "B", "sepa", "sha1", "MSG-1")

	// A failed before anything reached Atlar: it may be sent again.
	_, err := s.Update("A", "connection refused before the request was sent", setState(Failed))
	require.NoError(t, err)
	require.NoError(t, s.Unindex("A"))

	f, err := s.FindDuplicate("sepa", "sha1", "", t0, "X")
	require.NoError(t, err)
	assert.Equal(t, "B", f.ID, "A's sha256 entry is gone")
	f, err = s.FindDuplicate("sepa", "", "MSG-1", t0, "X")
	require.NoError(t, err)
	assert.Equal(t, "B", f.ID, "A's msgId entry is gone")

	require.NoError(t, s.Unindex("A"), "unindexing twice is fine")
	require.ErrorIs(t, s.Unindex("nope"), ErrNotFound)

	// Retried and sent again, A is indexed anew.
	_, err = s.Update("A", "retry", func(f *File) error { f.State = Received; f.Attempt++; return nil })
	require.NoError(t, err)
	_, err = s.Update("A", "", setState(Submitting))
	require.NoError(t, err)
	f, err = s.FindDuplicate("sepa", "sha1", "", t0, "B")
	require.NoError(t, err)
	assert.Equal(t, "A", f.ID)
}

// sendTxFile sends an instruction-mode file holding the given payments.
func sendTxFile(t *testing.T, s *Store, id, route string, pays ...Payment) {
	t.Helper()
	f := newFile(id, route)
	f.Mode, f.Payments = "instruction", pays
	require.NoError(t, s.Create(f, "claimed"))
	_, err := s.Update(id, "", setState(Submitting))
	require.NoError(t, err)
}

func TestStore_FindTxDuplicate(t *testing.T) {
	s, clock := openTest(t, Options{})
	pay := func(debtor, e2e string, amount int64, ccy string) Payment {
		return Payment{Debtor: debtor, ExternalID: e2e, Amount: amount, Currency: ccy}
	}
	a1 := pay("DE89370400440532013000", "E2E-1", 1234, "EUR")
	a2 := pay("DE89370400440532013000", "E2E-2", 500, "EUR")
	sendTxFile(t, s, "A", "sepa", a1, a2, pay("DE89370400440532013000", "NOTPROVIDED", 700, "EUR"))
	clock.Advance(time.Hour)
	sendTxFile(t, s, "B", "sepa", a2)

	fp := TxFingerprint
	tests := []struct {
		name       string
		route      string
		fps        []string
		since      time.Time
		want       string // "" = ErrNotFound
		wantShared []string
	}{
		{"OneRepeats", "sepa", []string{fp(pay("X", "new", 1, "EUR")), fp(a1)}, t0, "A", []string{fp(a1)}},
		{"EarliestFileWithItsShare", "sepa", []string{fp(a1), fp(a2)}, t0, "A", []string{fp(a1), fp(a2)}},
		{"WindowSkipsOlder", "sepa", []string{fp(a1), fp(a2)}, t0.Add(time.Minute), "B", []string{fp(a2)}},
		{"OtherAmount", "sepa", []string{fp(pay(a1.Debtor, a1.ExternalID, 1235, "EUR"))}, t0, "", nil},
		{"OtherCurrency", "sepa", []string{fp(pay(a1.Debtor, a1.ExternalID, 1234, "CHF"))}, t0, "", nil},
		{"OtherDebtor", "sepa", []string{fp(pay("CH9300762011623852957", a1.ExternalID, 1234, "EUR"))}, t0, "", nil},
		{"OtherRoute", "other", []string{fp(a1)}, t0, "", nil},
		{"None", "sepa", nil, t0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, shared, err := s.FindTxDuplicate(tt.route, tt.fps, tt.since, "X")
			if tt.want == "" {
				require.ErrorIs(t, err, ErrNotFound)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, f.ID)
			assert.Equal(t, tt.wantShared, shared)
		})
	}

	assert.Empty(t, fp(pay("DE89370400440532013000", "NOTPROVIDED", 700, "EUR")), "NOTPROVIDED names no transaction")
	assert.Empty(t, fp(pay("", "E2E-1", 1234, "EUR")), "no debtor (transfers mode, CSV): not fingerprinted")

	// Unindex drops the transaction entries too (a retry of a file that
	// never reached Atlar).
	_, err := s.Update("A", "failed before sending", setState(Failed))
	require.NoError(t, err)
	require.NoError(t, s.Unindex("A"))
	_, _, err = s.FindTxDuplicate("sepa", []string{fp(a1)}, t0, "X")
	require.ErrorIs(t, err, ErrNotFound)
}
