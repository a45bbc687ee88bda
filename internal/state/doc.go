// Package state is the bridge's journal: a single bbolt file
// (storage.root/state/bridge.db) that records every step of every inbound
// file's journey, the duplicate index, the outbox deliveries and a few small
// key/values such as the last statement poll.
//
// Inbound journals each step before its side effect and confirms it after,
// so that after a crash at any instant each file resumes exactly where it
// stood; outbound records which outbox files it wrote. Nothing else is
// needed to resume: the journal is the hub, the folders follow it.
//
// Records are JSON so that an operator can read a backup with ordinary
// tools, and so that adding a field never needs a migration.
//
// A file's record is split (record.go): its header (everything but the
// payments and batches) under files/<id>, each payment under
// payments/<id>/<row index>, each batch under batches/<id>/<index>, so
// that a step writes the header and the rows it changed, not the whole
// file. Get and Update still see the whole File: Update compares what fn
// left with what it read and writes only the rows that differ, from a
// bounded cache of recent files' rows (a copy, not a decode, per step).
// List with HeadersOnly reads no rows at all. UpdateRows (rows.go) is for
// the hot steps: the caller names the rows it touches, and only those are
// read, written and patched into the cache, so its cost does not grow
// with the file.
//
// Schema. The schema bucket holds the journal's version (2 since the
// split). A writable Open migrates a journal of version 1 in place, in
// bounded transactions, resuming where a killed migration stopped
// (migrate.go); a read-only Open (the CLI while no bridge runs) reads
// either layout, also half-migrated, and changes nothing.
//
// # Caveats
//
// Group commit. bbolt runs one write transaction at a time and syncs each
// twice, so writes (Create, Update, PutDelivery, SetMeta, Unindex, ...)
// that arrive while a commit is under way wait and then share the next
// transaction and its syncs (commit.go). Each write call still returns only
// once its own transaction is durable. The function given to Update runs
// inside that shared transaction: keep it short, do no I/O in it and never
// call the Store from it, or it blocks every other writer (and deadlocks if
// it writes). It may run more than once, on a freshly read File each time:
// when another write of its transaction fails, each is retried alone. So it
// must change only the File it is given, never variables outside it.
//
// One process at a time. Open takes an exclusive lock on the file; a second
// Open fails with ErrLocked once Options.Timeout has passed. The running
// bridge therefore owns the journal, and CLI commands (status, files, retry,
// redeliver) must go through the running bridge's control endpoint; they may
// open the file themselves only when no bridge runs.
//
// AfterCommit exists for tests: it runs after each committed write and its
// error is returned by the write call while the write stays committed, which
// simulates a crash right after any journal step. Do not use it for
// production side effects; Subscribe is the way to react to writes.
//
// Bytes returned by bbolt are valid only inside their transaction. The Store
// decodes or copies everything before the transaction ends, so values it
// returns are the caller's to keep and modify.
package state
