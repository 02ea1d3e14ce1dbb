package dkim

import (
	"math/bits"

	"github.com/mailprov/mailprov/headers"
	"github.com/mailprov/mailprov/internal/ascii"
)

// CanonicalizeHeader returns the canonical form of a header field, with its
// final CRLF, as RFC 6376 §3.4.1 ("simple") and §3.4.2 ("relaxed") define
// it. Any canon other than "relaxed" is taken as "simple".
//
// Simple keeps the field as written. Relaxed lower-cases the name, unfolds
// the value, turns each run of white space into one space and removes white
// space at the ends of the value and around the colon.
func CanonicalizeHeader(canon string, f headers.Field) string {
	if canon != Relaxed {
		return f.Name + ":" + f.Value + "\r\n"
	}
	return string(appendRelaxedHeader(make([]byte, 0, len(f.Name)+len(f.Value)+3), f))
}

// appendRelaxedHeader appends the relaxed form of f, with its CRLF, to dst.
func appendRelaxedHeader(dst []byte, f headers.Field) []byte {
	dst = appendRelaxedName(dst, f.Name)
	if v, ok := plainValue(f.Value); ok {
		dst = append(dst, v...)
	} else {
		dst, _, _ = appendRelaxedValue(dst, f.Value, false, false)
	}
	return append(dst, '\r', '\n')
}

// plainValue returns v without its leading spaces, and true, when that is
// v's relaxed form: when v has no control byte (no folding, no tab) and
// no two spaces in a row, and does not end in a space. Most field values
// are so; it reads eight bytes at a time.
func plainValue(v string) (string, bool) {
	i := 0
	for i < len(v) && v[i] == ' ' {
		i++
	}
	v = v[i:]
	if v == "" || v[len(v)-1] == ' ' {
		return "", false
	}
	var bad, carry uint64
	j := 0
	for ; j+8 <= len(v); j += 8 {
		x := ascii.Load64(v, j)
		// Any byte below 0x20 sets a bit (the lowest exactly; a borrow
		// may set more, which only sends v the slow way).
		bad |= (x - 0x20*ones) &^ x
		// Spaces (again exact up to the first) and a space after one.
		t := x ^ 0x20*ones
		sp := (t - ones) &^ t & high
		bad |= sp & (sp>>8 | carry)
		carry = sp >> 63 << 7 // a space in the last byte, for the next word's first
		if bad&high != 0 {
			return "", false // a long folded value is not read to its end twice
		}
	}
	prev := carry != 0
	for ; j < len(v); j++ {
		c := v[j]
		if c < 0x20 || (c == ' ' && prev) {
			return "", false
		}
		prev = c == ' '
	}
	return v, true
}

// appendRelaxedName appends the relaxed form of a field name and the colon.
func appendRelaxedName(dst []byte, name string) []byte {
	n := len(name)
	for n > 0 && (name[n-1] == ' ' || name[n-1] == '\t') {
		n--
	}
	start := len(dst)
	dst = append(dst, name[:n]...)
	for i := start; i < len(dst); i++ {
		dst[i] = lowerTable[dst[i]]
	}
	return append(dst, ':')
}

// lowerTable maps each byte to itself, ASCII capitals to small letters.
// It is never modified.
var lowerTable = func() (t [256]byte) {
	for i := range t {
		t[i] = lowerASCII(byte(i))
	}
	return t
}()

// appendRelaxedValue appends the relaxed form of v, or of a piece of a
// value: it unfolds (drops CR and LF), collapses WSP runs and trims both
// ends. wsp (white space is held back) and started (some content was
// written) carry the state from the previous piece, false for the first;
// the state after v is returned for the next.
func appendRelaxedValue(dst []byte, v string, wsp, started bool) ([]byte, bool, bool) {
	for i := 0; i < len(v); {
		c := v[i]
		if !bodySpecial[c] {
			if wsp && started {
				dst = append(dst, ' ')
			}
			wsp, started = false, true
			// The run goes on over single spaces between content bytes.
			j := i + 1
			for j < len(v) {
				j = skipPlainString(v, j)
				if j >= len(v) {
					break
				}
				if d := v[j]; !bodySpecial[d] {
					j++
				} else if d == ' ' && j+1 < len(v) && !bodySpecial[v[j+1]] {
					j += 2
				} else {
					break
				}
			}
			dst = append(dst, v[i:j]...)
			i = j
			continue
		}
		if c == ' ' || c == '\t' {
			wsp = true
		}
		i++
	}
	return dst, wsp, started
}

// skipPlainString is skipPlain for a string, eight bytes at a time only.
func skipPlainString(v string, j int) int {
	for j+8 <= len(v) {
		if end := runEnds(ascii.Load64(v, j)); end != 0 {
			return j + bits.TrailingZeros64(end)>>3
		}
		j += 8
	}
	return j
}
