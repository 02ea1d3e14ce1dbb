package headers

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// checkAppendBase64 compares appendBase64 with what it replaces,
// base64.StdEncoding.DecodeString(StripWhitespace(v)): the same verdict,
// the same bytes, appended after what dst held, and no more room taken
// than base64.StdEncoding.DecodedLen(len(v)).
func checkAppendBase64(t *testing.T, v string) {
	t.Helper()
	want, err := base64.StdEncoding.DecodeString(StripWhitespace(v))
	prefix := []byte("pre")
	room := base64.StdEncoding.DecodedLen(len(v))
	dst := make([]byte, len(prefix), len(prefix)+room)
	copy(dst, prefix)
	got, ok := appendBase64(dst, v)
	if ok != (err == nil) {
		t.Fatalf("%q: ok %v, encoding/base64 says %v", v, ok, err)
	}
	if !bytes.Equal(got[:len(prefix)], prefix) {
		t.Fatalf("%q: dst's bytes changed to %q", v, got[:len(prefix)])
	}
	if !ok {
		if len(got) != len(prefix) {
			t.Fatalf("%q: failed but appended %q", v, got[len(prefix):])
		}
		return
	}
	if !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%q: got %x, want %x", v, got[len(prefix):], want)
	}
	if &got[0] != &dst[0] {
		t.Fatalf("%q: reallocated dst with room for %d bytes", v, room)
	}
}

// base64Cases are edge cases of base64 text, decoded by
// TestAppendBase64 and seeding FuzzAppendBase64.
var base64Cases = []string{
	"", " ", "\r\n\t ", "=", "==", "===", "====",
	// Lengths 1 to 3 mod 4, with and without padding.
	"d", "dG", "dGV", "dGVz", "dGVzd", "dGVzdA", "dGVzdA=", "dGVzdA==", "dGVzdA===",
	"dGVzdH", "dGVzdHM", "dGVzdHM=", "dGVzdHM==", "dGVzdHMx",
	"d=", "d==", "d===", "dGVzd=", "dGVzd==", "dGVzd===", "dGVzdA=,", "dGVzdHM=x", "dGVzdA==dGVz", "dGVzdHM=dGVz", "dGVzdA==\r\n ", "dGVzdHM= \t",
	// '=' too early or in the middle.
	"=dGV", "d=GV", "dG=V", "dGV=dGVz", "dG==dGVz", "dGVz=", "dGVz==", "dGVz====",
	// White space inside the quanta and inside the padding.
	"dG Vz", "d\tG\rV\nz", " dGVz dA= = ", "dGVzdA=\r\n =", "dGVzdHM\r\n =", "dGVzdA= x",
	"dGVz\r\n dGVz\r\n dGVz\r\n dGVz\r\n dA==",
	// Bits past the last whole byte: not zero ("dGVzdB==", "dGVzdHN="),
	// which StdEncoding, not being strict, accepts.
	"dGVzdB==", "dGVzdH/=", "dGVzdHN=", "//==", "/w==", "/x==", "///=", "////",
	// Bytes outside the alphabet: the URL-safe letters, NUL, DEL, high
	// bytes, a form feed and a vertical tab (white space elsewhere, not FWS).
	"dGV-", "dGV_", "dGV\x00", "\x00", "dGVz\x7f", "dGVz\x80AAA", "\xffAAA", "AAAA\xc3\xa9AA",
	"dG\fVz", "dG\vVz", "dGVz.", "dGVz;",
	// Long enough for the eight-at-a-time path, broken at every offset.
	"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo",
	"QUJDREVGR0hJS\r\n ktMTU5PUFFSU1RVVldYWVo=", "QUJDREVGR0hJSktM*TU5PUFFSU1RVVldYWVo=",
	"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=QUJD", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoa",
}

func TestAppendBase64(t *testing.T) {
	for _, v := range base64Cases {
		checkAppendBase64(t, v)
	}
	// Every byte value in every position of a quantum, and of the
	// eight-letter blocks.
	for c := range 256 {
		for i := range 12 {
			b := []byte("QUJDREVGR0hJ")
			b[i] = byte(c)
			checkAppendBase64(t, string(b))
			checkAppendBase64(t, string(b[:11])+"=")
			checkAppendBase64(t, string(b[:10])+"==")
			checkAppendBase64(t, string(b[:9])+"===")
		}
	}
	// Signature-sized values with folding, whole and cut at each length.
	raw := make([]byte, 256)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	var folded strings.Builder
	for i := 0; i < len(enc); i += 70 {
		folded.WriteString(enc[i:min(i+70, len(enc))])
		folded.WriteString("\r\n ")
	}
	for _, v := range []string{enc, folded.String()} {
		for n := range len(v) + 1 {
			checkAppendBase64(t, v[:n])
		}
	}
}

func FuzzAppendBase64(f *testing.F) {
	for _, v := range base64Cases {
		f.Add(v)
	}
	f.Add(base64.StdEncoding.EncodeToString([]byte("a DKIM signature is 256 bytes or so, more or less")))
	f.Fuzz(checkAppendBase64)
}
