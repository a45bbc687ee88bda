package sftpserver

import (
	"errors"
	"sync"

	"golang.org/x/crypto/ssh"
)

// maxPendingWrite bounds the answers batchWriter holds before a writer
// waits: a client that stops reading must not grow the server's memory.
const maxPendingWrite = 1 << 20

var errWriterClosed = errors.New("sftp channel closed")

// batchWriter coalesces the SFTP server's answers into as few SSH packets,
// and so as few encryptions and socket writes, as the client's pace
// allows. pkg/sftp writes every answer on its own, and during an upload
// that is one 28-byte status per 32 KiB written; x/crypto/ssh would make
// each an SSH packet and a syscall. A single goroutine writes whatever
// accumulated while it was busy, so an idle session sees no added delay.
type batchWriter struct {
	ch   ssh.Channel
	conn *connState

	mu      sync.Mutex
	space   *sync.Cond // signalled when pending shrinks or the writer fails
	pending []byte
	spare   []byte
	err     error
	closing bool

	wake chan struct{} // capacity 1: something is pending or closing
	done chan struct{} // closed when run has returned
	out  packetCounter // answers written; only run touches it
}

func newBatchWriter(ch ssh.Channel, c *connState) *batchWriter {
	w := &batchWriter{ch: ch, conn: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.space = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// Write queues p; an error from an earlier write is returned instead.
func (w *batchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	for len(w.pending) >= maxPendingWrite && w.err == nil && !w.closing {
		w.space.Wait()
	}
	switch {
	case w.err != nil:
		w.mu.Unlock()
		return 0, w.err
	case w.closing:
		w.mu.Unlock()
		return 0, errWriterClosed
	}
	w.pending = append(w.pending, p...)
	w.mu.Unlock()
	w.signal()
	return len(p), nil
}

func (w *batchWriter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Close writes what is pending, stops the writer and closes the channel.
func (w *batchWriter) Close() error {
	w.mu.Lock()
	w.closing = true
	w.space.Broadcast()
	w.mu.Unlock()
	w.signal()
	<-w.done
	return w.ch.Close()
}

func (w *batchWriter) run() {
	defer close(w.done)
	for range w.wake {
		w.mu.Lock()
		batch, closing := w.pending, w.closing
		if len(batch) > 0 {
			// Swap buffers: the next answers go into the one written last.
			w.pending, w.spare = w.spare[:0], nil
		}
		w.mu.Unlock()

		if len(batch) > 0 {
			_, err := w.ch.Write(batch)
			// Count answers once they are on the wire: graceful shutdown
			// closes the connection when the last one is.
			if _, finished := w.out.feed(batch); finished > 0 {
				w.conn.responses.Add(int64(finished))
				w.conn.afterActivity()
			}
			w.mu.Lock()
			w.spare = batch
			if err != nil && w.err == nil {
				w.err = err
			}
			w.space.Broadcast()
			w.mu.Unlock()
		}
		if closing {
			return
		}
	}
}
