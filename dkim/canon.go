package dkim

import (
	"bytes"
	"crypto"
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math/bits"
)

// The canonicalization algorithms of RFC 6376 §3.4.
const (
	Simple  = "simple"
	Relaxed = "relaxed"
)

// BodyHasher canonicalizes a message body as it is written and hashes the
// result (RFC 6376 §3.4.3 "simple", §3.4.4 "relaxed", §3.7). It streams:
// only a run of line breaks (and, for relaxed, a pending white space flag)
// is held back, so trailing empty lines can be dropped at the end. A bare
// LF is taken as CRLF; a CR not followed by LF is an ordinary byte.
//
// Write never fails. Call Sum once the whole body has been written.
type BodyHasher struct {
	relaxed bool
	h       hash.Hash
	limit   int64 // -1: none
	n       int64 // canonical bytes produced
	hashed  int64 // canonical bytes given to h

	cr      bool  // a CR was seen and not yet resolved
	crlfs   int64 // line breaks held back
	wsp     bool  // relaxed: white space held back
	content bool  // relaxed: some non-empty line was produced
	sum     []byte

	buf  []byte // len(buf) is the buffer's size
	nbuf int
}

// bodyBufSize is the size of a BodyHasher's buffer.
const bodyBufSize = 2048

// NewBodyHasher returns a BodyHasher for canon ("simple" or "relaxed"; any
// other value is taken as "simple") and hash h. limit is the l= value, the
// number of canonical bytes to hash, or -1 to hash them all.
func NewBodyHasher(canon string, h crypto.Hash, limit int64) *BodyHasher {
	// One allocation for the hasher and its buffer.
	o := new(struct {
		BodyHasher
		buf [bodyBufSize]byte
	})
	o.init(canon, h.New(), limit, o.buf[:])
	return &o.BodyHasher
}

// init readies b as NewBodyHasher does, with h (new or reset) as its
// hasher and buf (at least bodyBufSize bytes long) as its buffer.
func (b *BodyHasher) init(canon string, h hash.Hash, limit int64, buf []byte) {
	*b = BodyHasher{relaxed: canon == Relaxed, h: h, limit: limit, buf: buf}
}

// Clone returns an independent copy of b in its current state, so that
// bodies sharing a long prefix can be hashed once up to the end of the
// prefix and then once per ending. It fails, wrapping
// errors.ErrUnsupported, only if b's hash cannot be cloned (see
// hash.Cloner).
func (b *BodyHasher) Clone() (*BodyHasher, error) {
	hc, ok := b.h.(hash.Cloner)
	if !ok {
		return nil, fmt.Errorf("dkim: body hash %T cannot be cloned: %w", b.h, errors.ErrUnsupported)
	}
	h, err := hc.Clone()
	if err != nil {
		return nil, err
	}
	o := new(struct {
		BodyHasher
		buf [bodyBufSize]byte
	})
	o.BodyHasher = *b
	o.BodyHasher.h = h
	if len(b.buf) <= bodyBufSize {
		o.BodyHasher.buf = o.buf[:len(b.buf)]
	} else {
		o.BodyHasher.buf = make([]byte, len(b.buf))
	}
	copy(o.BodyHasher.buf, b.buf[:b.nbuf])
	if b.sum != nil {
		o.BodyHasher.sum = append([]byte(nil), b.sum...)
	}
	return &o.BodyHasher, nil
}

// snapshot flushes b's buffer into its hash and appends the hash's state
// to dst, for restore: a cheaper Clone when many bodies share b's state.
func (b *BodyHasher) snapshot(dst []byte) ([]byte, error) {
	b.flush()
	a, ok := b.h.(encoding.BinaryAppender)
	if !ok {
		return nil, fmt.Errorf("dkim: body hash %T has no state to save: %w", b.h, errors.ErrUnsupported)
	}
	return a.AppendBinary(dst)
}

