package dkim

import (
	"crypto"
	_ "crypto/sha1" // registers SHA-1 so rsa-sha1 can be named, never accepted
	"crypto/sha256"
	"fmt"
	"math/bits"
	"strings"

	"github.com/mailprov/mailprov/headers"
)

// HashAlgorithm splits a signature algorithm (a=) into its hash and key
// type. It knows "rsa-sha256" and "ed25519-sha256" (RFC 8463). For
// "rsa-sha1" it returns crypto.SHA1 and "rsa" with an error wrapping
// ErrAlgorithmWeak: RFC 8301 §3.1 forbids verifiers to accept it. Anything
// else is ErrAlgorithmUnsupported.
func HashAlgorithm(a string) (crypto.Hash, string, error) {
	switch strings.ToLower(strings.TrimSpace(a)) {
	case "rsa-sha256":
		return crypto.SHA256, "rsa", nil
	case "ed25519-sha256":
		return crypto.SHA256, "ed25519", nil
	case "rsa-sha1":
		return crypto.SHA1, "rsa", fmt.Errorf("%w: rsa-sha1 (RFC 8301)", ErrAlgorithmWeak)
	}
	return 0, "", fmt.Errorf("%w: a=%s", ErrAlgorithmUnsupported, a)
}

// hashName is the name a key's h= uses for h.
func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "sha1"
	case crypto.SHA256:
		return "sha256"
	}
	return strings.ToLower(h.String())
}

// SelectFields picks the header fields a signature's h= names, in h= order,
// as RFC 6376 §5.4.2 says: each name takes the next instance of that name
// counting from the bottom of the header; a name with no instance left
// contributes nothing (so over-signing a name guards against additions).
// Names compare case-insensitively.
func SelectFields(fields []headers.Field, names []string) []headers.Field {
	return appendSelected(make([]headers.Field, 0, len(names)), fields, names, new(fieldIndex))
}

// Beyond these many fields or h= names, appendSelected indexes the header
// by full name in a map: it allocates, but stays linear however the
// names are chosen.
const (
	maxIndexedFields = 256
	maxIndexedNames  = 64
)

// appendSelected appends what SelectFields returns to out, using ix for
// its index of the fields (ix keeps its memory for the next call).
//
// A header of up to maxScannedFields fields, as nearly all are, is
// scanned once per name (appendSelectedScan). A larger one is indexed
// first: fields whose names look alike (same length, same first and last
// letter) are chained from the bottom of the header up, and each name
// walks its chain, so that a header of m fields and a list of n names
// cost about m+n steps when names that look alike are few; very large
// headers or lists go through appendSelectedMap.
func appendSelected(out, fields []headers.Field, names []string, ix *fieldIndex) []headers.Field {
	if len(fields) <= maxScannedFields {
		return appendSelectedScan(out, fields, names)
	}
	if len(fields) > maxIndexedFields || len(names) > maxIndexedNames {
		return appendSelectedMap(out, fields, names)
	}
	ix.build(fields)
	next, slots := ix.next, ix.slots
	// For each distinct name so far: where its walk goes on (an index into
	// fields, or -1 when no instance is left).
	type walk struct {
		name string
		key  uint32
		at   int32
	}
	var walkBuf [16]walk
	walks := walkBuf[:0]
	for _, name := range names {
		if name != "" && (name[0] <= ' ' || name[len(name)-1] <= ' ') {
			name = strings.TrimSpace(name)
		}
		k := nameKey(name)
		w := -1
		for i := range walks {
			if walks[i].key == k && asciiEqualFold(walks[i].name, name) {
				w = i
				break
			}
		}
		if w < 0 {
			walks = append(walks, walk{name, k, findSlot(slots, k).bottom - 1})
			w = len(walks) - 1
		}
		at := walks[w].at
		for at >= 0 && !asciiEqualFold(fields[at].Name, name) {
			at = next[at]
		}
		if at < 0 {
			walks[w].at = -1
			continue
		}
		out = append(out, fields[at])
		walks[w].at = next[at]
	}
	return out
}

// maxScannedFields is the largest header appendSelected scans once per
// name rather than indexes: a bit per field says whether it is taken.
const maxScannedFields = 64

