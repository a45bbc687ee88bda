// Package sftpserver is the embedded SFTP server through which an ERP pushes
// payment files into the inbox and fetches statements and results from the
// outbox (SPEC §6). It wraps golang.org/x/crypto/ssh and the pkg/sftp request
// server and never talks to Atlar: a complete upload is handed to a Receiver.
//
// Each user sees a virtual tree and nothing else:
//
//	/inbox/<route>        write (list and stat allowed), one folder per route of the user
//	/outbox/results       read and delete, only the results of the user's routes
//	/outbox/statements    read and delete, when granted (User.Reports, User.Accounts)
//	/outbox/<report>      read and delete, when granted (User.Reports)
//
// Which route a result file belongs to comes from Config.Results (the
// bridge's journal); files outside a user's grant do not exist for it, and
// attempts on them are logged. An upload is refused at the write that
// crosses the route's Config.MaxFileSize, and the partial file is removed.
//
// An upload is written under a hidden temp name (.<name>.<random>.upload) in
// the route's inbox folder and handed to the Receiver only when the client
// closes its handle after a complete, error-free transfer. Names that look
// like a client's own temp file (*.filepart, *.part, *.tmp, ~*, dot-files)
// are written as they are and handed over when the client renames them to a
// normal name in the same folder.
//
// # Caveats
//
//   - pkg/sftp calls Close on a write handle even when the connection dropped;
//     the TransferError hook is what tells an aborted upload from a complete
//     one. An upload is also refused when its byte ranges do not cover the file
//     from offset 0 (a resumed upload into a hidden temp has a hole).
//   - Identity comes from the ssh.Permissions returned by the auth callback for
//     the key that was verified, never from the last key the client offered.
//   - A session keeps the user (routes) it logged in with; SetUsers affects new
//     logins only.
//   - A successful upload is gone from the inbox as soon as the Receiver
//     claimed it. For a few minutes stat in the uploading session still
//     answers from memory (many ERP clients check the size after
//     uploading) and the user's rm and rename fail with "taken by the
//     bridge as <file id>"; listings show only what is on disk.
//   - CleanStaleTemps must not run while a server is serving the same folders.
//   - Close lets each session finish what is in flight (an open upload, an
//     unanswered request) before closing it, so that a file the Receiver
//     claimed is always confirmed to the client; ctx bounds the wait.
//   - The defaults are everything x/crypto/ssh implements and does not class
//     as insecure, except hmac-sha1: AES-CTR and hmac-sha2 for libssh2 before
//     1.11 (curl on Debian 12) and paramiko, ECDH-NIST and DH group 14/16 for
//     Java and .NET clients. Very old ones need legacy_algorithms (e.g.
//     "diffie-hellman-group14-sha1", "ssh-rsa"); a refused client is logged
//     at WARN with the entry that would admit it.
//   - Unix file modes and owners of the real files are never shown to clients,
//     nor the real paths: status messages are rewritten to the client's
//     virtual paths on the way out (errpaths.go); the log keeps real paths.
//   - pkg/sftp v1.13 answers an SSH_FXP_READ on a write-only handle by calling
//     WriteAt with a buffer of stale bytes: a client can corrupt its own
//     upload that way (only its own: the buffers are per session). Handles
//     opened for read and write go through OpenFile, whose ReadAt refuses.
package sftpserver
