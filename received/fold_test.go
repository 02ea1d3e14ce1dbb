package received

import (
	"strings"
	"testing"
)

// equalFold must agree with strings.EqualFold for the ASCII literals the
// parser compares against, including the two non-ASCII runes that fold to
// ASCII letters.
func TestEqualFold(t *testing.T) {
	lits := []string{"tls", "ssl:", "by", "from", "envelope-sender", "authenticated", "unknown", "Exim ", "ask", ""}
	inputs := []string{
		"", "t", "tls", "TLS", "tLs", "tlsx", "tl", "ssl:", "SSL:", "ſsl:", "ſſl:", "\u212Aa", "aſk", "aſ\u212A",
		"BY", "By", "bY", "b\xff", "\xff\xff", "FROM", "from ", "Envelope-Sender", "envelope-ſender",
		"authenticated", "AUTHENTICATED", "unknown", "UNKNOWN", "exim ", "EXIM ", "a\u212A", "a\u212a",
	}
	for _, lit := range lits {
		for _, s := range inputs {
			if got, want := equalFold(s, lit), strings.EqualFold(s, lit); got != want {
				t.Errorf("equalFold(%q, %q) = %v, strings.EqualFold says %v", s, lit, got, want)
			}
		}
	}
}

func FuzzEqualFold(f *testing.F) {
	f.Add("ſsl:", "ssl:")
	f.Add("TLS", "tls")
	f.Fuzz(func(t *testing.T, s, lit string) {
		for i := 0; i < len(lit); i++ {
			if lit[i] >= 0x80 {
				return
			}
		}
		if got, want := equalFold(s, lit), strings.EqualFold(s, lit); got != want {
			t.Fatalf("equalFold(%q, %q) = %v, strings.EqualFold says %v", s, lit, got, want)
		}
	})
}
