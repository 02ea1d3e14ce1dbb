package dkim

import (
	"crypto"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/headers"
)

func TestFieldVariants(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string // the first variants, in order
		n     int      // how many in all
	}{
		{"plain one line", " [PATCH] fix", nil, 0},
		{"Q word", " =?utf-8?q?Thomas_Wei=C3=9Fschuh?= <t@example.org>", []string{
			" =?UTF-8?Q?Thomas_Wei=C3=9Fschuh?= <t@example.org>",
			" =?UTF-8?q?Thomas_Wei=C3=9Fschuh?= <t@example.org>",
			" =?utf-8?Q?Thomas_Wei=C3=9Fschuh?= <t@example.org>",
			" =?UTF-8?Q?Thomas=20Wei=C3=9Fschuh?= <t@example.org>",
		}, 7},
		{"B word", " =?utf-8?b?w6k=?=", []string{" =?UTF-8?B?w6k=?=", " =?UTF-8?b?w6k=?=", " =?utf-8?B?w6k=?="}, 3},
		{"folded", " a,\r\n b", []string{" a, b", " a,\r\n\tb"}, 2},
		{"not a word", " =?utf-8?x?abc?= =? ?q?a?=", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := FieldVariants(headers.Field{Name: "Subject", Value: tt.value})
			require.Len(t, vs, tt.n)
			for i, w := range tt.want {
				require.Equal(t, "Subject", vs[i].Name)
				require.Equal(t, w, vs[i].Value, "variant %d", i)
			}
		})
	}
}

// A hostile field value: encoded words that never close, or close only at
// the end of a megabyte, cost time in proportion to the value.
func TestFieldVariantsLinear(t *testing.T) {
	for name, v := range map[string]string{
		"no closing":      strings.Repeat("=?a?q?x ", 1<<17),
		"closing at end":  strings.Repeat("=?a?q?x ", 1<<17) + "?=",
		"no white space":  strings.Repeat("=?a?q?xx", 1<<17) + " ?=",
		"starts only":     strings.Repeat("=?", 1<<19),
		"charset unended": strings.Repeat("=?aaaaaa", 1<<17),
	} {
		start := time.Now()
		FieldVariants(headers.Field{Name: "Subject", Value: " " + v})
		assert.Less(t, time.Since(start), 2*time.Second, name)
	}
}

// pwEncodedWords finds what a plain scan for each word finds.
func TestPWEncodedWordsReference(t *testing.T) {
	// ref is the search written plainly: from each "=?", the word it
	// starts, if any.
	ref := func(v string) []pwWord {
		var out []pwWord
		for i := 0; i+1 < len(v); {
			j := strings.Index(v[i:], "=?")
			if j < 0 {
				break
			}
			s := i + j
			rest := v[s+2:]
			q1 := strings.IndexByte(rest, '?')
			if q1 <= 0 || q1+2 >= len(rest) || rest[q1+2] != '?' || !strings.ContainsAny(rest[q1+1:q1+2], "qQbB") {
				i = s + 2
				continue
			}
			body := rest[q1+3:]
			e := strings.Index(body, "?=")
			if e < 0 || strings.ContainsAny(body[:e], " \t\r\n") || strings.ContainsAny(rest[:q1], " \t\r\n") {
				i = s + 2
				continue
			}
			w := pwWord{start: s, charset: rest[:q1], enc: rest[q1+1 : q1+2], text: body[:e],
				charsetOff: s + 2, encOff: s + 3 + q1, textOff: s + 5 + q1}
			w.end = w.textOff + e + 2
			out = append(out, w)
			i = w.end
		}
		return out
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "=??qQbxa \t\r\n_"
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		require.Equal(t, ref(string(b)), pwEncodedWords(string(b)), "%q", b)
	}
}

// The re-spellings tried for the header signature are bounded per
// message, not only per signature.
func TestTryVariantsMessageBound(t *testing.T) {
	key, err := ParseKey(keyRecord(t, loadKey(t, "rsa2048.pem"), ""))
	require.NoError(t, err)
	signed := fields(
		"From", "=?utf-8?q?Ren=C3=A9_X?= <r@example.org>",
		"To", "=?utf-8?q?A_B?= <a@example.org>,\r\n =?utf-8?q?C_D?= <c@example.org>",
		"Subject", "=?utf-8?q?caf=C3=A9_fix?=",
	)
	sigField := headers.Field{Name: "DKIM-Signature", Value: " v=1; b="}
	st := &run{m: &headers.Message{Patchwork: &headers.Patchwork{}}}
	for i := range 6 {
		before := st.pw.variantTries
		respelled, altered := st.tryVariants(crypto.SHA256, Relaxed, signed, sigField, key, make([]byte, 256))
		assert.Nil(t, respelled)
		assert.Len(t, altered, 3)
		assert.LessOrEqual(t, st.pw.variantTries-before, maxVariantTries, "signature %d", i)
	}
	assert.Equal(t, maxVariantTriesMessage, st.pw.variantTries)
}

func FuzzFieldVariants(f *testing.F) {
	f.Add("Subject", " =?utf-8?q?Fix_the_caf=C3=A9?=\r\n =?utf-8?b?w6k=?= tail")
	f.Add("From", " =?=?x?q?a?= =??q??= =?utf-8?Q?\r\n\t?=")
	f.Add("To", " a,\r\n b,\r\n\tc")
	f.Fuzz(func(t *testing.T, name, value string) {
		vs := FieldVariants(headers.Field{Name: name, Value: value})
		if len(vs) > 16 {
			t.Fatalf("%d variants", len(vs))
		}
		for _, v := range vs {
			if v.Name != name {
				t.Fatalf("name changed: %q", v.Name)
			}
			if v.Value == value {
				t.Fatal("variant equals the original")
			}
			if len(v.Value) > 3*len(value)+16 {
				t.Fatalf("variant of %d bytes from %d", len(v.Value), len(value))
			}
		}
	})
}
