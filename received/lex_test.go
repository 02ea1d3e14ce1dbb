package received

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The lexer learns whether the parentheses balance while it lexes; it must
// agree with a plain depth count.
func TestLexerBalanced(t *testing.T) {
	for _, s := range []string{
		"",
		"from a (b [1.2.3.4]) by c; Fri, 10 Apr 2026 11:05:27 -0400",
		"from a (b (c) d) by e",
		"from a (b by c",
		"from a b) by c",
		") (",
		"((((",
		"))))",
		`"(" )`,
		`"(" a`,
		`x ")" (`,
		`"a(b)c"`,
		`"unclosed ( quote`,
		"<a(b> [c)d] (e<f) g",
	} {
		l := newLexer(s)
		l.lex(nil)
		assert.Equal(t, balanced(s), l.balanced(), "%q", s)
	}
}

func FuzzLexer(f *testing.F) {
	for _, s := range []string{"(a (b) c", `"(" )`, "a) (b", "[x] <y> \"z\" (w)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := newLexer(s)
		toks := l.lex(nil)
		if got, want := l.balanced(), balanced(s); got != want {
			t.Fatalf("balanced() = %v, depth count says %v", got, want)
		}
		for _, tk := range toks {
			if tk.start < 0 || int(tk.end) > len(s) || tk.start >= tk.end {
				t.Fatalf("token %+v out of range", tk)
			}
			if tk.kind == tokComment && !balanced(tk.text) {
				t.Fatalf("comment %q does not nest", tk.text)
			}
		}
	})
}