// restore sets b to the state src was in when snapshot returned state,
// keeping b's own hash and buffer (b must use the same hash as src). It
// allocates nothing.
func (b *BodyHasher) restore(src *BodyHasher, state []byte) error {
	u, ok := b.h.(encoding.BinaryUnmarshaler)
	if !ok {
		return fmt.Errorf("dkim: body hash %T cannot be restored: %w", b.h, errors.ErrUnsupported)
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return err
	}
	h, buf := b.h, b.buf
	*b = *src
	b.h, b.buf, b.nbuf, b.sum = h, buf, 0, nil
	return nil
}

// Len returns the number of canonical body bytes produced so far, including
// those beyond the limit. After Sum it is the canonical body's length.
func (b *BodyHasher) Len() int64 { return b.n }

// Write canonicalizes p and hashes the result. It always returns len(p), nil.
func (b *BodyHasher) Write(p []byte) (int, error) {
	switch {
	case b.sum != nil:
	case b.limit >= 0:
		b.write(p)
	case b.relaxed:
		b.writeRelaxed(p)
	default:
		b.writeSimple(p)
	}
	return len(p), nil
}

// writeSimple is Write for simple canonicalization without a limit. The
// part of p from its first byte that is not a line break to its last goes
// through simpleRegion, which holds nothing back; the line breaks around
// it go through write.
func (b *BodyHasher) writeSimple(p []byte) {
	i := 0
	if b.cr {
		i = 1 // write settles the held-back CR with p[0]
	}
	for i < len(p) && (p[i] == '\r' || p[i] == '\n') {
		i++
	}
	k := len(p)
	for k > i && (p[k-1] == '\r' || p[k-1] == '\n') {
		k--
	}
	if k <= i {
		b.write(p)
		return
	}
	b.write(p[:i])
	if b.cr { // a CR before content is an ordinary byte
		b.cr = false
		b.contentByte('\r')
	}
	b.flushPending()
	b.content = true
	b.simpleRegion(p[i:k])
	b.write(p[k:])
}

// write is Write a byte or a run at a time, holding back line breaks (and,
// for relaxed, white space) until what follows shows whether they end the
// body. It is the only path when there is a limit.
func (b *BodyHasher) write(p []byte) {
	for i := 0; i < len(p); {
		c := p[i]
		if b.cr {
			b.cr = false
			if c == '\n' {
				b.lineBreak()
				i++
				continue
			}
			b.contentByte('\r')
		}
		switch c {
		case '\r':
			b.cr = true
			i++
			continue
		case '\n':
			b.lineBreak()
			i++
			continue
		case ' ', '\t':
			if b.relaxed {
				b.wsp = true
				i++
				continue
			}
		}
		// A run of bytes that are canonical as they are. For simple, that
		// is everything up to the next CR or LF; for relaxed, a single
		// space between two such bytes belongs to the run too.
		if !b.relaxed {
			rest := p[i:]
			if k := bytes.IndexByte(rest, '\n'); k >= 0 {
				rest = rest[:k]
			}
			if k := bytes.IndexByte(rest, '\r'); k >= 0 {
				rest = rest[:k]
			}
			b.contentBytes(rest)
			i += len(rest)
			continue
		}
		j := i + 1
		for j < len(p) {
			d := p[j]
			if !bodySpecial[d] {
				j++
				continue
			}
			if d == ' ' && j+1 < len(p) && !bodySpecial[p[j+1]] {
				j += 2
				continue
			}
			break
		}
		b.contentBytes(p[i:j])
		i = j
	}
}

// Masks for reading eight bytes as one word: the low and the high bit of
// each byte.
const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// eqMask returns x with the high bit set in each byte equal to c and every
// other bit clear. It is exact: no borrow crosses from byte to byte.
func eqMask(x uint64, c byte) uint64 {
	t := x ^ uint64(c)*ones
	return ^((t&^high + 0x7f*ones) | t) & high
}

