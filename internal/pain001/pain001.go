package pain001

import (
	"cmp"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/atlarbridge/bridge/internal/payrun"
	"github.com/atlarbridge/bridge/internal/xsd"
)

// Level is how much Read checks.
type Level string

// Validation levels, as the route's validate key names them.
const (
	// LevelStrict checks everything banks reject on: schema rules for the
	// fields read, IBAN checksums, BICs, amount precision, NbOfTxs/CtrlSum,
	// duplicate ids and the execution date. The default.
	LevelStrict Level = "strict"
	// LevelWellformed checks well-formed XML, a supported namespace and that
	// the fields a payment is made of are there and usable (end-to-end id,
	// amount in a known currency, creditor and debtor accounts).
	LevelWellformed Level = "wellformed"
	// LevelNone checks only that the XML is well-formed.
	LevelNone Level = "none"
)

// Options tune Read.
type Options struct {
	// Level is "" (strict), strict, wellformed or none.
	Level Level
	// Today is the date the file is processed on, YYYY-MM-DD; "" means the
	// current UTC date. A ReqdExctnDt before it means "execute today"
	// (Payment.Date ""): banks accept past dates that way. One more than
	// 365 days after it is a problem (CH03) at strict level.
	Today string
	// MaxSize rejects a file larger than this many bytes as soon as it is
	// read past it; 0 means no limit.
	MaxSize int64
	// MaxText rejects a file with more than this many bytes between two
	// '<' (a text node, an attribute value, a comment) as soon as it is
	// read past it; 0 means DefaultMaxText. encoding/xml holds a whole
	// text node in memory, so without a cap one 200 MB node costs 1 GB.
	MaxText int64
}

// DefaultMaxText is Options.MaxText's default: no pain.001 element needs
// more than a few KB.
const DefaultMaxText = 1 << 20

// Result is what Read found in a file.
type Result struct {
	Header Header
	// Run has the file's payments in file order; Payment.Row is the 1-based
	// index of the CdtTrfTxInf across the file. Payments that had problems
	// are included with what could be read.
	Run *payrun.Run
	// Problems is empty when the file is valid at the requested level.
	Problems payrun.Problems
	// SchemaErrors counts the violations of the version's XSD found at
	// strict level (some of which Problems words as the more specific
	// business check). With no well-formedness problem (FF01) it is the
	// schema verdict, which the tests hold equal to xmllint's.
	SchemaErrors int
}

// maxAhead is how far in the future a requested execution date may be:
// banks keep instructions for a year at most.
const maxAhead = 365

// Read reads a pain.001 file and checks it at o.Level. Everything about the
// content — not XML, an unsupported namespace, a wrong total, a bad IBAN —
// is a Problem in the Result; the error is only for a failing reader or
// invalid Options.
//
// Read streams: it keeps one CdtTrfTxInf at a time besides the Run, so a
// file of 100 000 transactions costs the Run and little more. It is fastest
// on an io.ReadSeeker such as a bytes.Reader (see Caveats).
func Read(r io.Reader, o Options) (*Result, error) {
	// The fast scanner reads what UTF-8 pain.001 files are made of and
	// leaves the rest to encoding/xml, which needs the file from the start
	// again (see scanner).
	if rs, ok := r.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			res, err := readWith(r, o, true)
			if err != errFallback {
				return res, err
			}
			if _, err := rs.Seek(at, io.SeekStart); err != nil {
				return nil, fmt.Errorf("pain001: rewind to read again: %w", err)
			}
		}
	}
	return readWith(r, o, false)
}

// readWith is Read with the fast scanner or with encoding/xml; with fast, it
// returns errFallback where the scanner cannot decide.
func readWith(r io.Reader, o Options, fast bool) (*Result, error) {
	rd, err := newReader(o)
	if err != nil {
		return nil, err
	}
	res := &Result{Run: &payrun.Run{}}
	var pays payments
	rd.emit = pays.add
	if err := rd.read(r, fast); err != nil {
		return nil, err
	}
	res.Run.Payments = pays.all()
	res.Header = rd.header
	res.Run.MsgID = rd.header.MsgID
	res.Run.MsgNameID = rd.header.Version
	res.Problems = rd.allProblems()
	res.SchemaErrors = rd.schemaErrors
	return res, nil
}

