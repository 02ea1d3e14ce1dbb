package headers

import "encoding/binary"

// b64Value maps a byte to its value in the standard base64 alphabet
// (RFC 4648 §4), or to 0xff when it is not a letter of it. It is a
// read-only table.
var b64Value = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// appendBase64 appends to dst the bytes the base64 text v decodes to,
// skipping folding white space (SP, HTAB, CR, LF) wherever it stands, and
// reports whether v is well formed. It accepts exactly the texts that
// base64.StdEncoding.DecodeString(StripWhitespace(v)) accepts, with the
// same result: whole quanta of four letters, the last of which may end in
// "==" or "=", bits past the last whole byte ignored. On failure it
// returns dst as it was.
//
// It appends at most base64.StdEncoding.DecodedLen(len(v)) bytes, so a dst
// with that much room is not reallocated.
func appendBase64(dst []byte, v string) ([]byte, bool) {
	start := len(dst)
	var q uint // the letters of the quantum being read, six bits each
	nq := 0    // how many
	for i := 0; i < len(v); {
		if nq == 0 {
			// Two whole quanta at a time while there is no white space.
			for ; i+8 <= len(v); i += 8 {
				w := v[i : i+8]
				a, b, c, d := b64Value[w[0]], b64Value[w[1]], b64Value[w[2]], b64Value[w[3]]
				e, f, g, h := b64Value[w[4]], b64Value[w[5]], b64Value[w[6]], b64Value[w[7]]
				if (a|b|c|d|e|f|g|h)&0x80 != 0 {
					break
				}
				x := uint64(a)<<42 | uint64(b)<<36 | uint64(c)<<30 | uint64(d)<<24 |
					uint64(e)<<18 | uint64(f)<<12 | uint64(g)<<6 | uint64(h)
				if n := len(dst); cap(dst)-n >= 8 {
					// One store of eight bytes, the last two overwritten
					// next or left past the end.
					binary.BigEndian.PutUint64(dst[n:n+8], x<<16)
					dst = dst[:n+6]
				} else {
					dst = append(dst, byte(x>>40), byte(x>>32), byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
				}
			}
			if i == len(v) {
				break
			}
		}
		c := v[i]
		i++
		if x := b64Value[c]; x != 0xff {
			q = q<<6 | uint(x)
			if nq++; nq == 4 {
				dst = append(dst, byte(q>>16), byte(q>>8), byte(q))
				q, nq = 0, 0
			}
			continue
		}
		if isFWS(c) {
			continue
		}
		// Padding: "==" after two letters or "=" after three, then
		// nothing but white space.
		if c != '=' || nq < 2 {
			return dst[:start], false
		}
		if nq == 2 {
			i = skipFWS(v, i)
			if i == len(v) || v[i] != '=' {
				return dst[:start], false
			}
			i++
		}
		if skipFWS(v, i) != len(v) {
			return dst[:start], false
		}
		if nq == 2 {
			return append(dst, byte(q>>4)), true
		}
		return append(dst, byte(q>>10), byte(q>>2)), true
	}
	if nq != 0 {
		// A quantum cut short without padding.
		return dst[:start], false
	}
	return dst, true
}

// skipFWS returns the offset of the first byte of s at or after i that is
// not folding white space, or len(s).
func skipFWS(s string, i int) int {
	for i < len(s) && isFWS(s[i]) {
		i++
	}
	return i
}