// writeRelaxed is Write for relaxed canonicalization without a limit, the
// common case, with the work per run of content done in place: held-back
// line breaks and white space and the run itself are copied straight into
// the buffer.
func (b *BodyHasher) writeRelaxed(p []byte) {
	for i := 0; i < len(p); {
		c := p[i]
		if b.cr {
			b.cr = false
			if c == '\n' {
				b.lineBreak()
				i++
				continue
			}
			b.contentByte('\r')
		}
		switch c {
		case '\r':
			if i+1 < len(p) && p[i+1] == '\n' {
				b.wsp = false
				b.crlfs++
				i += 2
				continue
			}
			b.cr = true
			i++
			continue
		case '\n':
			b.wsp = false
			b.crlfs++
			i++
			continue
		case ' ', '\t':
			b.wsp = true
			for i++; i < len(p) && (p[i] == ' ' || p[i] == '\t'); i++ {
			}
			continue
		}
		// A run of bytes that are canonical as they are: no white space
		// or line break, except single spaces between two such bytes and
		// CRLFs between two such bytes (a line that ends in content and
		// a next line that starts with content).
		j := i + 1
		for {
			j = skipPlain(p, j)
			if j >= len(p) {
				break
			}
			d := p[j]
			if !bodySpecial[d] {
				j++
				continue
			}
			if d == ' ' && j+1 < len(p) && !bodySpecial[p[j+1]] {
				j += 2
				continue
			}
			if d == '\r' && j+2 < len(p) && p[j+1] == '\n' && !bodySpecial[p[j+2]] {
				j += 3
				continue
			}
			break
		}
		run := p[i:j]
		i = j
		need := int64(len(run)) + 2*b.crlfs + 1
		if need > int64(len(b.buf)-b.nbuf) {
			b.flush()
			if need > int64(len(b.buf)) {
				b.contentBytes(run)
				continue
			}
		}
		nb := b.nbuf
		for ; b.crlfs > 0; b.crlfs-- {
			b.buf[nb], b.buf[nb+1] = '\r', '\n'
			nb += 2
		}
		if b.wsp {
			b.wsp = false
			b.buf[nb] = ' '
			nb++
		}
		nb += copy(b.buf[nb:], run)
		b.n += int64(nb - b.nbuf)
		b.hashed += int64(nb - b.nbuf)
		b.nbuf = nb
		b.content = true
	}
}

// skipPlain returns the index of the first byte of p at or after j that
// might end a relaxed run (a control byte or a space before one), reading
// eight bytes at a time; the caller decides on that byte. It returns j when
// fewer than eight bytes are left.
//
// While sixteen bytes are left, it looks past the bytes that only seem to
// end the run in a word (a space in its last byte followed by content, a
// CRLF between content, a false alarm of runEnds) itself: those are most
// of the stops in text, and a return to the caller costs several times
// the test.
func skipPlain(p []byte, j int) int {
	q := p[j:]
	for len(q) >= 16 {
		end := runEnds(binary.LittleEndian.Uint64(q))
		if end == 0 {
			q = q[8:]
			continue
		}
		k := bits.TrailingZeros64(end) >> 3
		switch d := q[k]; {
		case d > ' ':
			q = q[k+1:]
		case d == ' ' && q[k+1] > ' ':
			q = q[k+2:]
		case d == '\r' && q[k+1] == '\n' && q[k+2] > ' ':
			q = q[k+3:]
		default:
			return len(p) - len(q) + k
		}
	}
	j = len(p) - len(q)
	for j+8 <= len(p) {
		if end := runEnds(binary.LittleEndian.Uint64(p[j:])); end != 0 {
			return j + bits.TrailingZeros64(end)>>3
		}
		j += 8
	}
	return j
}

// runEnds returns a mask of the bytes of x, read little-endian, that may
// end a relaxed run: a set high bit for each byte below 0x21 other than a
// space followed by a byte of 0x21 or more. No byte that ends a run goes
// unmarked, but a borrow from a marked byte can mark the space or '!'
// after it, or keep a space before such a '!' marked: the lowest set bit
// is the first byte that ends the run or a false alarm before it. A caller
// looks at that byte itself. A space in the last byte is always marked:
// its next byte is not in x.
func runEnds(x uint64) uint64 {
	ascii := ^x & high
	ctl := (x - 0x21*ones) & ascii   // below 0x21: a space or a control byte
	below := (x - 0x20*ones) & ascii // below 0x20: a control byte
	return below | ctl&(ctl>>8|1<<63)
}

