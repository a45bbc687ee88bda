package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// inBandCloseBound is how long an ERP's close() may wait for the in-band
// check. Before the check ran offline it waited on ListAccounts with the
// client's whole retry budget (about a minute and a half with the
// defaults) while Atlar was down.
const inBandCloseBound = 5 * time.Second

// With reject_in_band and Atlar down, the close of an upload is answered
// from what the bridge knows offline: a good file's close succeeds at once
// and the file is processed when Atlar is back; once the accounts are
// cached, a file naming an unknown account is still rejected in-band,
// with Atlar down.
func TestSFTP_RejectInBandDoesNotWaitOnAtlar(t *testing.T) {
	tb, signer, _ := sftpBridge(t, func(c *config.Config) { c.Routes[0].RejectInBand = true })
	c := sftpClient(t, tb.app.sftp.Addr().String(), signer)
	upload := func(name, csv string) (time.Duration, error) {
		t.Helper()
		w, err := c.Create("/inbox/payables/" + name)
		require.NoError(t, err)
		_, err = w.Write([]byte(csv))
		require.NoError(t, err)
		start := time.Now()
		err = w.Close()
		return time.Since(start), err
	}

	tb.fake.Down(true)
	took, err := upload("good.csv", "external_id,source_iban,amount,currency,external_account_id\n"+
		"IB-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n")
	t.Logf("close with Atlar down, cold cache: %s", took)
	require.NoError(t, err, "a good file's close succeeds while Atlar is down")
	require.Less(t, took, inBandCloseBound, "the close did not wait on Atlar")
	files, err := tb.app.store.List(state.Filter{})
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.False(t, files[0].State.Final(), "nothing decided about the file while Atlar is down: %s", files[0].State)
	require.Empty(t, tb.fake.Batches())

	tb.fake.Down(false)
	tb.waitFiles(60*time.Second, 1, state.Completed)
	require.Len(t, tb.fake.Batches(), 1, "processed once Atlar was back")

	// The accounts are cached now: an unknown source account is found
	// offline and rejected in-band, Atlar down or not.
	tb.fake.Down(true)
	took, err = upload("unknown.csv", "external_id,source_iban,amount,currency,external_account_id\n"+
		"IB-2,DE02120300000000202051,10.00,EUR,external:fournisseur-sarl-eur\n")
	t.Logf("in-band reject with Atlar down, warm cache: %s", took)
	require.Error(t, err, "the ERP's close sees the rejection")
	require.Contains(t, err.Error(), "DE02120300000000202051")
	require.Less(t, took, inBandCloseBound)
	tb.waitFiles(10*time.Second, 1, state.Rejected)
	tb.fake.Down(false)
}

// OpenSSH's sftp in batch mode, as an ERP's cron job runs it: with Atlar
// down, the put (whose close runs the in-band check) finishes within the
// bound, and the file is paid once Atlar is back.
func TestSFTP_RejectInBandOpenSSHWithAtlarDown(t *testing.T) {
	bin := sharedtest.Tool(t, "sftp", "openssh-client")
	tb, _, keyFile := sftpBridge(t, func(c *config.Config) { c.Routes[0].RejectInBand = true })
	addr := tb.app.sftp.Addr().String()
	src := filepath.Join(t.TempDir(), "cron.csv")
	require.NoError(t, os.WriteFile(src, []byte("external_id,source_iban,amount,currency,external_account_id\n"+
		"IB-OS-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"), 0o600))

	tb.fake.Down(true)
	cmd := exec.Command(bin, "-b", "-", "-i", keyFile, "-P", port(addr),
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "erp@"+host(addr))
	cmd.Stdin = strings.NewReader("put " + src + " /inbox/payables/cron.csv\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	require.NoError(t, cmd.Run(), out.String())
	took := time.Since(start)
	t.Logf("OpenSSH sftp session (connect, put, close) with Atlar down: %s", took)
	require.Less(t, took, 2*inBandCloseBound, "the put did not wait on Atlar")
	require.Empty(t, tb.fake.Batches())

	tb.fake.Down(false)
	tb.waitFiles(60*time.Second, 1, state.Completed)
	require.Len(t, tb.fake.Batches(), 1)
}
