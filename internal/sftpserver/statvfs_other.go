//go:build !linux

package sftpserver

import "github.com/pkg/sftp"

// statVFS is only implemented on Linux; elsewhere clients are told the
// operation is unsupported, which they handle.
func statVFS(string) (*sftp.StatVFS, error) { return nil, sftp.ErrSSHFxOpUnsupported }
