package dkim

import (
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailprov/mailprov/headers"
)

// RFC 6376 §3.4.6 example.
func TestCanonicalizeHeaderRFCExample(t *testing.T) {
	a := headers.Field{Name: "A", Value: " X"}
	b := headers.Field{Name: "B ", Value: " Y\t\r\n\tZ  "}
	assert.Equal(t, "a:X\r\n", CanonicalizeHeader(Relaxed, a))
	assert.Equal(t, "b:Y Z\r\n", CanonicalizeHeader(Relaxed, b))
	assert.Equal(t, "A: X\r\n", CanonicalizeHeader(Simple, a))
	assert.Equal(t, "B : Y\t\r\n\tZ  \r\n", CanonicalizeHeader(Simple, b))
}

func TestCanonicalizeHeader(t *testing.T) {
	for i, tc := range []struct {
		canon, name, value, want string
	}{
		0: {Relaxed, "Subject", "", "subject:\r\n"},
		1: {Relaxed, "SUBJECT", "   ", "subject:\r\n"},
		2: {Relaxed, "To", " a\r\n  b\t \t c ", "to:a b c\r\n"},
		3: {Simple, "To", " a\r\n b", "To: a\r\n b\r\n"},
		4: {"bogus", "To", " a", "To: a\r\n"},
		5: {Relaxed, "X", "\t\r\n a", "x:a\r\n"},
	} {
		got := CanonicalizeHeader(tc.canon, headers.Field{Name: tc.name, Value: tc.value})
		assert.Equal(t, tc.want, got, "%d", i)
	}
}

// TestRunEnds checks runEnds on pseudo-random words of the bytes it cares
// about: every byte that ends a relaxed run is marked, and only high bits
// are set.
func TestRunEnds(t *testing.T) {
	alphabet := []byte{' ', '!', '"', '\t', '\r', '\n', 'a', 0x01, 0x1f, 0x7f, 0x80, 0xa0}
	seed := uint64(5)
	for range 200000 {
		var w [8]byte
		for i := range w {
			seed = seed*6364136223846793005 + 1442695040888963407
			w[i] = alphabet[(seed>>33)%uint64(len(alphabet))]
		}
		x := binary.LittleEndian.Uint64(w[:])
		got := runEnds(x)
		if got&^high != 0 {
			t.Fatalf("runEnds(%q) = %#x: bits other than high bits", w, got)
		}
		for i, c := range w {
			ends := c < 0x21 && !(c == ' ' && i < 7 && w[i+1] >= 0x21)
			if ends && got&(0x80<<(8*i)) == 0 {
				t.Fatalf("runEnds(%q) = %#x: byte %d (%q) ends a run but is not marked", w, got, i, c)
			}
		}
	}
}

// refRelaxedHeader is relaxed header canonicalization (RFC 6376 §3.4.2)
// written plainly: the name lower-cased and trimmed, the value unfolded
// (every CR and LF dropped), each run of WSP turned into one space and
// both ends trimmed.
func refRelaxedHeader(name, value string) string {
	lower := []byte(strings.TrimRight(name, " \t"))
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	name = string(lower)
	var b strings.Builder
	wsp := false
	for i := range len(value) {
		switch c := value[i]; c {
		case '\r', '\n':
		case ' ', '\t':
			wsp = true
		default:
			if wsp && b.Len() > 0 {
				b.WriteByte(' ')
			}
			wsp = false
			b.WriteByte(c)
		}
	}
	return name + ":" + b.String() + "\r\n"
}

// TestCanonicalizeHeaderReference compares relaxed CanonicalizeHeader with
// refRelaxedHeader on pseudo-random values: some of white space, line
// breaks and control bytes, some mostly content with single spaces (the
// plain values taken whole), at every length and offset of a word.
func TestCanonicalizeHeaderReference(t *testing.T) {
	seed := uint64(3)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int((seed >> 33) % uint64(n))
	}
	alphabets := []string{" \t\r\nab\x01!", "abcdefghijklmnop qrstuvw!", "abcdefgh  ijkl\x80\xff"}
	for iter := range 30000 {
		alphabet := alphabets[iter%len(alphabets)]
		v := make([]byte, rnd(80))
		for i := range v {
			v[i] = alphabet[rnd(len(alphabet))]
		}
		if iter%5 == 0 {
			v = append([]byte("  "), v...)
		}
		f := headers.Field{Name: "X-Test", Value: string(v)}
		if got, want := CanonicalizeHeader(Relaxed, f), refRelaxedHeader(f.Name, f.Value); got != want {
			t.Fatalf("%d: relaxed %q = %q, want %q", iter, v, got, want)
		}
	}
}

func FuzzCanonicalizeHeader(f *testing.F) {
	for _, s := range []string{"", " a", "  a  b ", " a\r\n\tb", "\t\r\n a", " Zhang Chen <zhangckid@football.example.com>", " a b c d e f g h i j", " abcdefg  h"} {
		f.Add("Subject", s)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		got := CanonicalizeHeader(Relaxed, headers.Field{Name: name, Value: value})
		if want := refRelaxedHeader(name, value); got != want {
			t.Fatalf("relaxed %q: %q = %q, want %q", name, value, got, want)
		}
	})
}

