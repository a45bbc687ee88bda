package sftpserver

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestServer_CloseLetsUploadsFinish(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	uploader := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	idle := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	idleGone := make(chan struct{})
	go func() {
		_ = idle.ssh.Wait()
		close(idleGone)
	}()

	f, err := uploader.Create("/inbox/payables/pay.csv")
	require.NoError(t, err)
	_, err = f.Write([]byte("first half,"))
	require.NoError(t, err)

	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closed <- e.srv.Close(ctx)
	}()
	eventually(t, e.srv.isClosing, "close started")
	<-idleGone // an idle session is closed at once
	_, err = e.dial("erp", ssh.PublicKeys(k.signer))
	require.Error(t, err, "no new connections")

	_, err = f.Write([]byte("second half\n"))
	require.NoError(t, err)
	require.NoError(t, f.Close(), "the upload in progress completes")
	require.NoError(t, <-closed)
	require.Len(t, e.recv.uploads(), 1)
	assert.Equal(t, "first half,second half\n", string(e.recv.bytes["F001"]))
}

func TestServer_CloseBoundedByContext(t *testing.T) {
	k := newClientKey(t)
	e := startServer(t, []User{keyUser("erp", k, "payables")}, nil)
	c := e.mustDial(t, "erp", ssh.PublicKeys(k.signer))
	f, err := c.Create("/inbox/payables/pay.csv")
	require.NoError(t, err)
	_, err = f.Write([]byte("never finished"))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, e.srv.Close(ctx), context.DeadlineExceeded)
	assert.Empty(t, e.recv.uploads(), "the cut upload is not handed over")
	assert.Empty(t, dirNames(t, e.inbox["payables"]), "and its temp file is gone")
	assert.Error(t, f.Close())
}

func TestPacketCounter_Feed(t *testing.T) {
	var stream []byte
	for _, n := range []int{5, 0, 70_000, 1} {
		stream = binary.BigEndian.AppendUint32(stream, uint32(n))
		stream = append(stream, make([]byte, n)...)
	}
	for _, chunk := range []int{1, 3, 4, 7, 4096, len(stream)} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			var pc packetCounter
			var started, finished int
			for p := stream; len(p) > 0; {
				n := min(chunk, len(p))
				s, f := pc.feed(p[:n])
				started, finished = started+s, finished+f
				p = p[n:]
			}
			assert.Equal(t, 4, started)
			assert.Equal(t, 4, finished)
		})
	}
	var pc packetCounter
	s, f := pc.feed(stream[:9+4+4+1])
	assert.Equal(t, []int{3, 2}, []int{s, f}, "the third packet is in flight")
}
