package main

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/pkg/sftp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// dialSFTP logs in as user with signer.
func dialSFTP(t *testing.T, addr, user string, signer ssh.Signer) *sftp.Client {
	t.Helper()
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	require.NoError(t, err)
	c, err := sftp.NewClient(conn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(); _ = conn.Close() })
	return c
}

func listNames(t *testing.T, c *sftp.Client, dir string) []string {
	t.Helper()
	list, err := c.ReadDir(dir)
	require.NoError(t, err, dir)
	var out []string
	for _, fi := range list {
		out = append(out, fi.Name())
	}
	return out
}

// Issue 12 item 3 end to end: the journal tells the SFTP server whose
// result a file is. A user with only the sepa route does not see, fetch or
// delete the payables route's ack, nor statements it is not granted; the
// payables user does.
func TestSFTP_OutboxPerUser(t *testing.T) {
	tb, signer, _ := sftpBridge(t, func(c *config.Config) {
		u := c.SFTP.Users[0]
		u.Name, u.Routes, u.Reports = "sepa-only", []string{"sepa"}, []string{}
		c.SFTP.Users = append(c.SFTP.Users, u)
	})
	addr := tb.app.sftp.Addr().String()
	erp, sepaOnly := dialSFTP(t, addr, "erp", signer), dialSFTP(t, addr, "sepa-only", signer)

	csv := "external_id,source_iban,amount,currency,external_account_id\nS-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"
	w, err := erp.Create("/inbox/payables/pay.csv")
	require.NoError(t, err)
	_, err = w.Write([]byte(csv))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	tb.waitFiles(20*time.Second, 1, state.Completed)
	tb.waitFile(10*time.Second, "outbox", "results", "pay.csv.ack.xml")
	require.Eventually(t, func() bool {
		entries, _ := os.ReadDir(tb.path("outbox", "statements"))
		return len(entries) > 0
	}, 20*time.Second, 20*time.Millisecond, "statements delivered")

	require.Contains(t, listNames(t, erp, "/outbox/results"), "pay.csv.ack.xml")
	require.NotEmpty(t, listNames(t, erp, "/outbox/statements"))
	require.Equal(t, []string{"results"}, listNames(t, sepaOnly, "/outbox"), "reports = [] grants no statements")
	require.False(t, slices.ContainsFunc(listNames(t, sepaOnly, "/outbox/results"), func(n string) bool {
		return strings.HasPrefix(n, "pay.csv")
	}), "another route's results are not listed")
	_, err = sepaOnly.Open("/outbox/results/pay.csv.ack.xml")
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorIs(t, sepaOnly.Remove("/outbox/results/pay.csv.ack.xml"), os.ErrNotExist)
	require.FileExists(t, tb.path("outbox", "results", "pay.csv.ack.xml"))

	require.NoError(t, erp.Remove("/outbox/results/pay.csv.ack.xml"))
	require.NoFileExists(t, tb.path("outbox", "results", "pay.csv.ack.xml"))
	require.True(t, strings.Contains(tb.logs.String(), `msg=delete component=sftp user=erp`) &&
		strings.Contains(tb.logs.String(), `path=/outbox/results/pay.csv.ack.xml size=`), "the deletion is logged with user and path")
}

// Issue 12 item 6 end to end: the route's max_file_size stops the upload
// at the write that crosses it; nothing is journaled or kept in failed/.
func TestSFTP_UploadOverMaxFileSize(t *testing.T) {
	tb, signer, _ := sftpBridge(t, func(c *config.Config) { c.Routes[0].MaxFileSize = 4096 })
	c := dialSFTP(t, tb.app.sftp.Addr().String(), "erp", signer)
	w, err := c.Create("/inbox/payables/big.csv")
	require.NoError(t, err)
	_, werr := w.Write(make([]byte, 64<<10))
	cerr := w.Close()
	require.Error(t, errors.Join(werr, cerr))
	require.Contains(t, errors.Join(werr, cerr).Error(), "file too large")
	files, err := tb.app.store.List(state.Filter{})
	require.NoError(t, err)
	require.Empty(t, files, "nothing journaled")
	entries, _ := os.ReadDir(tb.path("inbox", "payables"))
	require.Empty(t, entries, "the partial upload is removed")
	entries, _ = os.ReadDir(tb.path("failed"))
	require.Empty(t, entries, "nothing kept in failed/")
}

// Issue 12 item 6: client temp files left in an inbox show in status and
// are removed once older than sftp.client_temp_max_age. The ages keep the
// bridge's own housekeeping (which runs at start, concurrently) from
// removing anything; the test moves "now" instead.
func TestSFTP_ClientTempsCleanedAndShown(t *testing.T) {
	tb, _, _ := sftpBridge(t, func(c *config.Config) { c.SFTP.ClientTempMaxAge = config.D(48 * time.Hour) })
	now := time.Now()
	old, young := tb.path("inbox", "payables", "pay.csv.part"), tb.path("inbox", "sepa", "~p.xml")
	for p, age := range map[string]time.Duration{old: 47 * time.Hour, young: time.Hour} {
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
		require.NoError(t, os.Chtimes(p, now.Add(-age), now.Add(-age)))
	}

	st, err := buildStatus(tb.app.store, tb.app.config(), true)
	require.NoError(t, err)
	require.Equal(t, 2, st.ClientTemps)
	require.WithinDuration(t, now.Add(-47*time.Hour), st.OldestClientTemp, time.Second)
	require.NotContains(t, strings.Join(st.Warnings, "\n"), "client temp", "none is stale yet")
	var out strings.Builder
	printStatus(&out, st)
	require.Contains(t, out.String(), "Client temp files:   2 in the inbox folders")

	later := now.Add(2 * time.Hour)
	st = &statusReport{}
	clientTemps(st, tb.app.config(), later)
	require.Contains(t, strings.Join(st.Warnings, "\n"), "1 client temp file(s) untouched for more than sftp.client_temp_max_age 48h0m0s")

	tb.app.prune(later)
	require.NoFileExists(t, old)
	require.FileExists(t, young, "a temp file younger than the max age may still be resumed")
	require.Contains(t, tb.logs.String(), "removed stale client temp file")
	st, err = buildStatus(tb.app.store, tb.app.config(), true)
	require.NoError(t, err)
	require.Equal(t, 1, st.ClientTemps)
}
