package sftpserver

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowChannel is an ssh.Channel whose writes wait for release, like a
// client that is slow to read.
type slowChannel struct {
	release chan struct{}
	fail    error

	mu     sync.Mutex
	got    bytes.Buffer
	writes int
	closed bool
}

func (c *slowChannel) Write(p []byte) (int, error) {
	<-c.release
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return 0, c.fail
	}
	c.writes++
	return c.got.Write(p)
}

func (c *slowChannel) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *slowChannel) Read([]byte) (int, error)                       { return 0, io.EOF }
func (c *slowChannel) CloseWrite() error                              { return nil }
func (c *slowChannel) SendRequest(string, bool, []byte) (bool, error) { return false, nil }
func (c *slowChannel) Stderr() io.ReadWriter                          { return nil }

// statusPacket is a framed SFTP answer of 5 bytes.
func statusPacket(i int) []byte {
	p := binary.BigEndian.AppendUint32(nil, 5)
	return binary.BigEndian.AppendUint32(append(p, 101), uint32(i))
}

func TestBatchWriter_Coalesces(t *testing.T) {
	ch := &slowChannel{release: make(chan struct{})}
	c := &connState{}
	w := newBatchWriter(ch, c)
	var want bytes.Buffer
	for i := range 1000 {
		p := statusPacket(i)
		want.Write(p)
		n, err := w.Write(p)
		require.NoError(t, err)
		require.Equal(t, len(p), n)
	}
	close(ch.release) // the client reads again
	require.NoError(t, w.Close())

	assert.Equal(t, want.Bytes(), ch.got.Bytes(), "every answer, in order")
	assert.Less(t, ch.writes, 10, "answers that queued up went out together")
	assert.Equal(t, int64(1000), c.responses.Load(), "answers are counted once written")
	assert.True(t, ch.closed)
	_, err := w.Write(statusPacket(0))
	assert.ErrorIs(t, err, errWriterClosed)
}

func TestBatchWriter_ReportsWriteError(t *testing.T) {
	ch := &slowChannel{release: make(chan struct{}), fail: errors.New("connection reset")}
	close(ch.release)
	w := newBatchWriter(ch, &connState{})
	_, err := w.Write(statusPacket(1))
	require.NoError(t, err, "queued")
	require.Eventually(t, func() bool {
		_, err := w.Write(statusPacket(2))
		return err != nil && err.Error() == "connection reset"
	}, 5*time.Second, time.Millisecond)
	require.NoError(t, w.Close())
}
