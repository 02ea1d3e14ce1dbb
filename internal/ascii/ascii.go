// Package ascii holds the byte-level helpers the mailprov packages share
// for ASCII text: header field names, DNS names and tag lists compare and
// fold by ASCII case only, and the hot loops read them eight bytes at a
// time.
package ascii

// Word masks: the low and the high bit of each of eight bytes.
const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// Load64 returns the eight bytes of s from i as a little-endian word; the
// compiler makes it one load. It panics, as s[i:i+8] does, when fewer than
// eight bytes are left.
func Load64(s string, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// Lower returns s with its ASCII capitals lower-cased and every other byte
// as it is, unlike strings.ToLower, which also folds non-ASCII letters.
// This is how DNS (RFC 4343) and header field names compare. A string
// without capitals, nearly every one, is returned as it is, without an
// allocation, found so eight bytes at a time.
func Lower(s string) string {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := Load64(s, i)
		// The high bit of each byte in 'A'..'Z': at least 'A' and not
		// above 'Z' in its low seven bits, and below 0x80. No carry
		// crosses a byte: the low seven bits plus 0x3f stay below 0x100.
		low := x &^ high
		if (low+(0x80-'A')*ones)&^(low+(0x80-'Z'-1)*ones)&^x&high != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
