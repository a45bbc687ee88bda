package sftpserver

import "encoding/binary"

// Graceful shutdown closes each connection at the first moment it is quiet:
// no upload open and every SFTP request answered. Closing earlier could
// drop the answer to a close or rename whose file the Receiver already
// claimed, and the ERP would send the file again.

// quiet reports whether the connection has nothing in flight.
func (c *connState) quiet() bool {
	return c.openUploads.Load() == 0 && c.requests.Load() == c.responses.Load()
}

// closeWhenQuiet closes the connection now if it is quiet, or else as soon
// as its last answer is written.
func (c *connState) closeWhenQuiet() {
	c.draining.Store(true)
	if c.quiet() {
		c.close()
	}
}

// afterActivity closes a draining connection that just became quiet.
func (c *connState) afterActivity() {
	if c.draining.Load() && c.quiet() {
		c.close()
	}
}

// packetCounter follows the SFTP packet framing (a 4-byte big-endian length,
// then that many bytes) of one direction of a stream.
type packetCounter struct {
	hdr  [4]byte
	nhdr int
	left uint32 // body bytes still to come of the current packet
}

// feed consumes p and reports how many packet headers were completed
// (started) and how many packets were completed (finished).
func (pc *packetCounter) feed(p []byte) (started, finished int) {
	for len(p) > 0 {
		if pc.left == 0 {
			n := copy(pc.hdr[pc.nhdr:], p)
			pc.nhdr += n
			p = p[n:]
			if pc.nhdr < 4 {
				continue
			}
			pc.nhdr = 0
			pc.left = binary.BigEndian.Uint32(pc.hdr[:])
			started++
			if pc.left == 0 {
				finished++
			}
			continue
		}
		n := uint32(min(len(p), int(min(pc.left, 1<<30))))
		pc.left -= n
		p = p[n:]
		if pc.left == 0 {
			finished++
		}
	}
	return started, finished
}
