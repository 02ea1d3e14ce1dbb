package dkim

import (
	"context"
	"crypto"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/headers"
)

// A git-send-email patch as mailed, and the two parts Patchwork stores.
const (
	pwCommit = "Fix the frobnicator.\n\nSigned-off-by: Joe <joe@example.org>\n---\n" +
		" foo.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)"
	pwDiff = "diff --git a/foo.c b/foo.c\nindex 1111111..2222222 100644\n--- a/foo.c\n+++ b/foo.c\n" +
		"@@ -1 +1 @@\n-old\n+new\n"
	pwMail = "From: Joe <joe@example.org>\n" +
		"To: list@example.net\n" +
		"Subject: =?UTF-8?Q?caf=C3=A9?= fix\n" +
		"Date: Fri, 17 Apr 2026 12:00:00 +0000\n" +
		"X-Mailer: git-send-email 2.49.0\n" +
		"\n" + pwCommit + "\n\n" + pwDiff + "-- \n2.49.0\n\n"
)

// patchworkJSON turns a raw message into the object Patchwork's API
// returns: header values without the leading space and CR, and the body
// given as content and diff.
func patchworkJSON(t *testing.T, raw, content, diff string, edit func(h map[string]string)) *headers.Message {
	t.Helper()
	m := parse(t, raw)
	h := map[string]string{}
	for _, f := range m.Fields {
		h[f.Name] = strings.ReplaceAll(strings.TrimPrefix(f.Value, " "), "\r\n", "\n")
	}
	if edit != nil {
		edit(h)
	}
	b, err := json.Marshal(map[string]any{"id": 1, "headers": h, "content": content, "diff": diff})
	require.NoError(t, err)
	pm, err := headers.ParsePatchwork(b, "test.json")
	require.NoError(t, err)
	return pm
}

func TestVerifyPatchwork(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	signed := testSign(t, crlf(pwMail), signSpec{key: key, headers: "from:to:subject:date:x-mailer"})
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	lowerSubject := func(h map[string]string) { h["Subject"] = "=?utf-8?q?caf=C3=A9?= fix" }

	verify := func(t *testing.T, m *headers.Message) Result {
		t.Helper()
		res, err := v.Verify(context.Background(), m)
		require.NoError(t, err)
		require.Len(t, res, 1)
		return res[0]
	}
	t.Run("rebuilt", func(t *testing.T) {
		r := verify(t, patchworkJSON(t, signed, pwCommit, pwDiff, nil))
		assert.Equal(t, StatusPass, r.Status, r.Detail)
		assert.Equal(t, "rebuilt", r.BodySource)
		assert.NotEmpty(t, r.BodyCandidate)
		assert.Empty(t, r.Respelled)
	})
	t.Run("respelled", func(t *testing.T) {
		r := verify(t, patchworkJSON(t, signed, pwCommit, pwDiff, lowerSubject))
		assert.Equal(t, StatusPass, r.Status, r.Detail)
		assert.Equal(t, []string{"Subject"}, r.Respelled)
		assert.NotEmpty(t, r.Warnings)
	})
	t.Run("altered", func(t *testing.T) {
		r := verify(t, patchworkJSON(t, signed, pwCommit, pwDiff, func(h map[string]string) {
			h["Subject"] = "=?utf-8?q?caf=C3=A9?= break"
		}))
		assert.Equal(t, StatusFail, r.Status)
		require.ErrorIs(t, r.Err, ErrHeaderAltered)
		require.ErrorIs(t, r.Err, ErrBadSignature)
		assert.Equal(t, ReasonHeaderAltered, r.Reason)
		assert.Contains(t, r.Detail, "Subject")
	})
	t.Run("content-changed", func(t *testing.T) {
		r := verify(t, patchworkJSON(t, signed, strings.Replace(pwCommit, "frobnicator", "widget", 1), pwDiff, nil))
		assert.Equal(t, StatusNeutral, r.Status, r.Detail)
		require.ErrorIs(t, r.Err, ErrBodyUnchecked)
		assert.Equal(t, CheckPass, r.HeaderSignature)
		assert.Equal(t, CheckUnchecked, r.Body)
		assert.Contains(t, r.Detail, "rebuilt bodies")
	})
	t.Run("header-changed", func(t *testing.T) {
		// No signed field has a re-spelling Patchwork could have made.
		r := verify(t, patchworkJSON(t, signed, pwCommit, pwDiff, func(h map[string]string) { h["Subject"] = "plain" }))
		assert.Equal(t, StatusFail, r.Status)
		require.ErrorIs(t, r.Err, ErrBadSignature)
		assert.Equal(t, ReasonBadSignature, r.Reason)
	})
}

// TestVerifyPatchworkSample checks the real Patchwork patch of
// ../shared/samples: its gmail key is not available offline, but the
// rebuilt body must still match bh=.
func TestVerifyPatchworkSample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedDir, "samples", "patchwork-2221996.json"))
	if err != nil {
		t.Skip("../shared not present: ", err)
	}
	m, err := headers.ParsePatchwork(b, "patchwork-2221996.json")
	require.NoError(t, err)
	v := newVerifier(t, "")
	res, err := v.Verify(context.Background(), m)
	require.NoError(t, err)
	require.Len(t, res, 1)
	r := res[0]
	assert.Equal(t, StatusPermerror, r.Status)
	require.ErrorIs(t, r.Err, ErrKeyMissing)
	assert.Equal(t, CheckPass, r.Body)
	assert.Equal(t, CheckUnchecked, r.HeaderSignature)
	assert.Equal(t, "rebuilt", r.BodySource)
	assert.NotEmpty(t, r.BodyCandidate)
	assert.Equal(t, "gmail.com", r.Domain)
}