// canonBody returns the canonical body by brute force, for comparison.
func TestBodyHasher(t *testing.T) {
	for i, tc := range []struct {
		canon, in, want string
	}{
		// RFC 6376 §3.4.6
		0:  {Relaxed, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n"},
		1:  {Simple, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n"},
		2:  {Simple, "", "\r\n"},
		3:  {Relaxed, "", ""},
		4:  {Simple, "\r\n\r\n", "\r\n"},
		5:  {Relaxed, "\r\n \r\n\t\r\n", ""},
		6:  {Simple, "abc", "abc\r\n"},
		7:  {Relaxed, "abc", "abc\r\n"},
		8:  {Simple, "a\nb\n\n", "a\r\nb\r\n"},
		9:  {Relaxed, "a  \nb\t\n\n", "a\r\nb\r\n"},
		10: {Simple, "a\rb", "a\rb\r\n"},
		11: {Simple, "a\r", "a\r\r\n"},
		12: {Relaxed, "\r\n\r\nx", "\r\n\r\nx\r\n"},
		13: {Simple, "  \r\n", "  \r\n"},
		14: {Relaxed, "  \r\nx", "\r\nx\r\n"},
		15: {Relaxed, "a \r b", "a \r b\r\n"},
	} {
		bh := NewBodyHasher(tc.canon, crypto.SHA256, -1)
		bh.Write([]byte(tc.in))
		want := sha256.Sum256([]byte(tc.want))
		assert.Equal(t, want[:], bh.Sum(), "%d: %q", i, tc.in)
		assert.Equal(t, int64(len(tc.want)), bh.Len(), "%d", i)
		// One byte at a time gives the same.
		bh2 := NewBodyHasher(tc.canon, crypto.SHA256, -1)
		for j := 0; j < len(tc.in); j++ {
			bh2.Write([]byte{tc.in[j]})
		}
		assert.Equal(t, want[:], bh2.Sum(), "%d bytewise", i)
	}
}

func TestBodyHasherLimit(t *testing.T) {
	body := strings.Repeat("line of text\r\n", 400)
	for _, limit := range []int64{0, 1, 5, 14, 2047, 2048, 2049, 5000, int64(len(body))} {
		bh := NewBodyHasher(Simple, crypto.SHA256, limit)
		bh.Write([]byte(body))
		want := sha256.Sum256([]byte(body[:limit]))
		assert.Equal(t, want[:], bh.Sum(), "limit %d", limit)
		assert.Equal(t, int64(len(body)), bh.Len())
	}
}

// TestBodyHasherRestoreAllocs checks that restoring a hasher to a saved
// prefix state, the step the Patchwork sweep repeats per ending, allocates
// nothing.
func TestBodyHasherRestoreAllocs(t *testing.T) {
	base := NewBodyHasher(Relaxed, crypto.SHA256, -1)
	base.Write([]byte("Subject line  \r\n\r\nbody\twith tabs \r\n"))
	state, err := base.snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	work := NewBodyHasher(Relaxed, crypto.SHA256, -1)
	ending := []byte("-- \r\n2.49.0\r\n\r\n")
	var sum []byte
	allocs := testing.AllocsPerRun(100, func() {
		if err := work.restore(base, state); err != nil {
			t.Fatal(err)
		}
		work.Write(ending)
		work.finish()
		sum = work.h.Sum(sum[:0])
	})
	if allocs != 0 {
		t.Errorf("restore, write, sum: %v allocations, want 0", allocs)
	}
}

// TestBodyHasherReference compares BodyHasher with refCanonBody on many
// pseudo-random bodies made of the bytes canonicalization cares about,
// written whole and in chunks, so the word-at-a-time paths meet every
// byte at every offset of a word and across Write calls.
//
// Every other body is mostly content with a CRLF or white space now and
// then, so that runs of content long enough for the look-ahead across
// words meet a line break at every offset too.
func TestBodyHasherReference(t *testing.T) {
	seed := uint64(1)
	rnd := func() uint64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return seed >> 33
	}
	for iter := range 40000 {
		alphabet := []byte(" \t\r\nab\x01")
		if iter%4 >= 2 {
			alphabet = []byte("abcdefghijklmnopqrstuvw \r\n")
		}
		body := make([]byte, rnd()%200)
		for i := range body {
			body[i] = alphabet[rnd()%uint64(len(alphabet))]
		}
		for _, canon := range []string{Simple, Relaxed} {
			want := sha256.Sum256(refCanonBody(canon, body))
			h := NewBodyHasher(canon, crypto.SHA256, -1)
			if iter%2 == 0 {
				h.Write(body)
			} else {
				for rest := body; len(rest) > 0; {
					n := min(int(rnd()%24)+1, len(rest))
					h.Write(rest[:n])
					rest = rest[n:]
				}
			}
			if got := h.Sum(); string(got) != string(want[:]) {
				t.Fatalf("%d: %s body %q: sum differs from the reference %q", iter, canon, body, refCanonBody(canon, body))
			}
		}
	}
}
