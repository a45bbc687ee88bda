package sftpserver

import (
	"io"
	"os"
	"sync"

	"github.com/pkg/sftp"
)

// download is an open read handle on an outbox file. It logs what was sent
// when the client closes it.
type download struct {
	sess *session
	node node
	f    *os.File
	size int64

	mu      sync.Mutex
	sent    int64 // highest offset read
	xferErr error
}

var (
	_ io.ReaderAt        = (*download)(nil)
	_ sftp.TransferError = (*download)(nil)
	_ io.Closer          = (*download)(nil)
)

func (d *download) ReadAt(p []byte, off int64) (int, error) {
	n, err := d.f.ReadAt(p, off)
	if n > 0 {
		d.mu.Lock()
		d.sent = max(d.sent, off+int64(n))
		d.mu.Unlock()
	}
	return n, err
}

func (d *download) TransferError(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.xferErr = err
}

func (d *download) Close() error {
	err := d.f.Close()
	d.mu.Lock()
	sent, xferErr := d.sent, d.xferErr
	d.mu.Unlock()
	attrs := d.sess.attrs(d.node.vpath, "size", d.size, "sent", sent)
	if xferErr != nil {
		d.sess.srv.log.Warn("download interrupted", append(attrs, "reason", xferErr.Error())...)
		return nil
	}
	d.sess.srv.log.Info("download", attrs...)
	return err
}
