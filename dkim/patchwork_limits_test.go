package dkim

import (
	"crypto"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/headers"
)

// allocated returns the bytes f allocates and how long it takes.
func allocated(f func()) (uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, d
}

// Hostile stored parts: building the plan costs memory and time bounded
// by the hashing budget, not by the input times the number of endings, and
// what is built still matches.
func TestPWPlanHostileBounded(t *testing.T) {
	list := fields(
		"List-Post", "<mailto:dev@lists.example.org>",
		"List-Subscribe", "<https://lists.example.org/mailman/listinfo/dev>",
		"List-Unsubscribe", "<mailto:dev-leave@lists.example.org>",
	)
	git := headers.Field{Name: "X-Mailer", Value: " git-send-email 2.43.0"}
	qp := headers.Field{Name: "Content-Transfer-Encoding", Value: " quoted-printable"}
	diff := "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n"
	tests := []struct {
		name    string
		fields  []headers.Field
		content string
		diff    string
	}{
		{"10 MB single-line diff", append([]headers.Field{git}, list...),
			"Fix.\n---\n a | 1 +", "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n+" + strings.Repeat("x", 10<<20)},
		{"1 MB \"-- \" tail", list,
			"Hi,\n\nsee below.\n-- \n" + strings.Repeat("sig ", 1<<18), ""},
		{"1 MB \"-- \" tail, quoted-printable", append([]headers.Field{qp}, list...),
			"Hi,\n\nsee below.\n-- \n" + strings.Repeat("sig ", 1<<18), ""},
		{"1 MB X-Mailer", append([]headers.Field{{Name: "X-Mailer", Value: " git-send-email " + strings.Repeat("2.", 1<<19)}}, list...),
			"Fix.\n---\n a | 1 +", diff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &headers.Message{Fields: tt.fields, Patchwork: &headers.Patchwork{Content: tt.content, Diff: tt.diff, HasDiff: tt.diff != ""}}
			var plan *pwPlan
			bytes, took := allocated(func() { plan = newPWPlan(m) })
			t.Logf("plan: %d groups, %.1f MiB allocated, %v", len(plan.groups), float64(bytes)/(1<<20), took)
			assert.Less(t, bytes, uint64(64<<20), "bytes allocated building the plan")
			assert.Less(t, took, 5*time.Second)
			require.NotEmpty(t, plan.groups)

			cands := BodyCandidates(m)
			require.NotEmpty(t, cands)
			for _, c := range cands {
				require.False(t, strings.Contains(c.Label, strings.Repeat("2.", 64)), "a long X-Mailer is no git version")
			}
			want := NewBodyHasher(Relaxed, crypto.SHA256, -1)
			want.Write(cands[0].Body)
			st := &run{m: m}
			mt := st.matchBody(Relaxed, crypto.SHA256, -1, want.Sum())
			require.True(t, mt.ok)
			assert.Equal(t, cands[0].Label, mt.label)
		})
	}
}

// bigPatch is a git patch whose diff has n lines, sent through a Mailman 2
// list (seven footer endings per git version swept) with no X-Mailer.
func bigPatch(n int, extra ...headers.Field) *headers.Message {
	fs := append(fields(
		"List-Post", "<mailto:dev@lists.example.org>",
		"List-Subscribe", "<https://lists.example.org/mailman/listinfo/dev>",
	), extra...)
	diff := "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1,2 @@\n" + strings.Repeat("+a line of code, 32 bytes long.\n", n)
	return &headers.Message{Fields: fs, Patchwork: &headers.Patchwork{Content: "Fix.\n---\n a | 1 +", Diff: diff, HasDiff: true}}
}

// Each combination of canonicalization, hash and l= gets its own budget:
// a signature whose search fails at the bound does not stop another whose
// first candidate matches, in either order.
func TestPWSearchBudgetPerCombination(t *testing.T) {
	m := bigPatch(64 << 10) // 2 MiB: the relaxed sweep reaches the bound
	cands := BodyCandidates(m)
	require.NotEmpty(t, cands)
	want := NewBodyHasher(Simple, crypto.SHA256, -1)
	want.Write(cands[0].Body)
	first, none := want.Sum(), make([]byte, 32)
	sig := &headers.Signature{Domain: "example.com"}
	for _, relaxedFirst := range []bool{true, false} {
		st := &run{m: m}
		failed := func() {
			mt := st.matchBody(Relaxed, crypto.SHA256, -1, none)
			require.False(t, mt.ok)
			require.True(t, mt.limited, "the relaxed search reaches the bound")
			code, _ := st.pwWhy(sig, mt)
			assert.Equal(t, pwWhyHashLimit, code)
		}
		if relaxedFirst {
			failed()
		}
		mt := st.matchBody(Simple, crypto.SHA256, -1, first)
		require.True(t, mt.ok, "relaxed first: %v", relaxedFirst)
		assert.Equal(t, cands[0].Label, mt.label)
		assert.Equal(t, 1, mt.tried)
		if !relaxedFirst {
			failed()
		}
	}

	// At most maxPWSearches combinations are searched for one message.
	st := &run{m: m}
	for i := range maxPWSearches {
		require.False(t, st.matchBody(Simple, crypto.SHA256, int64(i), none).skipped)
	}
	mt := st.matchBody(Simple, crypto.SHA256, 99, none)
	assert.True(t, mt.skipped)
	assert.True(t, mt.limited)
	code, _ := st.pwWhy(sig, mt)
	assert.Equal(t, pwWhyHashLimit, code)
	assert.False(t, st.matchBody(Simple, crypto.SHA256, 1, none).skipped, "a search already made is still answered")
}

// Candidates left out by the bound on building make the reason hash_limit,
// not a claim about the content.
func TestPWWhyDropped(t *testing.T) {
	git := headers.Field{Name: "X-Mailer", Value: " git-send-email 2.43.0"}
	sig := &headers.Signature{Domain: "example.com"}

	// 9 MiB: the layout "\n" between content and diff does not fit. A
	// diff of one 10 MiB line: its every ending repeats the line, and only
	// the first fits.
	oneLine := bigPatch(0, git)
	oneLine.Patchwork.Diff += "+" + strings.Repeat("x", 10<<20) + "\n"
	for _, m := range []*headers.Message{bigPatch(288<<10, git), oneLine} {
		st := &run{m: m}
		mt := st.matchBody(Relaxed, crypto.SHA256, -1, make([]byte, 32))
		require.False(t, mt.ok)
		require.True(t, st.pw.plan.dropped)
		code, why := st.pwWhy(sig, mt)
		assert.Equal(t, pwWhyHashLimit, code, why)
	}

	// Content and diff longer than the budget: nothing is built.
	m := bigPatch(maxPWHashWork/32+1, git)
	require.Zero(t, len(BodyCandidates(m)))
	st := &run{m: m}
	mt := st.matchBody(Relaxed, crypto.SHA256, -1, make([]byte, 32))
	assert.Zero(t, mt.tried)
	code, why := st.pwWhy(sig, mt)
	assert.Equal(t, pwWhyHashLimit, code, why)
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
