package dkim

import (
	"context"
	"crypto"
	"math/rand/v2"
	"slices"
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
		0: {"plain one line", " [PATCH] fix", nil, 0},
		1: {"Q word", " =?utf-8?q?Thomas_Wei=C3=9Fschuh?= <t@example.org>", []string{
			" =?UTF-8?Q?Thomas_Wei=C3=9Fschuh?= <t@example.org>",
			" =?UTF-8?q?Thomas_Wei=C3=9Fschuh?= <t@example.org>",
			" =?utf-8?Q?Thomas_Wei=C3=9Fschuh?= <t@example.org>",
			" =?UTF-8?Q?Thomas=20Wei=C3=9Fschuh?= <t@example.org>",
			" =?UTF-8?q?Thomas=20Wei=C3=9Fschuh?= <t@example.org>",
			" =?utf-8?Q?Thomas=20Wei=C3=9Fschuh?= <t@example.org>",
			" =?utf-8?q?Thomas=20Wei=C3=9Fschuh?= <t@example.org>",
			" =?UTF-8?B?VGhvbWFzIFdlacOfc2NodWg=?= <t@example.org>",
			" =?UTF-8?b?VGhvbWFzIFdlacOfc2NodWg=?= <t@example.org>",
			" =?utf-8?B?VGhvbWFzIFdlacOfc2NodWg=?= <t@example.org>",
			" =?utf-8?b?VGhvbWFzIFdlacOfc2NodWg=?= <t@example.org>",
			" =?UTF-8?Q?Thomas_Wei=c3=9fschuh?= <t@example.org>",
		}, 12},
		2: {"B word", " =?utf-8?b?w6k=?=", []string{
			" =?UTF-8?B?w6k=?=", " =?UTF-8?b?w6k=?=", " =?utf-8?B?w6k=?=",
			" =?UTF-8?Q?=C3=A9?=", " =?UTF-8?q?=C3=A9?=", " =?utf-8?Q?=C3=A9?=", " =?utf-8?q?=C3=A9?=",
			" =?UTF-8?Q?=c3=a9?=",
		}, 8},
		3: {"split words", " =?utf-8?q?a?=\r\n\t=?utf-8?q?b?=", []string{
			" =?UTF-8?Q?a?=\r\n\t=?UTF-8?Q?b?=", " =?UTF-8?q?a?=\r\n\t=?UTF-8?q?b?=", " =?utf-8?Q?a?=\r\n\t=?utf-8?Q?b?=",
			" =?UTF-8?Q?ab?=", " =?UTF-8?q?ab?=", " =?utf-8?Q?ab?=", " =?utf-8?q?ab?=",
		}, 31},
		4: {"folded", " a,\r\n b", []string{" a, b", " a,\r\n\tb"}, 2},
		5: {"moved to a continuation line", " \r\n <id@example.org>", []string{
			" <id@example.org>", "\r\n <id@example.org>", "  <id@example.org>", " \r\n\t<id@example.org>",
		}, 4},
		6: {"tab fold", " a,\r\n b,\r\n\tc", []string{" a, b,\tc", " a,\r\n\tb,\r\n\tc", " a, b, c"}, 3},
		7: {"not a word", " =?utf-8?x?abc?= =? ?q?a?=", nil, 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := FieldVariants(headers.Field{Name: "Subject", Value: tt.value})
			var got []string
			for _, v := range vs {
				require.Equal(t, "Subject", v.Name)
				got = append(got, v.Value)
			}
			require.Len(t, got, tt.n, "%d: %q", i, got)
			require.Equal(t, tt.want, got[:len(tt.want)], "%d", i)
		})
	}
}

