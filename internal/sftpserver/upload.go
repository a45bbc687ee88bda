package sftpserver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"github.com/pkg/sftp"
)

// writebackChunk is how much of an upload is written before the kernel is
// asked to start flushing it (see startWriteback).
const writebackChunk = 8 << 20

// readBackSize is the buffer for hashing bytes that were written out of
// order and are read back from the page cache once the gap before them fills.
const readBackSize = 256 << 10

// upload is an open write handle in an inbox folder. Bytes go straight to
// the file at their offsets (pkg/sftp runs writes concurrently; pwrite is
// safe for that). There is one fsync, when the client closes the handle;
// before that the kernel is only asked to start writing back.
type upload struct {
	sess       *session
	node       node
	f          *os.File
	fileName   string // name on disk in node.dir: the hidden temp, or the client's temp name
	clientTemp bool   // written under the client's own temp name; no hand-over on close
	limit      int64  // the route's max_file_size; 0: none
	quota      int64  // the user's quota (User.Quota); 0: none, nothing counted

	mu       sync.Mutex
	cov      coverage
	hash     hash.Hash // sha256 of [0, cov.prefix) while hashing
	hashing  bool      // false once a write overlapped hashed bytes: rehash on close
	buf      []byte
	writeErr error
	xferErr  error
	tooLarge bool  // a write crossed limit or the user's quota: the partial file is removed, even a client temp
	reserved int64 // bytes counted against the user's quota until Close
	closed   bool
}

var (
	_ io.WriterAt           = (*upload)(nil)
	_ sftp.WriterAtReaderAt = (*upload)(nil)
	_ sftp.TransferError    = (*upload)(nil)
	_ io.Closer             = (*upload)(nil)
)

var (
	errUploadWriteOnly        = &deniedError{"the inbox is write-only"}
	errUploadClosedWithErrors = errors.New("upload failed earlier")
)

func newUpload(s *session, n node, f *os.File, fileName string, clientTemp bool) *upload {
	return &upload{sess: s, node: n, f: f, fileName: fileName, clientTemp: clientTemp, hash: sha256.New(), hashing: !clientTemp}
}

// WriteAt writes p at off and records the range; the sha256 is computed on
// the fly for the part written contiguously from 0.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("write at negative offset %d", off)
	}
	end := off + int64(len(p))
	if u.limit > 0 && end > u.limit {
		// Refuse the write that crosses the limit rather than take the
		// whole file and reject it afterwards: a 600 MiB upload must not
		// fill the disk or sit in failed/ for the archive's retention.
		return 0, u.refuseWrite(off, fmt.Errorf("file too large: %s accepts files of at most %d bytes (max_file_size)", u.node.route, u.limit))
	}
	if err := u.reserve(end); err != nil {
		return 0, u.refuseWrite(off, err)
	}
	n, err := u.f.WriteAt(p, off)
	u.mu.Lock()
	if err != nil {
		u.writeErr = errors.Join(u.writeErr, err)
		u.mu.Unlock()
		return n, err
	}
	before := u.cov.prefix
	if err := u.track(p[:n], off); err != nil {
		u.writeErr = errors.Join(u.writeErr, err)
		u.mu.Unlock()
		return n, err
	}
	after := u.cov.prefix
	u.mu.Unlock()
	// Outside the lock: starting writeback may wait for the disk queue.
	if from, to := before/writebackChunk*writebackChunk, after/writebackChunk*writebackChunk; to > from {
		startWriteback(u.f, from, to-from)
	}
	return n, nil
}

// refuseWrite records a write refused for size: the upload can never be
// accepted, so it fails at close and its partial file is removed.
func (u *upload) refuseWrite(off int64, err error) error {
	u.mu.Lock()
	first := !u.tooLarge
	u.tooLarge = true
	u.writeErr = errors.Join(u.writeErr, err)
	u.mu.Unlock()
	if first {
		u.sess.srv.log.Warn("upload refused: too large", u.sess.attrs(u.node.vpath, "limit", u.limit, "offset", off, "reason", err.Error())...)
	}
	return err
}

// reserve counts the upload's growth to end against the user's quota.
func (u *upload) reserve(end int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.quota <= 0 {
		return nil
	}
	if u.closed {
		return errors.New("upload already closed")
	}
	grow := end - u.reserved // every byte up to u.reserved is counted already
	if grow <= 0 {
		return nil
	}
	if !u.sess.srv.quota.reserve(u.sess.user.Name, grow, u.quota) {
		return fmt.Errorf("quota exceeded: user %s may have at most %d bytes of uploads open at once", u.sess.user.Name, u.quota)
	}
	u.reserved += grow
	return nil
}

