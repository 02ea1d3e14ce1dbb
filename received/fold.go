package received

import (
	"strings"
	"unicode/utf8"
)

// Case-insensitive matching of the ASCII keywords MTAs write, with the
// exact meaning of strings.EqualFold but without its cost per call.
//
// Only two non-ASCII runes case-fold to ASCII letters: U+017F (LONG S)
// to 's' and U+212A (KELVIN SIGN) to 'k'. Both are longer in UTF-8 than
// the letter, so text of the same byte length as an ASCII keyword matches
// it only by ASCII case folding.

// keyBuf holds the text foldKey returns.
type keyBuf [32]byte

// foldKey returns s folded for comparison with lower-case ASCII keywords:
// ASCII letters lowered, U+017F and U+212A replaced by 's' and 'k'. For
// such a keyword kw, string(foldKey(&b, s)) == kw exactly when
// strings.EqualFold(s, kw). Other non-ASCII text, and text that folds to
// more than len(b) bytes, gives nil, which equals no keyword.
func foldKey(b *keyBuf, s string) []byte {
	n := 0
	for i := 0; i < len(s); i++ {
		if n == len(b) {
			return nil
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			switch {
			case strings.HasPrefix(s[i:], "\u017F"):
				c = 's'
			case strings.HasPrefix(s[i:], "\u212A"):
				c = 'k'
			default:
				return nil
			}
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size - 1
		}
		b[n] = lowerASCII(c)
		n++
	}
	return b[:n]
}

// equalFold is strings.EqualFold(s, lit) for an ASCII lit, with the
// common all-ASCII case done in line: it compares byte by byte and hands
// over to strings.EqualFold only at a non-ASCII byte of s.
func equalFold(s, lit string) bool {
	for i := 0; i < len(lit); i++ {
		if i == len(s) {
			return false
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.EqualFold(s[i:], lit[i:])
		}
		if lowerASCII(c) != lowerASCII(lit[i]) {
			return false
		}
	}
	return len(s) == len(lit)
}

// hasPrefixFold reports whether s starts with the ASCII prefix, ignoring
// case; the same as strings.EqualFold(s[:len(prefix)], prefix), since
// text of a keyword's byte length matches it only by ASCII folding.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(s[i]) != lowerASCII(prefix[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
