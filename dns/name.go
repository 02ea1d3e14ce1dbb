package dns

// foldName returns name with its ASCII capitals lower-cased, the form
// names are cached and recorded under: DNS compares names without regard
// to ASCII case, and to ASCII case only (RFC 4343). A name without
// capitals, nearly every one, is returned as it is, found so eight bytes
// at a time.
func foldName(name string) string {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(name); i += 8 {
		w := name[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		// The high bit of each byte in 'A'..'Z': at least 'A' and not
		// above 'Z' in its low seven bits, and below 0x80. No carry
		// crosses a byte: the low seven bits plus 0x3f stay below 0x100.
		low := x &^ high
		if (low+(0x80-'A')*ones)&^(low+(0x80-'Z'-1)*ones)&^x&high != 0 {
			break
		}
	}
	for ; i < len(name); i++ {
		if c := name[i]; 'A' <= c && c <= 'Z' {
			b := []byte(name)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return name
}