// track records that p was written at off and extends the running hash.
// u.mu must be held.
func (u *upload) track(p []byte, off int64) error {
	end := off + int64(len(p))
	before := u.cov.prefix
	if err := u.cov.add(off, end); err != nil {
		return err
	}
	if !u.hashing {
		return nil
	}
	switch {
	case off < before:
		u.hashing = false // bytes already hashed were rewritten
	case off == before:
		u.hash.Write(p)
		if u.cov.prefix > end {
			if err := u.hashFromFile(end, u.cov.prefix); err != nil {
				u.hashing = false
			}
		}
	}
	return nil
}

// hashFromFile hashes [from, to) as it is on disk.
func (u *upload) hashFromFile(from, to int64) error {
	if u.buf == nil {
		u.buf = make([]byte, readBackSize)
	}
	_, err := io.CopyBuffer(u.hash, io.NewSectionReader(u.f, from, to-from), u.buf)
	return err
}

// ReadAt refuses: a client that opens an upload for read and write still
// cannot read the inbox.
func (u *upload) ReadAt([]byte, int64) (int, error) { return 0, errUploadWriteOnly }

// TransferError is pkg/sftp's notice that the connection ended with this
// handle open; the Close that follows must not hand the file over.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.xferErr = err
}

// size returns the bytes written so far (the highest end).
func (u *upload) size() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.cov.end
}

// Close finishes the upload. A complete hidden upload is synced and handed
// to the Receiver before the client's close is answered; an aborted one is
// deleted. A client temp file is synced and kept either way (clients
// resume those).
func (u *upload) Close() error {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return nil
	}
	u.closed = true
	xferErr, writeErr, cov, hashing, tooLarge, reserved := u.xferErr, u.writeErr, u.cov, u.hashing, u.tooLarge, u.reserved
	u.mu.Unlock()
	defer u.sess.uploadClosed(u)
	if reserved > 0 {
		defer u.sess.srv.quota.release(u.sess.user.Name, reserved)
	}

	if u.clientTemp && tooLarge {
		// Nothing to resume: the file can never be accepted.
		err := u.f.Close()
		u.sess.removeTemp(u.node, u.fileName)
		u.sess.logUploadAborted(u.node, cov.end, writeErr)
		return errors.Join(writeErr, err)
	}
	if u.clientTemp {
		return u.closeClientTemp(xferErr, cov.end)
	}
	var reason error
	switch {
	case xferErr != nil:
		reason = fmt.Errorf("transfer interrupted: %w", xferErr)
	case writeErr != nil:
		reason = fmt.Errorf("%w: %w", errUploadClosedWithErrors, writeErr)
	case !cov.complete():
		reason = fmt.Errorf("upload incomplete: bytes from offset %d on were never received (resuming is not supported; send the whole file)", cov.prefix)
	}
	if reason == nil {
		if err := u.f.Sync(); err != nil {
			reason = fmt.Errorf("sync upload: %w", err)
		}
	}
	if err := u.f.Close(); err != nil && reason == nil {
		reason = fmt.Errorf("close upload: %w", err)
	}
	if reason != nil {
		u.sess.removeTemp(u.node, u.fileName)
		u.sess.logUploadAborted(u.node, cov.end, reason)
		return reason
	}
	var sum string
	if hashing {
		sum = hex.EncodeToString(u.hash.Sum(nil))
	} else {
		var err error
		if sum, err = u.sess.hashFile(u.node.dir, u.fileName); err != nil {
			u.sess.removeTemp(u.node, u.fileName)
			u.sess.logUploadAborted(u.node, cov.end, err)
			return err
		}
	}
	return u.sess.handOver(u.node, u.fileName, cov.end, sum)
}

func (u *upload) closeClientTemp(xferErr error, size int64) error {
	var err error
	if xferErr == nil {
		err = u.f.Sync()
	}
	err = errors.Join(err, u.f.Close())
	if xferErr != nil {
		u.sess.logUploadAborted(u.node, size, fmt.Errorf("transfer interrupted (partial temp file kept for resume): %w", xferErr))
		return nil
	}
	if err != nil {
		u.sess.logUploadAborted(u.node, size, err)
		return fmt.Errorf("close upload: %w", err)
	}
	u.sess.srv.log.Info("upload to temp name", u.sess.attrs(u.node.vpath, "size", size)...)
	return nil
}
