package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// schemaVersion is written into a new journal; Open refuses a journal
// written by a newer bridge rather than misreading it. Version 2 split the
// file record (record.go); a writable Open migrates a journal of version 1
// (migrate.go), a read-only one reads it as it is.
const (
	schemaVersion   = "2"
	schemaVersionV1 = "1"
)

// Bucket names. Keys inside the index buckets join parts with a NUL byte,
// which route names, states and ids never contain.
var (
	bucketFiles      = []byte("files")      // id → File header JSON; payments and batches in their own buckets (record.go)
	bucketStates     = []byte("states")     // state NUL id → route
	bucketDedupe     = []byte("dedupe")     // "s"|"m" NUL route NUL sha256|msgId NUL id → indexEntry JSON
	bucketByFile     = []byte("byfile")     // id → JSON list of its dedupe keys
	bucketDeliveries = []byte("deliveries") // key → Delivery JSON
	bucketPending    = []byte("pending")    // key of a delivery with Done == false → 0x01
	bucketMeta       = []byte("meta")       // key → value
	bucketBlobs      = []byte("blobs")      // key → bytes (journaled request bodies)
	bucketChanged    = []byte("changed")    // id → sequence of its latest write, until marked seen (changes.go)
	bucketCounts     = []byte("counts")     // route NUL state → files (counts.go)
	bucketSchema     = []byte("schema")     // "version" → schemaVersion
	bucketOps        = []byte("ops")        // key → Op JSON (ops.go)

	allBuckets = [][]byte{bucketFiles, bucketStates, bucketDedupe, bucketByFile,
		bucketDeliveries, bucketPending, bucketMeta, bucketBlobs, bucketChanged, bucketCounts, bucketSchema, bucketOutbox,
		bucketPayments, bucketBatches, bucketOps}
)

// derived reports whether a bucket is derived from the others, added by a
// later bridge: a journal of an earlier one lacks it until a writable Open
// builds it, and a read-only Open (the CLI while no bridge runs) does
// without.
//
// The payments and batches buckets are not derived, but a journal of
// schema 1 held them inside its file records, which still read: a
// read-only Open of such a journal does without them too; likewise the
// ops bucket, empty until the first collection or counterparty.
func derived(name []byte) bool {
	return bytes.Equal(name, bucketChanged) || bytes.Equal(name, bucketCounts) || bytes.Equal(name, bucketOutbox) ||
		bytes.Equal(name, bucketPayments) || bytes.Equal(name, bucketBatches) || bytes.Equal(name, bucketOps)
}

// Options configure Open.
type Options struct {
	// Timeout is how long Open waits for the file lock; default 1s.
	Timeout time.Duration
	// ReadOnly opens the journal for reading only; it shares the lock with
	// other readers but not with a writer.
	ReadOnly bool
	// Clock stamps steps and records; default the real clock.
	Clock clockwork.Clock
	// AfterCommit, if set, is called after every committed write with a
	// short op name ("create", "update:<note>", "delivery", "meta",
	// "unindex") and the file as committed (nil for non-file writes). If it
	// returns an error, the write call returns that error while the write
	// stays committed. Tests use it to simulate a crash right after any
	// journal step.
	AfterCommit func(op string, f *File) error
	// BeforeWrite, if set, is called before every write with its op name;
	// an error refuses the write (nothing is committed). Tests use it to
	// stop the journal dead after a simulated crash.
	BeforeWrite func(op string) error
	// History, when set, says what shows that files went through this
	// bridge before (e.g. "archive/ holds 27 files"): a missing or empty
	// journal is then refused (ErrNoJournal) instead of started afresh,
	// which would forget duplicate protection.
	History string
}

// Store is the journal. Its methods are safe for concurrent use.
type Store struct {
	db          *bolt.DB
	path        string
	clock       clockwork.Clock
	cache       *rowCache // payments and batches of recent files (record.go)
	afterCommit func(op string, f *File) error
	beforeWrite func(op string) error

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	// closeDone is closed when bbolt's Close has returned closeErr.
	closeDone chan struct{}
	closeErr  error

	// wmu guards the group commit (commit.go): the writes waiting for the
	// next transaction, and whether a caller is committing now.
	wmu     sync.Mutex
	queue   []*writeCall
	leading bool
}

