package dns

import "testing"

// TestFoldName compares foldName with a byte-by-byte ASCII fold on every
// byte value at every offset of names longer than a word, and checks that
// a name without capitals comes back as it is.
func TestFoldName(t *testing.T) {
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
			if got, want := foldName(string(b)), ref(string(b)); got != want {
				t.Fatalf("foldName(%q) = %q, want %q", b, got, want)
			}
		}
	}
	for _, tc := range [][2]string{
		{"", ""},
		{"Example.ORG.", "example.org."},
		{"ÄBC.example.", "Äbc.example."}, // only ASCII capitals (RFC 4343)
		{"a.b.c.d.e.f.g.h.Z", "a.b.c.d.e.f.g.h.z"},
	} {
		if got := foldName(tc[0]); got != tc[1] {
			t.Errorf("foldName(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	name := "rsa._domainkey.football.example.com."
	if got := foldName(name); got != name {
		t.Errorf("foldName(%q) = %q", name, got)
	}
	if n := testing.AllocsPerRun(100, func() { foldName(name) }); n != 0 {
		t.Errorf("foldName of a lower-case name: %v allocations, want 0", n)
	}
}