// simpleRegion canonicalizes r (simple, no limit). r starts and ends with
// a byte that is not a line break, and nothing is held back, so r is
// canonical as it is but for its bare LFs, each of which becomes CRLF.
// The runs between bare LFs are emitted whole: a long one goes to the
// hash without a copy.
func (b *BodyHasher) simpleRegion(r []byte) {
	from := 0
	for i := 1; i < len(r); { // r[0] is content
		if i+8 <= len(r) {
			x := binary.LittleEndian.Uint64(r[i:])
			lf := eqMask(x, '\n')
			if lf == 0 {
				i += 8
				continue
			}
			pcr := eqMask(x, '\r')<<8 | ((uint64(r[i-1])^'\r')-1)>>56&0x80
			bare := lf &^ pcr
			if bare == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(bare) >> 3
		} else if r[i] != '\n' || r[i-1] == '\r' {
			i++
			continue
		}
		// r[i] is a bare LF.
		b.emit(r[from:i])
		b.emitByte('\r')
		b.emitByte('\n')
		i++
		from = i
	}
	b.emit(r[from:])
}

// bodySpecial marks the bytes relaxed body canonicalization treats
// specially: white space and line breaks. It is never modified.
var bodySpecial = [256]bool{' ': true, '\t': true, '\r': true, '\n': true}

func (b *BodyHasher) lineBreak() {
	b.wsp = false
	b.crlfs++
}

// flushPending emits held-back line breaks and white space before content.
func (b *BodyHasher) flushPending() {
	for ; b.crlfs > 0; b.crlfs-- {
		b.emitByte('\r')
		b.emitByte('\n')
	}
	if b.wsp {
		b.wsp = false
		b.emitByte(' ')
	}
}

func (b *BodyHasher) contentByte(c byte) {
	if b.crlfs > 0 || b.wsp {
		b.flushPending()
	}
	b.content = true
	b.emitByte(c)
}

func (b *BodyHasher) contentBytes(p []byte) {
	if b.crlfs > 0 || b.wsp {
		b.flushPending()
	}
	b.content = true
	b.emit(p)
}

// emit passes canonical bytes to the hash, through a small buffer, up to
// the limit.
func (b *BodyHasher) emit(p []byte) {
	if b.limit < 0 && len(p) <= len(b.buf)-b.nbuf {
		b.n += int64(len(p))
		b.hashed += int64(len(p))
		b.nbuf += copy(b.buf[b.nbuf:], p)
		return
	}
	b.n += int64(len(p))
	if b.limit >= 0 {
		room := b.limit - b.hashed
		if room <= 0 {
			return
		}
		if int64(len(p)) > room {
			p = p[:room]
		}
	}
	b.hashed += int64(len(p))
	if len(p) > len(b.buf)-b.nbuf {
		b.flush()
		if len(p) >= len(b.buf) {
			b.h.Write(p)
			return
		}
	}
	b.nbuf += copy(b.buf[b.nbuf:], p)
}

// emitByte is emit for one byte.
func (b *BodyHasher) emitByte(c byte) {
	b.n++
	if b.limit >= 0 && b.hashed >= b.limit {
		return
	}
	b.hashed++
	if b.nbuf == len(b.buf) {
		b.flush()
	}
	b.buf[b.nbuf] = c
	b.nbuf++
}

func (b *BodyHasher) flush() {
	if b.nbuf > 0 {
		b.h.Write(b.buf[:b.nbuf])
		b.nbuf = 0
	}
}

// Sum finishes the canonical body (dropping trailing empty lines and ending
// it with one CRLF, or, for an empty relaxed body, nothing) and returns its
// hash. Later writes are ignored and later calls return the same value.
func (b *BodyHasher) Sum() []byte {
	if b.sum != nil {
		return b.sum
	}
	b.finish()
	b.sum = b.h.Sum(nil)
	return b.sum
}

// finish ends the canonical body, as Sum does, and flushes it into the
// hash, whose Sum is then the body hash.
func (b *BodyHasher) finish() {
	if b.cr {
		b.cr = false
		b.contentByte('\r')
	}
	b.crlfs, b.wsp = 0, false
	if !b.relaxed || b.content {
		b.emitByte('\r')
		b.emitByte('\n')
	}
	b.flush()
}