// TestFieldVariantsRecover stores hand-written originals the way Patchwork
// does: each stored value is what Python 3.11's
// make_header(decode_header(v), header_name, continuation_ws="\t").encode()
// writes for the original, as headers.ParsePatchwork makes it a Field
// (printed by tools/pwsim/pw_headers_sim.py --field 'Name: value'). A
// variant must have the original's canonical form under each canon listed.
func TestFieldVariantsRecover(t *testing.T) {
	both := []string{Relaxed, Simple}
	tests := []struct {
		name, field, orig, stored string
		canons                    []string
	}{
		// Join: Python splits a long word at its 76-column fold.
		{"join/Q word split at a fold", "Subject",
			" =?UTF-8?Q?=5BPATCH=5D_drm/panel=3A_support_the_=C3=9Cberpanel_=CE=A9-series_displays_and_their_backlights?=",
			" =?utf-8?q?=5BPATCH=5D_drm/panel=3A_support_the_=C3=9Cberpanel_?=\r\n\t=?utf-8?q?=CE=A9-series_displays_and_their_backlights?=",
			both},
		{"join/B word split at a fold", "From",
			" =?UTF-8?B?0JDQu9C10LrRgdCw0L3QtNGAINCa0L7QvdGB0YLQsNC90YLQuNC90L7QstC40Ycg0JzQtdC90LTQtdC70LXQtdCy?= <a@example.org>",
			" =?utf-8?b?0JDQu9C10LrRgdCw0L3QtNGAINCa0L7QvdGB0YLQsNC90YLQuNC90L7QstC4?=\r\n\t=?utf-8?b?0Ycg0JzQtdC90LTQtdC70LXQtdCy?= <a@example.org>",
			both},
		{"join/git's Q word stored as split B words", "From",
			" =?UTF-8?q?=D0=90=D0=BB=D0=B5=D0=BA=D1=81=D0=B0=D0=BD=D0=B4=D1=80=20=D0=9A=D0=BE=D0=BD=D1=81=D1=82=D0=B0=D0=BD=D1=82=D0=B8=D0=BD=D0=BE=D0=B2=D0=B8=D1=87?= <a@example.org>",
			" =?utf-8?b?0JDQu9C10LrRgdCw0L3QtNGAINCa0L7QvdGB0YLQsNC90YLQuNC90L7QstC4?=\r\n\t=?utf-8?b?0Yc=?= <a@example.org>",
			both},
		// Q<->B: Python picks the shorter for UTF-8.
		{"qb/Q word stored as B", "From",
			" =?UTF-8?Q?Fran=C3=A7oise_Ch=C3=A2telet?= <f@example.org>",
			" =?utf-8?b?RnJhbsOnb2lzZSBDaMOidGVsZXQ=?= <f@example.org>",
			both},
		{"qb/git's Q word stored as B", "From",
			" =?UTF-8?q?Fran=C3=A7oise=20Ch=C3=A2telet?= <f@example.org>",
			" =?utf-8?b?RnJhbsOnb2lzZSBDaMOidGVsZXQ=?= <f@example.org>",
			both},
		{"qb/B word stored as Q", "From",
			" =?UTF-8?B?R3JldGUgTnXDn2JhdW0=?= <g@example.org>",
			" =?utf-8?q?Grete_Nu=C3=9Fbaum?= <g@example.org>",
			both},
		// Hex case: Thunderbird's =?UTF-8?Q? with lower-case hex digits.
		{"hex/stored as Q", "From",
			" =?UTF-8?Q?Ren=c3=a9_Dupont-Lefebvre?= <r@example.org>",
			" =?utf-8?q?Ren=C3=A9_Dupont-Lefebvre?= <r@example.org>",
			both},
		{"hex/stored as B", "From",
			" =?UTF-8?Q?Fr=c3=a9d=c3=a9ric_Dupont?= <f@example.org>",
			" =?utf-8?b?RnLDqWTDqXJpYyBEdXBvbnQ=?= <f@example.org>",
			both},
		// Fold: what simple canonicalization sees of Python's refolding.
		{"fold/value moved to a continuation line", "Message-ID",
			" <20240101120000.12345-1-someone.with.a.rather.long.name@mail.subdomain.example.org>",
			" \r\n <20240101120000.12345-1-someone.with.a.rather.long.name@mail.subdomain.example.org>",
			[]string{Simple}},
		{"fold/folded after the colon", "In-Reply-To",
			"\r\n <20240101120000.12345-1-someone.with.a.rather.long.name@mail.subdomain.example.org>",
			" \r\n <20240101120000.12345-1-someone.with.a.rather.long.name@mail.subdomain.example.org>",
			[]string{Simple}},
		{"fold/tab fold before an encoded word", "Cc",
			" Alice Example <alice@example.org>, Bob Example <bob@example.org>, =?utf-8?q?Ren=C3=A9_Dupont-Lefebvre?= <r@example.org>",
			" Alice Example <alice@example.org>, Bob Example <bob@example.org>,\r\n\t=?utf-8?q?Ren=C3=A9_Dupont-Lefebvre?= <r@example.org>",
			[]string{Simple}},
		{"fold/tab fold and case", "Cc",
			" Alice Example <alice@example.org>, Bob Example <bob@example.org>, =?UTF-8?Q?Ren=C3=A9_Dupont-Lefebvre?= <r@example.org>",
			" Alice Example <alice@example.org>, Bob Example <bob@example.org>,\r\n\t=?utf-8?q?Ren=C3=A9_Dupont-Lefebvre?= <r@example.org>",
			both},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := headers.Field{Name: tt.field, Value: tt.orig}
			stored := headers.Field{Name: tt.field, Value: tt.stored}
			vs := FieldVariants(stored)
			for _, canon := range tt.canons {
				want := CanonicalizeHeader(canon, orig)
				require.NotEqual(t, want, CanonicalizeHeader(canon, stored), "%s: storage changed nothing", canon)
				found := slices.ContainsFunc(vs, func(v headers.Field) bool { return CanonicalizeHeader(canon, v) == want })
				assert.True(t, found, "%s: no variant of %q is %q", canon, tt.stored, want)
			}
		})
	}
}