// Open opens the journal at path, creating it (parent directory 0700, file
// 0600) unless o.ReadOnly. When another process holds the file, Open fails
// with an error matching ErrLocked after o.Timeout.
func Open(path string, o Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open state: empty path")
	}
	if o.Timeout <= 0 {
		// bbolt waits forever on a zero timeout; a second bridge must fail
		// fast and say why instead.
		o.Timeout = time.Second
	}
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open state: %w", err)
		}
	}
	if o.History != "" && !o.ReadOnly && missingOrEmpty(path) {
		return nil, &noJournalError{path: path, history: o.History}
	}
	// bbolt maps the file and trusts it: check first what would crash it.
	if err := checkFile(path); err != nil {
		return nil, err
	}
	var db *bolt.DB
	err := guard(path, func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, ReadOnly: o.ReadOnly})
		return err
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, &lockedError{path: path, wait: o.Timeout}
	}
	if errors.Is(err, ErrDamaged) {
		return nil, err
	}
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) || errors.Is(err, bolterrors.ErrVersionMismatch) {
		return nil, &damagedError{path: path, why: err.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	s := &Store{
		db:          db,
		path:        path,
		clock:       o.Clock,
		afterCommit: o.AfterCommit,
		beforeWrite: o.BeforeWrite,
		subs:        map[*subscriber]struct{}{},
		cache:       newRowCache(cacheRows),
	}
	if !o.ReadOnly {
		// Every page, before the bridge relies on any: random bytes in a
		// page otherwise go unnoticed until a read of that page panics.
		// Read-only opens (the CLI) skip it; bridge doctor runs it.
		if err := s.Verify(); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	if err := guard(path, func() error {
		if err := s.init(o.ReadOnly); err != nil {
			return err
		}
		if o.ReadOnly {
			return nil
		}
		return s.migrate(migrateHook)
	}); err != nil {
		_ = db.Close()
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open state %s: %w", path, err)
	}
	return s, nil
}

// init creates the buckets of a new journal and checks the schema version.
func (s *Store) init(readOnly bool) error {
	check := func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSchema)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte("version")); v != nil && string(v) != schemaVersion && string(v) != schemaVersionV1 {
			return fmt.Errorf("journal schema version %q is not supported (this bridge writes %q)", v, schemaVersion)
		}
		return nil
	}
	if readOnly {
		return s.db.View(check)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		tracked := tx.Bucket(bucketChanged) != nil
		counted := tx.Bucket(bucketCounts) != nil
		outboxIndexed := tx.Bucket(bucketOutbox) != nil
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if !tracked {
			// A journal from before changes were tracked: every file
			// counts as changed once.
			if err := markAllChanged(tx); err != nil {
				return err
			}
		}
		if !counted {
			if err := recount(tx); err != nil {
				return err
			}
		}
		if !outboxIndexed {
			if err := reindexOutbox(tx); err != nil {
				return err
			}
		}
		b := tx.Bucket(bucketSchema)
		if b.Get([]byte("version")) == nil {
			v := schemaVersion
			if k, _ := tx.Bucket(bucketFiles).Cursor().First(); k != nil {
				// Records without a version: the first bridges wrote
				// schema 1; migrate will rewrite them.
				v = schemaVersionV1
			}
			return b.Put([]byte("version"), []byte(v))
		}
		return nil
	})
}

// Close closes every subscription channel and then the journal, which
// waits for the transactions in progress (a group commit, a backup being
// copied out) for as long as ctx allows. When ctx ends first, Close
// returns its error and the journal closes once they are done: a stuck
// reader must not hang the service's stop, and a commit is never cut.
func (s *Store) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		for sub := range s.subs {
			sub.close()
		}
		clear(s.subs)
		s.closeDone = make(chan struct{})
		go func() {
			s.closeErr = s.db.Close()
			close(s.closeDone)
		}()
	}
	done := s.closeDone
	s.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("close state: transactions still running: %w", ctx.Err())
	}
	if s.closeErr != nil {
		return fmt.Errorf("close state: %w", s.closeErr)
	}
	return nil
}

// Path returns the journal's file path.
func (s *Store) Path() string { return s.path }

// Backup writes a consistent copy of the journal to w, for operators. It
// runs in a read transaction, so writers are not blocked.
func (s *Store) Backup(w io.Writer) error {
	err := s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("backup state: %w", err)
	}
	return nil
}

// now is the time stamped on records: UTC, so that records read the same
// wherever the bridge runs.
func (s *Store) now() time.Time { return s.clock.Now().UTC() }

// write runs fn in a write transaction, shared with concurrent writes
// (commit.go), and, once committed, wakes the subscribers and calls
// AfterCommit with op and the file fn returned. committed tells the caller
// whether err is AfterCommit's (the write stands; return err as is) or the
// transaction's (nothing was written).
//
// fn may run more than once, each time in a fresh transaction, when a write
// sharing its transaction fails: it must work only on what it reads in tx
// and on its own local copies, so that only its last run counts.
func (s *Store) write(op string, fn func(tx *bolt.Tx) (*File, error)) (f *File, committed bool, err error) {
	if s.beforeWrite != nil {
		if err := s.beforeWrite(op); err != nil {
			return nil, false, err
		}
	}
	c := &writeCall{fn: fn}
	s.commit(c)
	if c.err != nil {
		return nil, false, c.err
	}
	f = c.file
	id := ""
	if f != nil {
		id = f.ID
	}
	s.notify(id)
	if s.afterCommit != nil {
		var hookFile *File
		if f != nil {
			// The hook gets its own copy: it must not be able to change
			// what the caller sees.
			hookFile = cloneFile(f)
		}
		if err := s.afterCommit(op, hookFile); err != nil {
			return f, true, err
		}
	}
	return f, true, nil
}

// bucket returns the named bucket, or an error if the journal lacks it (a
// read-only open of a file that was never initialised).
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("journal has no %s bucket (not a bridge state file?)", name)
	}
	return b, nil
}
