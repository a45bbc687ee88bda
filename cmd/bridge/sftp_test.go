package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/pkg/sftp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// sftpBridge is a bridge with its SFTP server on 127.0.0.1:0 and one key
// user, "erp".
func sftpBridge(t *testing.T, mutate ...func(*config.Config)) (*testBridge, ssh.Signer, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	sshPub, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "erp")
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600))
	tb := newTestBridge(t, append([]func(*config.Config){func(c *config.Config) {
		c.SFTP.Enabled = true
		c.SFTP.Listen = "127.0.0.1:0"
		c.SFTP.HostKeyDir = filepath.Join(c.Storage.Root, "hostkeys")
		c.SFTP.Users = []config.SFTPUser{{Name: "erp", Routes: []string{"payables", "sepa"},
			AuthorizedKeys: []string{string(ssh.MarshalAuthorizedKey(sshPub))}}}
	}}, mutate...)...)
	return tb, signer, keyFile
}

func sftpClient(t *testing.T, addr string, signer ssh.Signer) *sftp.Client {
	t.Helper()
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "erp", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	require.NoError(t, err)
	c, err := sftp.NewClient(conn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(); _ = conn.Close() })
	return c
}

// The ERP's whole exchange over SFTP: upload a payment file, fetch the
// ack and the result, delete them.
func TestSFTP_UploadToAckAndBack(t *testing.T) {
	tb, signer, _ := sftpBridge(t)
	c := sftpClient(t, tb.app.sftp.Addr().String(), signer)
	csv := "external_id,source_iban,amount,currency,external_account_id\nS-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"
	w, err := c.Create("/inbox/payables/sftp.csv")
	require.NoError(t, err)
	_, err = w.Write([]byte(csv))
	require.NoError(t, err)
	start := time.Now()
	require.NoError(t, w.Close(), "a clean close hands the file over")
	f := tb.waitFiles(20*time.Second, 1, state.Completed)[0]
	require.Equal(t, "sftp:erp", f.Source)
	t.Logf("upload close → completed: %s", time.Since(start))

	var ack []byte
	require.Eventually(t, func() bool {
		r, err := c.Open("/outbox/results/sftp.csv.ack.xml")
		if err != nil {
			return false
		}
		defer r.Close()
		ack, err = io.ReadAll(r)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	require.Contains(t, string(ack), "ACTC")
	require.NoError(t, c.Remove("/outbox/results/sftp.csv.ack.xml"))
	require.NoFileExists(t, tb.path("outbox", "results", "sftp.csv.ack.xml"))
	require.Equal(t, csv, string(tb.original(f)))
}

// With reject_in_band, a bad file makes the client's close fail with the
// reason; the original still goes to failed/ and the RJCT ack to the outbox.
func TestSFTP_RejectInBand(t *testing.T) {
	tb, signer, _ := sftpBridge(t, func(c *config.Config) { c.Routes[0].RejectInBand = true })
	c := sftpClient(t, tb.app.sftp.Addr().String(), signer)
	w, err := c.Create("/inbox/payables/bad.csv")
	require.NoError(t, err)
	_, err = w.Write([]byte("external_id,amount\nx,1\n"))
	require.NoError(t, err)
	err = w.Close()
	require.Error(t, err, "the ERP's transfer job must see the rejection")
	tb.waitFiles(10*time.Second, 1, state.Rejected)
	ack := tb.waitFile(10*time.Second, "outbox", "results", "bad.csv.ack.xml")
	require.Contains(t, string(ack), "RJCT")
}

// OpenSSH's own sftp client in batch mode with key auth, as a cron job on
// the ERP host would run it.
func TestSFTP_OpenSSHClient(t *testing.T) {
	bin := sharedtest.Tool(t, "sftp", "openssh-client")
	tb, _, keyFile := sftpBridge(t)
	addr := tb.app.sftp.Addr().String()
	host, port := host(addr), port(addr)
	src := filepath.Join(t.TempDir(), "openssh.csv")
	require.NoError(t, os.WriteFile(src, []byte("external_id,source_iban,amount,currency,external_account_id\nO-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"), 0o600))
	run := func(batch string) string {
		cmd := exec.Command(bin, "-b", "-", "-i", keyFile, "-P", port,
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "erp@"+host)
		cmd.Stdin = strings.NewReader(batch)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Run(), out.String())
		return out.String()
	}
	run("put " + src + " /inbox/payables/openssh.csv\n")
	tb.waitFile(20*time.Second, "outbox", "results", "openssh.csv.ack.xml")
	dst := filepath.Join(t.TempDir(), "ack.xml")
	run("get /outbox/results/openssh.csv.ack.xml " + dst + "\nrm /outbox/results/openssh.csv.ack.xml\n")
	require.Contains(t, mustRead(t, dst), "ACTC")
	require.NoFileExists(t, tb.path("outbox", "results", "openssh.csv.ack.xml"))
}
