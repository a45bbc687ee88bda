package crashtest

import (
	"syscall"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/stretchr/testify/require"
)

// TestShutdown_DuringUpload sends SIGTERM while an SFTP upload is half
// written. The bridge lets the upload finish (or, if it cannot, the
// ERP's close fails and it sends the file again after the restart); either
// way the file is paid once and the bridge exits 0.
func TestShutdown_DuringUpload(t *testing.T) {
	r := newRig(t, rigOptions{SFTP: true})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	f := csvFile(newRand(3, 3), "payables", "TERM", 1)
	f.Via = "sftp"
	c, err := r.sftpClient()
	require.NoError(t, err)
	defer c.Close()
	w, err := c.Create("/inbox/payables/" + f.Name)
	require.NoError(t, err)
	half := len(f.Data) / 2
	_, err = w.Write(f.Data[:half])
	require.NoError(t, err)

	p.signal(syscall.SIGTERM)
	_, werr := w.Write(f.Data[half:])
	cerr := w.Close()
	select {
	case <-p.done:
	case <-time.After(45 * time.Second):
		t.Fatal("the bridge did not stop")
	}
	require.Equal(t, 0, p.exitCode(), r.output(p))
	if werr != nil || cerr != nil {
		t.Logf("the upload was cut by the shutdown (write: %v, close: %v); the ERP sends it again", werr, cerr)
		p = r.start("")
		r.waitReady(p, 30*time.Second)
		require.NoError(t, r.dropSFTP(f))
		require.Equal(t, 0, r.stop(p))
	} else {
		t.Log("the upload finished during the shutdown and was handed over")
	}
	led.add(f)
	r.drain(led, 60*time.Second)
	t.Logf("verdict: %s", r.verify(led))
}

// TestShutdown_DuringSubmission sends SIGTERM while a batch and an
// instruction are in flight to Atlar (held there by latency). The bridge
// stops promptly and cleanly; after the restart the submissions resume
// from the journal and each file is paid exactly once.
func TestShutdown_DuringSubmission(t *testing.T) {
	r := newRig(t, rigOptions{})
	const batchPost, instrPost = "POST /payments/v2beta/credit-transfer-batches", "POST /connectivity/v2beta/connections/{cid}/instructions"
	r.fake.SetFaults(atlartest.Faults{Latency: 3 * time.Second,
		Only: []string{"POST /payments/v2beta/credit-transfer-batches", "POST /connectivity/"}})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	rng := newRand(4, 4)
	for _, f := range []*logical{csvFile(rng, "payables", "SUB", 1), painFile(rng, "sepa", "SUB", 2)} {
		f.Via = "folder"
		require.NoError(t, r.dropFolder(f))
		led.add(f)
	}
	require.Eventually(t, func() bool {
		st := r.fake.Stats()
		return st.ByEndpoint[batchPost] > 0 && st.ByEndpoint[instrPost] > 0
	}, 20*time.Second, 10*time.Millisecond, "both creates in flight")
	start := time.Now()
	require.Equal(t, 0, r.stop(p), r.output(p))
	t.Logf("stopped %s after SIGTERM with two creates in flight", time.Since(start).Round(time.Millisecond))
	require.Less(t, time.Since(start), 10*time.Second)
	r.fake.SetFaults(atlartest.Faults{})
	r.drain(led, 60*time.Second)
	t.Logf("verdict: %s", r.verify(led))
}
