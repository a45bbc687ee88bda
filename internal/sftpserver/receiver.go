package sftpserver

import "context"

// Upload is a complete file handed to the inbound pipeline.
type Upload struct {
	User, RemoteAddr string
	Route            string
	// Name is the visible file name the client gave (a base name).
	Name string
	// Path is the absolute path of the complete bytes on disk, in the route's
	// inbox folder: the server's hidden temp file, or the client's own temp
	// name after its rename.
	Path string
	Size int64
	// SHA256 is the hex sha256 of the bytes at Path, computed while they
	// arrived; a receiver may record it instead of reading the file again.
	SHA256 string
}

// Receiver claims an upload: it journals it and moves the file away from
// Upload.Path. It is called synchronously before the client's close (or
// rename) is answered.
//
// An error means the upload was not taken. If errors.As(err, **RejectError)
// the reason is sent to the client as the close/rename failure (in-band
// reject; the receiver has already archived the file in failed/). For any
// other error the server moves the file to its visible name in the inbox, so
// the folder watcher takes it later, logs the error, and the client's close
// still succeeds: the bytes are safe on disk.
type Receiver interface {
	Receive(ctx context.Context, u Upload) (fileID string, err error)
}

// RejectError is returned by a Receiver that rejected an upload in-band: the
// route sets reject_in_band and the file failed validation.
type RejectError struct{ Reason string }

// Error returns the reason, which is what the SFTP client is shown.
func (e *RejectError) Error() string { return e.Reason }
