package state

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/jonboulle/clockwork"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestStore_Check(t *testing.T) {
	put := func(bucket []byte, k, v string) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(k), []byte(v)) }
	}
	del := func(bucket []byte, k string) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error { return tx.Bucket(bucket).Delete([]byte(k)) }
	}
	// rewrite edits the stored JSON of file id without touching any index.
	rewrite := func(id string, edit func(f *File)) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			f, err := getFile(tx, id)
			if err != nil {
				return err
			}
			edit(f)
			return tx.Bucket(bucketFiles).Put([]byte(id), mustJSON(t, f))
		}
	}

	tests := []struct {
		name    string
		corrupt func(tx *bolt.Tx) error
		want    []string
	}{
		{
			name:    "Clean",
			corrupt: func(*bolt.Tx) error { return nil },
		},
		{
			name:    "UndecodableRecord",
			corrupt: put(bucketFiles, "R", `{"id":"R","state":`),
			want:    []string{"file R: record does not decode"},
		},
		{
			name:    "UnknownState",
			corrupt: rewrite("R", func(f *File) { f.State = "limbo" }),
			want: []string{
				`file R: unknown state "limbo"`,
				"state index: file R listed as received but is limbo",
			},
		},
		{
			name: "StepsOutOfOrder",
			corrupt: rewrite("R", func(f *File) {
				f.Steps = append(f.Steps, Step{At: t0.Add(-1), State: Received})
			}),
			want: []string{"file R: step 2 (2025-03-14T09:26:52.999Z) is before step 1 (2025-03-14T09:26:53.000Z)"},
		},
		{
			name:    "StateIndexMissing",
			corrupt: del(bucketStates, "received\x00R"),
			want:    []string{"state index: file R (received) is missing"},
		},
		{
			name:    "StateIndexDangling",
			corrupt: put(bucketStates, "failed\x00GONE", "payables"),
			want:    []string{"state index: failed points at missing file GONE"},
		},
		{
			name:    "IndexPointsAtMissingFile",
			corrupt: del(bucketFiles, "S"),
			want: []string{
				"state index: submitted points at missing file S",
				"duplicate index: entry points at missing file S", // sha256
				"duplicate index: entry points at missing file S", // msgId
				"duplicate index: entry points at missing file S", // its transaction
				"change mark S: no such file",
				"payments: kept for missing file S",
			},
		},
		{
			name: "PaymentMissing",
			corrupt: func(tx *bolt.Tx) error {
				return tx.Bucket(bucketPayments).Bucket([]byte("S")).Delete(rowKey(0))
			},
			want: []string{"file S: record does not decode"},
		},
		{
			name: "PaymentUndecodable",
			corrupt: func(tx *bolt.Tx) error {
				return tx.Bucket(bucketPayments).Bucket([]byte("S")).Put(rowKey(0), []byte("{"))
			},
			want: []string{"file S: record does not decode"},
		},
		{
			name:    "PaymentsOfNoFile",
			corrupt: func(tx *bolt.Tx) error { _, err := tx.Bucket(bucketBatches).CreateBucket([]byte("GONE")); return err },
			want:    []string{"batches: kept for missing file GONE"},
		},
		{
			name:    "IndexedWithAnotherSHA",
			corrupt: rewrite("S", func(f *File) { f.SHA256 = "changed" }),
			want: []string{
				"duplicate index: file S indexed with sha256 sha-S but has changed",
				"duplicate index: file S is submitted but its sha256 is not indexed",
			},
		},
		{
			name:    "SentFileNotIndexed",
			corrupt: del(bucketDedupe, "m\x00sepa\x00MSG-S\x00S"),
			want:    []string{"duplicate index: file S is submitted but its msgId is not indexed"},
		},
		{
			name:    "SentTransactionNotIndexed",
			corrupt: del(bucketDedupe, "t\x00sepa\x00"+TxFingerprint(txS)+"\x00S"),
			want:    []string{"duplicate index: file S is submitted but its transaction " + TxFingerprint(txS) + " is not indexed"},
		},
		{
			name:    "IndexedWithAnotherTransaction",
			corrupt: rewrite("S", func(f *File) { f.Payments[0].Amount++ }),
			want: []string{
				"duplicate index: file S indexed with transaction " + TxFingerprint(txS) + " it does not hold",
				"duplicate index: file S is submitted but its transaction " + TxFingerprint(Payment{Debtor: txS.Debtor, ExternalID: txS.ExternalID, Amount: txS.Amount + 1, Currency: txS.Currency}) + " is not indexed",
			},
		},
		{
			name:    "DeliveryEmptyPath",
			corrupt: put(bucketDeliveries, "report/R2", `{"key":"report/R2","path":"","done":true}`),
			want:    []string{"delivery report/R2: empty path"},
		},
		{
			name:    "DeliveryPendingMismatch",
			corrupt: del(bucketPending, "report/R1"),
			want:    []string{"delivery report/R1: done=false but pending mark is false"},
		},
		{
			name:    "MissingBucket",
			corrupt: func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketMeta) },
			want:    []string{"bucket meta is missing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(filepath.Join(t.TempDir(), "bridge.db"), Options{Clock: clockwork.NewFakeClockAt(t0)})
			require.NoError(t, err)
			defer s.Close(context.Background())
			require.NoError(t, s.Create(newFile("R", "payables"), "claimed"))
			f := newFile("S", "sepa")
			f.MsgID = "MSG-S"
			f.Mode, f.Payments = "instruction", []Payment{txS}
			f.State = Submitted
			require.NoError(t, s.Create(f, "imported"))
			require.NoError(t, s.PutDelivery(&Delivery{Key: "report/R1", Path: "outbox/statements/r1.xml"}))

			require.NoError(t, s.db.Update(tt.corrupt))
			problems, err := s.Check()
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.want, trimDetail(problems))
		})
	}
}

// txS is the one transaction of file S (instruction mode).
var txS = Payment{Debtor: "DE89370400440532013000", ExternalID: "E2E-S", Amount: 1234, Currency: "EUR"}

// trimDetail drops the decoder's own words after "record does not decode",
// which vary with the Go version.
func trimDetail(problems []string) []string {
	out := make([]string, 0, len(problems))
	for _, p := range problems {
		const marker = "record does not decode"
		if i := strings.Index(p, marker); i >= 0 {
			p = p[:i+len(marker)]
		}
		out = append(out, p)
	}
	return out
}