// What Python loses cannot be given back: two words it joined into one
// (the split point is gone), and Q escapes other than its own.
func TestFieldVariantsLimits(t *testing.T) {
	for _, tt := range []struct{ orig, stored string }{
		{" =?utf-8?q?caf=C3=A9?= =?utf-8?q?_cr=C3=A8me?=", " =?utf-8?b?Y2Fmw6kgY3LDqG1l?="},
		{" =?UTF-8?Q?[PATCH]_caf=C3=A9?=", " =?utf-8?b?W1BBVENIXSBjYWbDqQ==?="},
	} {
		want := CanonicalizeHeader(Relaxed, headers.Field{Name: "Subject", Value: tt.orig})
		for _, v := range FieldVariants(headers.Field{Name: "Subject", Value: tt.stored}) {
			assert.NotEqual(t, want, CanonicalizeHeader(Relaxed, v), tt.orig)
		}
	}
}

// The rules' pieces on what they must leave alone.
func TestFieldVariantRules(t *testing.T) {
	join := func(v string) string {
		j, _ := pwJoinWords(v, pwEncodedWords(v))
		return j
	}
	// Only runs of one charset and encoding with white space between.
	assert.Equal(t, " =?a?q?xy?= =?b?q?z?=", join(" =?a?q?x?=\r\n\t=?A?Q?y?= =?b?q?z?="))
	assert.Equal(t, " =?a?q?x?= - =?a?q?y?= =?a?b?eg==?=", join(" =?a?q?x?= - =?a?q?y?= =?a?b?eg==?="))
	assert.Equal(t, " =?a?b?eHk=?= (=?a?b?!!?= =?a?b?eg==?=)", join(" =?a?b?eA==?= =?a?b?eQ==?= (=?a?b?!!?= =?a?b?eg==?=)"))

	reencode := func(v string, toQ bool) string {
		r, _ := pwReencode(v, pwEncodedWords(v), toQ)
		return r
	}
	// A word already in the encoding is left as it is.
	assert.Equal(t, " =?a?q?x_y?= =?a?q?=00=ff-!*+/=3D=3F=5F=2E=09?=",
		reencode(" =?a?b?eCB5?= =?a?q?=00=ff-!*+/=3D=3F=5F=2E=09?=", true))
	assert.Equal(t, " =?a?q?=00=FF-!*+/=3D=3F=5F=2E=09_?=", reencode(" =?a?b?AP8tISorLz0/Xy4JIA==?=", true))
	assert.Equal(t, " =?a?b?eCB5?= =?a?b?AP8tISorLz0/Xy4J?=",
		reencode(" =?a?b?eCB5?= =?a?q?=00=ff-!*+/=3D=3F=5F=2E=09?=", false))
	_, ok := pwReencode(" =?a?q?=4?=", pwEncodedWords(" =?a?q?=4?="), false)
	assert.False(t, ok, "a Q text that does not decode")

	lower := func(v string) (string, bool) { return pwLowerHex(v, pwEncodedWords(v)) }
	h, ok := lower(" =?utf-8?q?=C3=A9=20?= =?utf-8?b?w6k=?=")
	assert.True(t, ok)
	assert.Equal(t, " =?UTF-8?Q?=c3=a9=20?= =?UTF-8?B?w6k=?=", h)
	_, ok = lower(" =?utf-8?q?=20?=")
	assert.False(t, ok, "no hex letters: nothing new")
}