// appendSelectedScan is appendSelected for headers of at most
// maxScannedFields fields, most of them: each name scans the fields' keys
// (nameKey, on the stack) from the bottom up for the first instance not
// yet taken, at most 64 steps per name.
func appendSelectedScan(out, fields []headers.Field, names []string) []headers.Field {
	var keyBuf [maxScannedFields]uint32
	keys := keyBuf[:len(fields)]
	for i, f := range fields {
		keys[i] = nameKey(f.Name)
	}
	var taken uint64
	for _, name := range names {
		if name != "" && (name[0] <= ' ' || name[len(name)-1] <= ' ') {
			name = strings.TrimSpace(name)
		}
		k := nameKey(name)
		for i := len(keys) - 1; i >= 0; i-- {
			if keys[i] == k && taken&(1<<i) == 0 && asciiEqualFold(fields[i].Name, name) {
				taken |= 1 << i
				out = append(out, fields[i])
				break
			}
		}
	}
	return out
}

// appendSelectedMap is appendSelected for large headers and lists: the
// fields' indexes by lower-cased name, bottom up, in a map.
func appendSelectedMap(out, fields []headers.Field, names []string) []headers.Field {
	byName := make(map[string][]int32)
	for i := len(fields) - 1; i >= 0; i-- {
		k := lowerASCIIString(fields[i].Name)
		byName[k] = append(byName[k], int32(i))
	}
	taken := make(map[string]int)
	for _, name := range names {
		k := lowerASCIIString(strings.TrimSpace(name))
		n := taken[k]
		if idx := byName[k]; n < len(idx) {
			out = append(out, fields[idx[n]])
			taken[k] = n + 1
		}
	}
	return out
}

// lowerASCIIString is s with its ASCII letters lower-cased.
func lowerASCIIString(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}

// fieldIndex chains a header's fields by nameKey, bottom up. Its zero
// value is ready to use; build reuses its memory.
type fieldIndex struct {
	// next[i] is the index of the nearest field above i with the same
	// key, or -1.
	next []int32
	// slots is an open-addressing table, a power of two in size and at
	// most half full, from a key to the bottom-most field with that key.
	slots []fieldSlot
}

// build indexes fields.
func (ix *fieldIndex) build(fields []headers.Field) {
	size := 1 << bits.Len(uint(2*len(fields)))
	if cap(ix.slots) < size {
		ix.slots = make([]fieldSlot, size)
	} else {
		ix.slots = ix.slots[:size]
		clear(ix.slots)
	}
	next := ix.next[:0]
	for i, f := range fields {
		k := nameKey(f.Name)
		s := findSlot(ix.slots, k)
		s.key = k
		next = append(next, s.bottom-1)
		s.bottom = int32(i) + 1
	}
	ix.next = next
}

// fieldSlot is a slot of appendSelected's table.
type fieldSlot struct {
	key    uint32
	bottom int32 // index + 1; 0: empty
}

// findSlot returns the slot of key k in slots (a power of two in size,
// never full), or the empty slot where k would go.
func findSlot(slots []fieldSlot, k uint32) *fieldSlot {
	mask := uint32(len(slots) - 1)
	// Fibonacci hashing: the product's top bits, as many as index slots.
	shift := 32 - bits.Len32(mask)
	for h := (k * 0x9e3779b1) >> shift; ; h++ {
		if s := &slots[h&mask]; s.bottom == 0 || s.key == k {
			return s
		}
	}
}

// nameKey sums up a field name: its length and its first and last
// bytes, lower-cased. Names asciiEqualFold matches have equal keys.
func nameKey(s string) uint32 {
	if s == "" {
		return 0
	}
	return uint32(min(len(s), 0xffff))<<16 | uint32(lowerASCII(s[0]))<<8 | uint32(lowerASCII(s[len(s)-1]))
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiEqualFold reports whether two field names are equal, ASCII letters
// compared without case. Field names are ASCII (RFC 5322 §2.2), and
// relaxed canonicalization lower-cases only ASCII letters, so no Unicode
// case folding applies.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for ; i+8 <= len(a); i += 8 {
		if x, y := load64String(a, i), load64String(b, i); x != y && !foldEqualWord(x, y) {
			return false
		}
	}
	for ; i < len(a); i++ {
		if x, y := a[i], b[i]; x != y && lowerASCII(x) != lowerASCII(y) {
			return false
		}
	}
	return true
}

