package sftpserver

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
)

// OpenSSH's sftp client reads a file in 32 KiB requests unless the server
// announces the limits@openssh.com extension; with OpenSSH's own server it
// reads 255 KiB a request. At 32 KiB a 256 MiB download is 8,192 requests,
// each a round through pkg/sftp's request server (reader, dispatcher,
// worker, ordering, writer goroutines) and two SSH packets, and the client
// works harder too: that, not the file reads or the cipher, is why
// downloads ran at 0.72-0.76x OpenSSH (issue 14).
//
// pkg/sftp knows no such extension and cannot be taught one, so the
// session's stream adds it, next to the status rewriting (errpaths.go):
//   - the version answer gets the extension appended;
//   - a limits request is noted by its id as it is read (limitsSniffer);
//     pkg/sftp answers it in order with "operation unsupported", and that
//     answer is replaced by the extended reply carrying the limits.
//
// Only reads get larger. Uploads keep the 32 KiB writes the client sends
// without the extension: they already beat OpenSSH, and the upload path
// (hashing, quotas, batching) was measured with that size.

// SFTP packet types and status code used here (draft-ietf-secsh-filexfer-02).
const (
	sshFxpVersion       = 2
	sshFxpExtended      = 200
	sshFxpExtendedReply = 201
	sshFxOpUnsupported  = 8
)

const (
	limitsExtension = "limits@openssh.com"
	// limitsMaxPacket is the largest SFTP packet pkg/sftp accepts (its
	// maxMsgLength), as OpenSSH's sftp-server (SFTP_MAX_MSG_LENGTH).
	limitsMaxPacket = 256 << 10
	// limitsMaxRead is what a read may ask for and is answered in full:
	// OpenSSH's SFTP_MAX_READ_LENGTH, leaving room for a data answer's
	// header. The request server is told to send this much (maxTxPacket);
	// a short answer would make OpenSSH's client re-request the rest and
	// shrink its requests for the rest of the session.
	limitsMaxRead = limitsMaxPacket - 1024
	// limitsMaxWrite keeps uploads at the client's default size (above).
	limitsMaxWrite = 32 << 10
	// limitsPending bounds the limits requests remembered while pkg/sftp
	// answers them; a client sends one after the version exchange.
	limitsPending = 16
)

// limitsRequests are the ids of limits requests read but not yet answered.
// The reading goroutine adds, the writing one takes.
type limitsRequests struct {
	n   atomic.Int32 // len(ids), read without the lock on every status answer
	mu  sync.Mutex
	ids []uint32
}

func (l *limitsRequests) add(id uint32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ids) >= limitsPending {
		return // answered "unsupported": the client keeps its defaults
	}
	l.ids = append(l.ids, id)
	l.n.Store(int32(len(l.ids)))
}

// take reports whether id was a limits request, forgetting it.
func (l *limitsRequests) take(id uint32) bool {
	if l == nil || l.n.Load() == 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, v := range l.ids {
		if v == id {
			l.ids = append(l.ids[:i], l.ids[i+1:]...)
			l.n.Store(int32(len(l.ids)))
			return true
		}
	}
	return false
}

// limitsHead is how much of a request identifies a limits request: length,
// type, id, and the extension name as an SSH string.
const limitsHead = 4 + 1 + 4 + 4 + len(limitsExtension)

// limitsSniffer follows the framing of the client's requests and notes the
// id of each limits request. It only looks: every byte still goes to
// pkg/sftp. One goroutine feeds it.
type limitsSniffer struct {
	reqs *limitsRequests
	head [limitsHead]byte
	n    int    // bytes of head collected
	want int    // bytes of head to collect for the current packet
	body uint32 // the current packet's length
	skip uint32 // bytes of the current packet left after its head
}

func (s *limitsSniffer) feed(p []byte) {
	for len(p) > 0 {
		if s.skip > 0 {
			n := uint32(min(uint64(len(p)), uint64(s.skip)))
			s.skip -= n
			p = p[n:]
			continue
		}
		if s.n < 4 {
			n := copy(s.head[s.n:4], p)
			s.n += n
			p = p[n:]
			if s.n < 4 {
				continue
			}
			s.body = binary.BigEndian.Uint32(s.head[:4])
			s.want = 4 + int(min(s.body, uint32(limitsHead-4)))
			if s.body == 0 {
				s.n = 0 // pkg/sftp ends the session on it
			}
			continue
		}
		n := copy(s.head[s.n:s.want], p)
		s.n += n
		p = p[n:]
		if s.n == s.want {
			if id, ok := limitsRequestID(s.head[4:s.n]); ok && s.reqs != nil {
				s.reqs.add(id)
			}
			s.skip = s.body - uint32(s.want-4)
			s.n = 0
		}
	}
}

// limitsRequestID returns the id of b, the start of a request after its
// length, if it is a limits request.
func limitsRequestID(b []byte) (uint32, bool) {
	if len(b) < limitsHead-4 || b[0] != sshFxpExtended ||
		binary.BigEndian.Uint32(b[5:9]) != uint32(len(limitsExtension)) ||
		string(b[9:9+len(limitsExtension)]) != limitsExtension {
		return 0, false
	}
	return binary.BigEndian.Uint32(b[1:5]), true
}

// withLimitsExtension returns the version answer pkt (length, type 2,
// version, extension pairs) announcing limits@openssh.com too.
func withLimitsExtension(pkt []byte) []byte {
	out := make([]byte, 0, len(pkt)+4+len(limitsExtension)+4+1)
	out = append(out, pkt...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(limitsExtension)))
	out = append(out, limitsExtension...)
	out = binary.BigEndian.AppendUint32(out, 1)
	out = append(out, '1')
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out
}

// limitsReply is the extended reply to limits request id: maximum packet,
// read and write lengths, and open handles (0: no limit announced, so the
// client keeps its 64 requests in flight).
func limitsReply(id uint32) []byte {
	out := make([]byte, 0, 4+1+4+4*8)
	out = binary.BigEndian.AppendUint32(out, 1+4+4*8)
	out = append(out, sshFxpExtendedReply)
	out = binary.BigEndian.AppendUint32(out, id)
	out = binary.BigEndian.AppendUint64(out, limitsMaxPacket)
	out = binary.BigEndian.AppendUint64(out, limitsMaxRead)
	out = binary.BigEndian.AppendUint64(out, limitsMaxWrite)
	out = binary.BigEndian.AppendUint64(out, 0)
	return out
}

// rewriteAnswer is what statusRewriter sends for a held answer: the
// version with the limits extension, a limits request's "unsupported"
// as the limits reply, and any other status with client paths.
func (w *statusRewriter) rewriteAnswer(pkt []byte) []byte {
	if w.limits != nil && len(pkt) >= 5 && pkt[4] == sshFxpVersion {
		return withLimitsExtension(pkt)
	}
	const codeAt = 4 + 1 + 4
	if len(pkt) >= codeAt+4 && pkt[4] == sshFxpStatus &&
		binary.BigEndian.Uint32(pkt[codeAt:]) == sshFxOpUnsupported &&
		w.limits.take(binary.BigEndian.Uint32(pkt[5:9])) {
		return limitsReply(binary.BigEndian.Uint32(pkt[5:9]))
	}
	return rewriteStatus(pkt, w.paths.text)
}

// heldType reports whether answers of type t are held for rewriting.
func (w *statusRewriter) heldType(t byte) bool {
	return t == sshFxpStatus || (t == sshFxpVersion && w.limits != nil)
}
