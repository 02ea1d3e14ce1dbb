package dkim

import (
	"crypto"
	_ "crypto/sha1" // registers SHA-1 so rsa-sha1 can be named, never accepted
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/mailprov/mailprov/headers"
	"github.com/mailprov/mailprov/internal/ascii"
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
	return appendSelected(make([]headers.Field, 0, len(names)), fields, names)
}

// Up to these many fields and h= names, appendSelected scans the header
// once per name; beyond, it indexes the header by full name in a map,
// which allocates but stays linear however the names are chosen.
const (
	maxScannedFields = 256
	maxScannedNames  = 64
)

// appendSelected appends what SelectFields returns to out.
//
// A header of up to maxScannedFields fields and a list of up to
// maxScannedNames names, as nearly all are, is scanned once per name: the
// fields' keys (nameKey) are kept, on the stack for up to 64 fields, and
// each name looks from the bottom up for the first field with its key and
// name not yet taken (a bit per field). Larger headers or lists go
// through appendSelectedMap.
func appendSelected(out, fields []headers.Field, names []string) []headers.Field {
	if len(fields) > maxScannedFields || len(names) > maxScannedNames {
		return appendSelectedMap(out, fields, names)
	}
	var keyBuf [64]uint32
	keys := keyBuf[:0]
	if len(fields) > len(keyBuf) {
		keys = make([]uint32, 0, len(fields))
	}
	for _, f := range fields {
		keys = append(keys, nameKey(f.Name))
	}
	var taken [maxScannedFields / 64]uint64
	for _, name := range names {
		if name != "" && (name[0] <= ' ' || name[len(name)-1] <= ' ') {
			name = strings.TrimSpace(name)
		}
		k := nameKey(name)
		for i := uint(len(keys)); i > 0; {
			i--
			if keys[i] == k && taken[i/64]&(1<<(i%64)) == 0 && asciiEqualFold(fields[i].Name, name) {
				taken[i/64] |= 1 << (i % 64)
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
		k := ascii.Lower(fields[i].Name)
		byName[k] = append(byName[k], int32(i))
	}
	taken := make(map[string]int)
	for _, name := range names {
		k := ascii.Lower(strings.TrimSpace(name))
		n := taken[k]
		if idx := byName[k]; n < len(idx) {
			out = append(out, fields[idx[n]])
			taken[k] = n + 1
		}
	}
	return out
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
		if x, y := ascii.Load64(a, i), ascii.Load64(b, i); x != y && !foldEqualWord(x, y) {
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
