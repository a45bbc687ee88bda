package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is returned by Open and Verify for a journal whose file is
// damaged (truncated, overwritten, not a journal at all). The bridge must
// not start on it: duplicate protection and unfinished files live there.
var ErrDamaged = errors.New("journal is damaged")

// damagedError names the file and what is wrong, and says what to do.
type damagedError struct {
	path, why string
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("journal %s is damaged (%s): stop the bridge and restore the journal from a backup "+
		"(your latest copy of state/bridge.db, e.g. from the backup of storage.root); "+
		"starting without it would forget which files were already paid", e.path, e.why)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *damagedError) Is(target error) bool { return target == ErrDamaged }

// The layout of a bbolt meta page (bbolt's internal/common): a 16-byte page
// header, then magic, version, page size, flags, the root bucket (root page
// id, sequence), the freelist page id, the high-water page id, the txid
// and an FNV-64a checksum of the fields before it. bbolt writes it in the
// machine's byte order; every platform the bridge ships for is
// little-endian.
const (
	pageHeaderSize = 16
	metaMagic      = 0xED0CDAED
	metaVersion    = 2
	metaSize       = 4 + 4 + 4 + 4 + 16 + 8 + 8 + 8 // up to the checksum
)

type metaPage struct {
	pageSize            uint32
	root, hwm, txid, fl uint64
}

// readMeta decodes and checks the meta page at off, or says why it is bad.
func readMeta(r io.ReaderAt, off int64) (metaPage, error) {
	buf := make([]byte, pageHeaderSize+metaSize+8)
	if _, err := r.ReadAt(buf, off); err != nil {
		return metaPage{}, fmt.Errorf("meta page at %d unreadable: %w", off, err)
	}
	m := buf[pageHeaderSize:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != metaMagic {
		return metaPage{}, fmt.Errorf("meta page at %d: not a journal page", off)
	}
	if v := le.Uint32(m[4:]); v != metaVersion {
		return metaPage{}, fmt.Errorf("meta page at %d: version %d", off, v)
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:metaSize])
	if h.Sum64() != le.Uint64(m[metaSize:]) {
		return metaPage{}, fmt.Errorf("meta page at %d: checksum mismatch", off)
	}
	mp := metaPage{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), fl: le.Uint64(m[32:]), hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if mp.pageSize < 512 || mp.pageSize&(mp.pageSize-1) != 0 {
		return metaPage{}, fmt.Errorf("meta page at %d: page size %d", off, mp.pageSize)
	}
	return mp, nil
}

// checkFile looks at a journal file before bbolt maps it: bbolt trusts the
// file, so a truncated one kills the process with SIGBUS when a page past
// the end is touched, and a zeroed one is taken for garbage only later.
// It checks both meta pages and that the file holds every page the meta
// page bbolt will use counts. A missing or empty file is not checked here
// (the caller decides whether a new journal is allowed).
func checkFile(path string) error {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open state %s: %w", path, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("open state %s: %w", path, err)
	}
	if st.Size() == 0 {
		return nil
	}
	m0, err0 := readMeta(fh, 0)
	var m1 metaPage
	err1 := errors.New("meta page 1 not found")
	sizes := []uint32{4096, 8192, 16384, 65536, 1024, 2048}
	if err0 == nil {
		sizes = []uint32{m0.pageSize}
	}
	for _, ps := range sizes {
		if m1, err1 = readMeta(fh, int64(ps)); err1 == nil {
			break
		}
	}
	var use metaPage
	switch {
	case err0 != nil && err1 != nil:
		return &damagedError{path: path, why: fmt.Sprintf("both meta pages are bad: %v; %v", err0, err1)}
	case err0 != nil:
		use = m1
	case err1 != nil:
		use = m0
	case m1.txid > m0.txid:
		use = m1
	default:
		use = m0
	}
	if need := int64(use.hwm) * int64(use.pageSize); st.Size() < need {
		return &damagedError{path: path, why: fmt.Sprintf("the file is %d bytes but its pages need %d: it was cut short", st.Size(), need)}
	}
	// bbolt reads the freelist and the root page as it opens, and panics
	// on garbage there (with the file locked): look at their headers first.
	const noFreelist = ^uint64(0)
	if use.fl != noFreelist {
		if err := checkPage(fh, use, use.fl, 0x10, "freelist"); err != nil {
			return &damagedError{path: path, why: err.Error()}
		}
	}
	if err := checkPage(fh, use, use.root, 0x01|0x02, "root"); err != nil {
		return &damagedError{path: path, why: err.Error()}
	}
	return nil
}

// checkPage checks that page id exists and its header names it with one of
// the flags (0x01 branch, 0x02 leaf, 0x10 freelist).
func checkPage(r io.ReaderAt, m metaPage, id uint64, flags uint16, what string) error {
	if id < 2 || id >= m.hwm {
		return fmt.Errorf("%s page %d is outside the file's %d pages", what, id, m.hwm)
	}
	h := make([]byte, pageHeaderSize)
	if _, err := r.ReadAt(h, int64(id)*int64(m.pageSize)); err != nil {
		return fmt.Errorf("%s page %d unreadable: %w", what, id, err)
	}
	le := binary.LittleEndian
	if got := le.Uint64(h[0:]); got != id || le.Uint16(h[8:])&flags == 0 {
		return fmt.Errorf("%s page %d is garbage (it says page %d, flags %#x)", what, id, got, le.Uint16(h[8:]))
	}
	return nil
}

// guard runs fn, turning a panic, and a memory fault reading the mapped
// file, into an ErrDamaged error: bbolt panics on pages it cannot make
// sense of.
func guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &damagedError{path: path, why: fmt.Sprintf("reading it failed: %v", r)}
		}
	}()
	return fn()
}

// Verify checks every page of the journal (bbolt's consistency check: page
// bounds, double-freed and unreachable pages, key order) and returns an
// error matching ErrDamaged with the first problems found.
func (s *Store) Verify() error {
	var problems []string
	err := guard(s.path, func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			for e := range tx.Check() {
				if len(problems) < 5 {
					problems = append(problems, e.Error())
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &damagedError{path: s.path, why: strings.Join(problems, "; ")}
	}
	return nil
}

// ErrNoJournal is returned by Open when the journal is missing or empty
// while Options.History says earlier files went through this bridge.
var ErrNoJournal = errors.New("journal is missing")

type noJournalError struct{ path, history string }

func (e *noJournalError) Error() string {
	return fmt.Sprintf("journal %s is missing or empty, but %s: restore state/bridge.db from a backup; "+
		"only if there is none, start once with bridge run --new-journal to begin a new journal "+
		"(files sent before are then no longer recognised as duplicates)", e.path, e.history)
}

func (e *noJournalError) Is(target error) bool { return target == ErrNoJournal }

// missingOrEmpty reports whether there is no journal to open yet.
func missingOrEmpty(path string) bool {
	st, err := os.Stat(path)
	return errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0)
}