// reader is the state of one Read.
type reader struct {
	gate  gate
	today string // YYYY-MM-DD
	// latest is the last acceptable execution date, today + maxAhead.
	latest  string
	maxSize int64
	maxText int64
	emit    func(payrun.Payment)

	header   Header
	problems problemList
	walk     walker
	schema   schema

	grp     grpState
	row     int      // transactions so far
	fileSum *big.Rat // of readable amounts
	sumFrac int      // most fraction digits of any amount
	sumOK   bool     // every amount so far was a readable decimal

	pmtIDs map[string]int // PmtInfId → 1-based PmtInf index
	e2eIDs map[string]int // EndToEndId → Row

	// val checks the generated schema rules at strict level (schema.go);
	// what it finds is kept apart from the hand-written checks' problems
	// until the end, when repeats of those are dropped.
	val          *xsd.Validator
	schemaProbs  problemList
	schemaErrors int

	pmtFields [pmtFieldCount][]leaf
	txFields  [txFieldCount][]leaf
}

func newReader(o Options) (*reader, error) {
	r := &reader{
		maxSize: o.MaxSize,
		maxText: cmp.Or(o.MaxText, DefaultMaxText),
		fileSum: new(big.Rat),
		sumOK:   true,
		pmtIDs:  make(map[string]int),
		e2eIDs:  make(map[string]int),
	}
	switch o.Level {
	case "", LevelStrict:
		r.gate = gateStrict
	case LevelWellformed:
		r.gate = gateWellformed
	case LevelNone:
		r.gate = gateAlways
	default:
		return nil, fmt.Errorf("pain001: unknown level %q (want strict, wellformed or none)", o.Level)
	}
	today := time.Now().UTC()
	if o.Today != "" {
		t, err := time.Parse(time.DateOnly, o.Today)
		if err != nil {
			return nil, fmt.Errorf("pain001: today %q: want YYYY-MM-DD", o.Today)
		}
		today = t
	}
	r.today = today.Format(time.DateOnly)
	r.latest = today.AddDate(0, 0, maxAhead).Format(time.DateOnly)
	if o.MaxSize < 0 {
		return nil, fmt.Errorf("pain001: max size %d is negative", o.MaxSize)
	}
	if o.MaxText < 0 {
		return nil, fmt.Errorf("pain001: max text %d is negative", o.MaxText)
	}
	return r, nil
}

// flag records a problem if the reader's level includes g.
func (r *reader) flag(g gate, p payrun.Problem) {
	if g <= r.gate {
		r.problems.add(p)
	}
}

// payments collects a file's payments in blocks and copies them once into
// a slice of the exact length: appending to one slice of 100,000 payments
// copies and clears about five times its final size on the way (large
// slices grow by a quarter): 51 MB less allocated per Read of the
// 100,000-transaction benchmark file.
type payments struct {
	full [][]payrun.Payment
	cur  []payrun.Payment
	n    int
}

// paymentBlock is how many payments a block holds (about 256 KB).
const paymentBlock = 1024

func (ps *payments) add(p payrun.Payment) {
	if len(ps.cur) == cap(ps.cur) {
		if ps.cur != nil {
			ps.full = append(ps.full, ps.cur)
		}
		// A small file's payments stay in one small slice.
		ps.cur = make([]payrun.Payment, 0, min(max(8, 2*ps.n), paymentBlock))
	}
	ps.cur = append(ps.cur, p)
	ps.n++
}

// all returns the payments in order, nil for none.
func (ps *payments) all() []payrun.Payment {
	if len(ps.full) == 0 {
		if len(ps.cur) == 0 {
			return nil
		}
		return ps.cur
	}
	out := make([]payrun.Payment, 0, ps.n)
	for _, b := range ps.full {
		out = append(out, b...)
	}
	return append(out, ps.cur...)
}
