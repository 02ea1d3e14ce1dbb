package received

import (
	"strings"
	"testing"
)

var foldInputs = []string{
	"", "t", "tls", "TLS", "tLs", "tlsx", "tl", "ssl:", "SSL:", "ſsl:", "ſſl:", "\u212Aa", "aſk", "aſ\u212A",
	"BY", "By", "bY", "b\xff", "\xff\xff", "FROM", "from ", "Envelope-Sender", "envelope-ſender",
	"authenticated", "AUTHENTICATED", "unknown", "UNKNOWN", "exim ", "EXIM ", "a\u212A", "a\u212a",
	"ESMTPS", "esmtpſ", "ESMTPSA", "http", "HTTPſ", "\xc5", "\xe2\x84", "\xc5\xbfx",
	strings.Repeat("ſ", 40), strings.Repeat("s", 40),
}

var foldLits = []string{"tls", "ssl:", "by", "from", "envelope-sender", "authenticated", "unknown", "Exim ", "ask", "esmtps", "https", "s", ""}

// The fold helpers must agree with strings.EqualFold for the ASCII
// keywords the parser compares against, including the two non-ASCII runes
// that fold to ASCII letters.
func TestFoldHelpers(t *testing.T) {
	for _, lit := range foldLits {
		for _, s := range foldInputs {
			checkFold(t, s, lit)
		}
	}
}

func checkFold(t *testing.T, s, lit string) {
	t.Helper()
	want := strings.EqualFold(s, lit)
	if got := equalFold(s, lit); got != want {
		t.Errorf("equalFold(%q, %q) = %v, strings.EqualFold says %v", s, lit, got, want)
	}
	var b keyBuf
	if got := string(foldKey(&b, s)) == strings.ToLower(lit) && lit != ""; got != (want && lit != "") {
		t.Errorf("foldKey(%q) == %q is %v, strings.EqualFold says %v", s, lit, got, want)
	}
	if len(s) >= len(lit) {
		want := strings.EqualFold(s[:len(lit)], lit)
		if got := hasPrefixFold(s, lit); got != want {
			t.Errorf("hasPrefixFold(%q, %q) = %v, strings.EqualFold says %v", s, lit, got, want)
		}
	}
}

func FuzzFold(f *testing.F) {
	f.Add("ſsl:", "ssl:")
	f.Add("TLS", "tls")
	f.Add("\u212Aa", "ka")
	f.Fuzz(func(t *testing.T, s, lit string) {
		for i := 0; i < len(lit); i++ {
			if lit[i] >= 0x80 {
				return
			}
		}
		checkFold(t, s, lit)
	})
}