// TestVerifyPatchworkRespelled signs a message whose From Patchwork stores
// re-encoded (Q as B), and checks that Verify finds the original spelling
// through the loopback DNS server: relaxed, and simple with a Message-ID
// Patchwork moved to a continuation line as well.
func TestVerifyPatchworkRespelled(t *testing.T) {
	const (
		from       = "=?UTF-8?Q?=C5=81ukasz_Hawry=C5=82ko?= <l@example.org>"
		fromStored = "=?utf-8?b?xYF1a2FzeiBIYXdyecWCa28=?= <l@example.org>"
		msgID      = "<20240101120000.12345-1-someone.with.a.rather.long.name@mail.subdomain.example.org>"
	)
	key := loadKey(t, "rsa2048.pem")
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	raw := crlf(strings.Replace(pwMail, "From: Joe <joe@example.org>\n", "From: "+from+"\nMessage-ID: "+msgID+"\n", 1))
	for _, tc := range []struct {
		canon string
		want  []string
	}{
		{"relaxed/relaxed", []string{"From"}},
		{"simple/simple", []string{"From", "Message-ID"}},
	} {
		t.Run(tc.canon, func(t *testing.T) {
			signed := testSign(t, raw, signSpec{key: key, canon: tc.canon, headers: "from:to:subject:date:message-id"})
			m := patchworkJSON(t, signed, pwCommit, pwDiff, func(h map[string]string) {
				h["From"] = fromStored
				h["Message-ID"] = "\n " + msgID
			})
			res, err := v.Verify(context.Background(), m)
			require.NoError(t, err)
			require.Len(t, res, 1)
			r := res[0]
			assert.Equal(t, CheckPass, r.HeaderSignature, r.Detail)
			assert.Equal(t, tc.want, r.Respelled)
			assert.Equal(t, StatusPass, r.Status, r.Detail)
		})
	}
}