// foldEqualWord reports whether the eight bytes of x and y differ only
// in the case of ASCII letters.
func foldEqualWord(x, y uint64) bool {
	d := x ^ y
	if d&^(0x20*ones) != 0 {
		return false // they differ in more than the case bit
	}
	// The bytes of x, lower-cased if letters, that are in 'a'..'z'. No
	// carry crosses a byte: the low seven bits plus 0x1f stay below 0x100.
	l := x | 0x20*ones
	letter := ((l&^high + (0x80-'a')*ones) | l) &^ ((l&^high + (0x80-'z'-1)*ones) | l) & high
	// Where they differ, d has 0x20; shifted, the byte's high bit.
	return (d<<2)&^letter == 0
}

// load64String returns the eight bytes of s from i as a little-endian
// word (the compiler makes it one load).
func load64String(s string, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// HeaderHash returns the hash, made with h, of the signed header fields
// canonicalized with canon, followed by the signature field itself with
// the value of its b= tag removed and without its final CRLF (RFC 6376
// §3.7). signed is what SelectFields returned.
func HeaderHash(h crypto.Hash, canon string, signed []headers.Field, sigField headers.Field) []byte {
	sum, _ := headerHash(nil, nil, h, canon, signed, sigField)
	return sum
}

// headerHash is HeaderHash canonicalizing into scratch, which it returns
// (grown if need be) for reuse, and appending the hash to sum[:0].
func headerHash(sum, scratch []byte, h crypto.Hash, canon string, signed []headers.Field, sigField headers.Field) ([]byte, []byte) {
	buf := appendSignedHeader(scratch[:0], canon, signed, sigField)
	if h == crypto.SHA256 {
		s := sha256.Sum256(buf)
		return append(sum[:0], s[:]...), buf
	}
	hh := h.New()
	hh.Write(buf)
	return hh.Sum(sum[:0]), buf
}

// appendSignedHeader appends to dst the bytes HeaderHash hashes.
func appendSignedHeader(dst []byte, canon string, signed []headers.Field, sigField headers.Field) []byte {
	n := len(sigField.Name) + len(sigField.Value) + 4
	for _, f := range signed {
		n += len(f.Name) + len(f.Value) + 3
	}
	if cap(dst)-len(dst) < n {
		dst = append(make([]byte, 0, len(dst)+n), dst...)
	}
	for _, f := range signed {
		dst = appendCanonicalHeader(dst, canon, f)
	}
	// The signature field with its b= value removed, in two pieces: the
	// value up to and including "b=", and the rest from the ";" after.
	v1, v2 := splitSignatureValue(sigField.Value)
	if canon != Relaxed {
		dst = append(dst, sigField.Name...)
		dst = append(dst, ':')
		dst = append(dst, v1...)
		return append(dst, v2...) // no final CRLF
	}
	dst = appendRelaxedName(dst, sigField.Name)
	wsp, started := false, false
	dst, wsp, started = appendRelaxedValue(dst, v1, wsp, started)
	dst, _, _ = appendRelaxedValue(dst, v2, wsp, started)
	return dst // no final CRLF
}

func appendCanonicalHeader(dst []byte, canon string, f headers.Field) []byte {
	if canon != Relaxed {
		dst = append(dst, f.Name...)
		dst = append(dst, ':')
		dst = append(dst, f.Value...)
		return append(dst, '\r', '\n')
	}
	return appendRelaxedHeader(dst, f)
}

// splitSignatureValue returns v without its b= value as two pieces whose
// concatenation is StripSignatureValue(v).
func splitSignatureValue(v string) (string, string) {
	start := 0
	for start <= len(v) {
		end := strings.IndexByte(v[start:], ';')
		if end < 0 {
			end = len(v)
		} else {
			end += start
		}
		spec := v[start:end]
		if eq := strings.IndexByte(spec, '='); eq >= 0 && isTagB(spec[:eq]) {
			return v[:start+eq+1], v[end:]
		}
		start = end + 1
	}
	return v, ""
}

// isTagB reports whether name, with folding white space around it, is "b";
// it is strings.Trim(name, " \t\r\n") == "b" without building a cutset.
func isTagB(name string) bool {
	i, j := 0, len(name)
	for i < j && isFWSByte(name[i]) {
		i++
	}
	for j > i && isFWSByte(name[j-1]) {
		j--
	}
	return j-i == 1 && name[i] == 'b'
}

func isFWSByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// StripSignatureValue returns a signature field's value with the value of
// its b= tag emptied: everything from after "b=" to the next ";" or the end
// is removed, white space included, as RFC 6376 §3.7 requires. Other tags,
// including bh=, are kept byte for byte.
func StripSignatureValue(v string) string {
	v1, v2 := splitSignatureValue(v)
	if v2 == "" {
		return v1
	}
	return v1 + v2
}