// A rebuilt body under l=: every candidate sharing the first l bytes
// matches, so what follows them is not known from the archive. pass only
// when the matching candidate ends at l; else policy, without a body
// length the archive cannot tell.
func TestVerifyPatchworkLength(t *testing.T) {
	key := loadKey(t, "rsa2048.pem")
	v := newVerifier(t, txtZone("sel._domainkey.example.org", keyRecord(t, key, "")))
	bh := NewBodyHasher(Relaxed, crypto.SHA256, -1)
	bh.Write([]byte(crlf(pwMail[strings.Index(pwMail, "\n\n")+2:])))
	bh.Sum()
	whole := bh.Len()
	for _, tc := range []struct {
		name   string
		length int64
		want   Status
	}{
		{"l= the whole body", whole, StatusPass},
		{"l= part of it", 50, StatusPolicy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := testSign(t, crlf(pwMail), signSpec{key: key, headers: "from:to:subject:date:x-mailer", length: tc.length})
			res, err := v.Verify(context.Background(), patchworkJSON(t, signed, pwCommit, pwDiff, nil))
			require.NoError(t, err)
			require.Len(t, res, 1)
			r := res[0]
			assert.Equal(t, tc.want, r.Status, r.Detail)
			assert.Equal(t, CheckPass, r.Body)
			assert.Equal(t, "rebuilt", r.BodySource)
			assert.True(t, slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "not known from the archive") }), "warnings %q", r.Warnings)
			if tc.want == StatusPolicy {
				require.ErrorIs(t, r.Err, ErrBodyLengthLimit)
				assert.Equal(t, ReasonBodyLengthLimit, r.Reason)
				for _, s := range append([]string{r.Detail}, r.Warnings...) {
					assert.NotContains(t, s, strconv.FormatInt(whole, 10), "a body length past l= is a guess")
				}
			}
		})
	}
}

// A git format-patch mail sent without X-Mailer to a Mailman 2 list that
// appended its footer and signed the result: the git version is found by
// the sweep and the footer rebuilt from the list's fields.
func TestPWSweepWithFooter(t *testing.T) {
	const (
		commit = "Fix the frobnicator.\n\nSigned-off-by: Joe <joe@example.org>\n---\n foo.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)"
		diff   = "diff --git a/foo.c b/foo.c\nindex 1111111..2222222 100644\n--- a/foo.c\n+++ b/foo.c\n@@ -1 +1 @@\n-old\n+new\n"
		footer = "_______________________________________________\nwidgets mailing list\nwidgets@lists.example.org\nhttps://lists.example.org/mailman/listinfo/widgets\n"
	)
	fs := fields(
		"Date", "Tue, 13 Jun 2023 10:00:00 +0000",
		"List-Post", "<mailto:widgets@lists.example.org>",
		"List-Subscribe", "<https://lists.example.org/mailman/listinfo/widgets>",
	)
	m := &headers.Message{Fields: fs, Patchwork: &headers.Patchwork{Content: commit, Diff: diff, HasDiff: true}}
	for _, tc := range []struct {
		body, label string
	}{
		{commit + "\n\n" + diff + "-- \n2.39.2\n\n" + footer, `content+"\n\n"+diff+sig(guessed "2.39.2")+"\n"+footer(mailman2)`},
		{commit + "\n\n" + diff + "-- \n2.34.1.windows.1\n\n\n" + footer, `content+"\n\n"+diff+sig(guessed "2.34.1.windows.1")+"\n\n"+footer(mailman2)`},
		{commit + "\n\n" + diff + "-- \n2.40.0\n", `content+"\n\n"+diff+sig(guessed "2.40.0")`},
	} {
		want := NewBodyHasher(Relaxed, crypto.SHA256, -1)
		want.Write([]byte(tc.body))
		st := &run{m: m}
		mt := st.matchBody(Relaxed, crypto.SHA256, -1, want.Sum())
		require.True(t, mt.ok, "%q: %d tried", tc.label, mt.tried)
		assert.Equal(t, tc.label, mt.label)
		assert.Less(t, st.pw.work, int64(maxPWHashWork))
	}

	// No candidate: every version tried, and the reason says so.
	st := &run{m: m}
	mt := st.matchBody(Relaxed, crypto.SHA256, -1, make([]byte, 32))
	require.False(t, mt.ok)
	assert.False(t, mt.limited)
	assert.Greater(t, mt.tried, len(st.pw.plan.versions))
	code, why := st.pwWhy(&headers.Signature{Domain: "example.com"}, mt)
	assert.Equal(t, pwWhyGitVersion, code, why)
	code, _ = st.pwWhy(&headers.Signature{Domain: "Example.ORG"}, mt)
	assert.Equal(t, pwWhyListFooter, code, "the list's parent domain signed")

	// A second signature with the same canonicalization reuses the hashes.
	work := st.pw.work
	st.matchBody(Relaxed, crypto.SHA256, -1, make([]byte, 32))
	assert.Equal(t, work, st.pw.work)

	// The bound on work stops the search and says so.
	st = &run{m: m}
	st.matchBody(Simple, crypto.SHA256, 4, make([]byte, 32)) // another search: its own budget
	s := newPWSums(st.pw.plan, Simple, crypto.SHA256, -1)
	s.work = maxPWHashWork - 4*pwEndingCost
	st.pw.sums = append(st.pw.sums, s)
	mt = st.matchBody(Simple, crypto.SHA256, -1, make([]byte, 32))
	require.False(t, mt.ok)
	assert.True(t, mt.limited)
	code, _ = st.pwWhy(&headers.Signature{Domain: "example.com"}, mt)
	assert.Equal(t, pwWhyHashLimit, code)
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
