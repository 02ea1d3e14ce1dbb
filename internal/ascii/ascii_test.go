package ascii

import (
	"encoding/binary"
	"testing"
)

// TestLower compares Lower with a byte-by-byte ASCII fold on every byte
// value at every offset of strings longer than a word, and checks that a
// string without capitals comes back as it is, without an allocation.
func TestLower(t *testing.T) {
	ref := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	base := "sel._domainkey.ex"
	for pos := range len(base) {
		for c := range 256 {
			b := []byte(base)
			b[pos] = byte(c)
			if got, want := Lower(string(b)), ref(string(b)); got != want {
				t.Fatalf("Lower(%q) = %q, want %q", b, got, want)
			}
		}
	}
	for _, tc := range [][2]string{
		{"", ""},
		{"Example.ORG.", "example.org."},
		{"ÄBC.example.", "Äbc.example."}, // only ASCII capitals (RFC 4343)
		{"a.b.c.d.e.f.g.h.Z", "a.b.c.d.e.f.g.h.z"},
	} {
		if got := Lower(tc[0]); got != tc[1] {
			t.Errorf("Lower(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	name := "rsa._domainkey.football.example.com."
	if got := Lower(name); got != name {
		t.Errorf("Lower(%q) = %q", name, got)
	}
	if n := testing.AllocsPerRun(100, func() { Lower(name) }); n != 0 {
		t.Errorf("Lower of a lower-case string: %v allocations, want 0", n)
	}
}

// TestLoad64 checks Load64 against encoding/binary at every offset.
func TestLoad64(t *testing.T) {
	s := "0123456789abcdef\x00\xff\x80"
	for i := 0; i+8 <= len(s); i++ {
		if got, want := Load64(s, i), binary.LittleEndian.Uint64([]byte(s[i:])); got != want {
			t.Errorf("Load64(%q, %d) = %#x, want %#x", s, i, got, want)
		}
	}
}
