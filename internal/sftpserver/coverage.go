package sftpserver

import (
	"errors"
	"slices"
)

// maxPendingSpans bounds the out-of-order writes an upload tracks. Real
// clients keep at most a few dozen requests in flight, so this only stops a
// client from growing memory with a sparse write pattern.
const maxPendingSpans = 4096

var errTooManySpans = errors.New("too many out-of-order writes")

// span is the byte range [start, end).
type span struct{ start, end int64 }

// coverage tracks which bytes of an upload were written: a prefix from
// offset 0 plus the ranges written beyond it. pkg/sftp runs writes on
// several workers, so they arrive slightly out of order; a hole means the
// client never sent those bytes (a resumed upload, a lost request).
type coverage struct {
	prefix  int64  // [0, prefix) is written
	pending []span // sorted, disjoint, non-adjacent, each start > prefix
	end     int64  // highest end written
}

// add records that [off, end) was written.
func (c *coverage) add(off, end int64) error {
	if end <= off {
		return nil
	}
	c.end = max(c.end, end)
	if off <= c.prefix {
		c.prefix = max(c.prefix, end)
		i := 0
		for i < len(c.pending) && c.pending[i].start <= c.prefix {
			c.prefix = max(c.prefix, c.pending[i].end)
			i++
		}
		c.pending = slices.Delete(c.pending, 0, i)
		return nil
	}
	// Merge into the pending ranges it touches.
	i, _ := slices.BinarySearchFunc(c.pending, off, func(s span, t int64) int {
		switch {
		case s.end < t:
			return -1
		case s.start > t:
			return 1
		default:
			return 0
		}
	})
	j := i
	merged := span{off, end}
	for j < len(c.pending) && c.pending[j].start <= merged.end {
		merged.start = min(merged.start, c.pending[j].start)
		merged.end = max(merged.end, c.pending[j].end)
		j++
	}
	c.pending = slices.Replace(c.pending, i, j, merged)
	if len(c.pending) > maxPendingSpans {
		return errTooManySpans
	}
	return nil
}

// complete reports whether every byte in [0, end) was written.
func (c *coverage) complete() bool { return len(c.pending) == 0 && c.prefix == c.end }
