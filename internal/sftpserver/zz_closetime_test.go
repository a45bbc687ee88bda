package sftpserver

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestZZCloseTime(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, func(c *Config) {})
	e.recv.bytes = map[string][]byte{}
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	c2, err := sftp.NewClient(c.ssh, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
	require.NoError(t, err)
	data := payload(256 << 20)
	for i := 0; i < 3; i++ {
		f, err := c2.Create("/inbox/payables/big.xml")
		require.NoError(t, err)
		t0 := time.Now()
		_, err = f.ReadFrom(bytes.NewReader(data))
		require.NoError(t, err)
		t1 := time.Now()
		require.NoError(t, f.Close())
		t.Logf("write %v close %v", t1.Sub(t0), time.Since(t1))
		e.recv.bytes = map[string][]byte{}
	}
}