// A hostile field value: encoded words that never close, or close only at
// the end of a megabyte, cost time in proportion to the value. Each value
// is timed whole and at a quarter of its length, and the whole must take
// less than eight times as long (about four when linear, sixteen when
// quadratic): a ratio holds on a slow machine and under the race detector,
// where a fixed time limit did not.
func TestFieldVariantsLinear(t *testing.T) {
	for name, v := range map[string]func(n int) string{
		"no closing":      func(n int) string { return strings.Repeat("=?a?q?x ", n) },
		"closing at end":  func(n int) string { return strings.Repeat("=?a?q?x ", n) + "?=" },
		"no white space":  func(n int) string { return strings.Repeat("=?a?q?xx", n) + " ?=" },
		"starts only":     func(n int) string { return strings.Repeat("=?", 4*n) },
		"charset unended": func(n int) string { return strings.Repeat("=?aaaaaa", n) },
		"B words to join": func(n int) string { return strings.Repeat("=?a?b?w6k=?=\r\n\t", n/2) },
		"Q words to join": func(n int) string { return strings.Repeat("=?a?q?=c3=a9_?= ", n/2) },
		"one long B word": func(n int) string { return "=?a?b?" + strings.Repeat("w6kg", 2*n) + "?=" },
		"folds":           func(n int) string { return "\r\n " + strings.Repeat("=?a?q?x?=\r\n\t", n/2) },
	} {
		elapsed := func(n int) time.Duration {
			f := headers.Field{Name: "Subject", Value: " " + v(n)}
			start := time.Now()
			FieldVariants(f)
			return time.Since(start)
		}
		const n = 1 << 17
		elapsed(n / 4) // warm up
		quarter, whole := elapsed(n/4), elapsed(n)
		assert.Less(t, whole, 8*quarter+50*time.Millisecond, "%s: %v for a quarter, %v whole", name, quarter, whole)
	}
}

// searchVariants skips variants that canonicalize like the stored field
// or an earlier variant: under relaxed, refoldings cost no verification.
func TestSearchVariantsCanonical(t *testing.T) {
	signed := fields(
		"To", "a@example.org,\r\n b@example.org",
		"Subject", "=?utf-8?q?caf=C3=A9?=\r\n\t=?utf-8?q?_fix?=",
	)
	never := func([]headers.Field) bool { return false }
	distinct := func(canon string, f headers.Field) int {
		seen := map[string]bool{CanonicalizeHeader(canon, f): true}
		for _, v := range FieldVariants(f) {
			seen[CanonicalizeHeader(canon, v)] = true
		}
		return len(seen) - 1
	}
	for _, canon := range []string{Relaxed, Simple} {
		t.Run(canon, func(t *testing.T) {
			var tried []string
			respelled, altered, tries := searchVariants(canon, signed, 1<<20, func(trial []headers.Field) bool {
				tried = append(tried, CanonicalizeHeader(canon, trial[0])+CanonicalizeHeader(canon, trial[1]))
				return false
			})
			assert.Nil(t, respelled)
			assert.Len(t, tried, tries)
			assert.Len(t, slices.Compact(slices.Sorted(slices.Values(tried))), tries, "a canonical form tried twice")
			nTo, nSubject := distinct(canon, signed[0]), distinct(canon, signed[1])
			if canon == Relaxed {
				// The To field has only refoldings: nothing to try.
				assert.Zero(t, nTo)
				assert.Equal(t, []string{"Subject"}, altered)
				assert.Equal(t, nSubject, tries)
			} else {
				assert.Equal(t, []string{"To", "Subject"}, altered)
				assert.Equal(t, nTo+nSubject+nTo*nSubject, tries)
			}
			_, _, budgeted := searchVariants(canon, signed, 5, never)
			assert.Equal(t, 5, budgeted)
		})
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
		if before < maxVariantTriesMessage {
			assert.Len(t, altered, 3, "signature %d", i)
		} else {
			assert.Nil(t, altered, "signature %d: budget spent, no variants built", i)
		}
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
		if len(vs) > maxFieldVariants {
			t.Fatalf("%d variants", len(vs))
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if seen[v.Value] {
				t.Fatalf("variant %q twice", v.Value)
			}
			seen[v.Value] = true
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
