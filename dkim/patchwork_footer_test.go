package dkim

import (
	"crypto"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/headers"
)

func fields(kv ...string) []headers.Field {
	var out []headers.Field
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, headers.Field{Name: kv[i], Value: " " + kv[i+1]})
	}
	return out
}

// gg is the current Google Groups footer, written out.
func gg(group, domain, url string) string {
	return "-- \n" +
		`You received this message because you are subscribed to the Google Groups "` + group + `" group.` + "\n" +
		"To unsubscribe from this group and stop receiving emails from it, send an email to " + group + "+unsubscribe@" + domain + ".\n" +
		"To view this discussion on the web visit " + url + "\n"
}

// The footer templates, from header fields written for these tests.
func TestPWFooters(t *testing.T) {
	const rule = "_______________________________________________\n"
	mm2 := "widgets mailing list\nwidgets@lists.example.org\nhttps://lists.example.org/mailman/listinfo/widgets\n"
	tests := []struct {
		name   string
		fields []headers.Field
		want   []pwFooter // the first footers, in order
		n      int
	}{
		{"mailman2", fields(
			"List-Id", "Widget makers <widgets.lists.example.org>",
			"List-Post", "<mailto:widgets@lists.example.org>",
			"List-Subscribe", "<https://lists.example.org/mailman/listinfo/widgets>,\r\n <mailto:widgets-request@lists.example.org?subject=subscribe>",
			"Sender", `"widgets" <widgets-bounces@lists.example.org>`,
		), []pwFooter{{"mailman2", rule + mm2}, {`mailman2 "--"`, "--\n" + mm2}}, 2},
		{"mailman2 from the options URL, real_name from Sender", fields(
			"List-Post", "<mailto:widgets@lists.example.org>",
			"List-Unsubscribe", "<https://lists.example.org/mailman/options/widgets>, <mailto:widgets-request@lists.example.org?subject=unsubscribe>",
			"Sender", `"Widgets" <widgets-bounces@lists.example.org>`,
		), []pwFooter{{"mailman2", rule + "Widgets mailing list\nWidgets@lists.example.org\nhttps://lists.example.org/mailman/listinfo/widgets\n"}}, 4},
		{"mailman3", fields(
			"List-Id", "<gadgets.lists.example.net>",
			"List-Post", "<mailto:gadgets@lists.example.net>",
			"List-Unsubscribe", "<mailto:gadgets-leave@lists.example.net>",
		), []pwFooter{
			{"mailman3", rule + "gadgets mailing list -- gadgets@lists.example.net\nTo unsubscribe send an email to gadgets-leave@lists.example.net\n"},
			{"mailman3", rule + "Gadgets mailing list -- gadgets@lists.example.net\nTo unsubscribe send an email to gadgets-leave@lists.example.net\n"},
		}, 2},
		{"google groups", fields(
			"Message-ID", "<a%1+b@example.com>",
			"List-ID", "<kit.googlegroups.com>",
			"List-Post", "<https://groups.google.com/group/kit/post>, <mailto:kit@googlegroups.com>",
		), []pwFooter{{"googlegroups", gg("kit", "googlegroups.com", "https://groups.google.com/d/msgid/kit/a%251%2Bb%40example.com.")}}, 5},
		{"google groups, List-ID only", fields(
			"Message-ID", "<x@example.com>",
			"List-ID", "<kit.googlegroups.com>",
		), nil, 5},
		{"google workspace group", fields(
			"Message-ID", "<x@example.com>",
			"List-Post", "<https://groups.google.com/a/example.com/group/team/post>, <mailto:team@example.com>",
		), []pwFooter{{"googlegroups", gg("team", "example.com", "https://groups.google.com/a/example.com/d/msgid/team/x%40example.com.")}}, 5},
		{"no list", fields("From", "a@example.org"), nil, 0},
		{"list of unknown software", fields("List-Post", "<mailto:l@example.org>", "List-Id", "<l.example.org>"), nil, 0},
		{"bad post address", fields("List-Post", "<mailto:a b@example.org>", "List-Subscribe", "<https://example.org/listinfo/x>"), nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pwFooters(&headers.Message{Fields: tt.fields})
			require.Len(t, got, tt.n)
			for i, w := range tt.want {
				assert.Equal(t, w, got[i], "footer %d", i)
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

func TestPWWhy(t *testing.T) {
	diff := "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n"
	list := []string{"List-Post", "<mailto:dev@lists.example.org>"}
	mm2 := append(list, "List-Subscribe", "<https://lists.example.org/mailman/listinfo/dev>")
	tests := []struct {
		name            string
		fields          []string
		content, diff   string
		signer          string
		want            string
		wantInSentence  string
		wantNoCandidate bool
	}{
		{"multipart", []string{"Content-Type", "multipart/mixed; boundary=x"}, "hi", "", "example.com", pwWhyMultipart, "MIME", true},
		{"charset", []string{"Content-Type", "text/plain; charset=koi8-r"}, "hi", "", "example.com", pwWhyCharset, "koi8-r", true},
		{"not text", []string{"Content-Type", "application/octet-stream"}, "hi", "", "example.com", pwWhyNotText, "text", true},
		{"latin-1 cannot hold it", []string{"Content-Type", "text/plain; charset=latin1"}, "\u20ac", "", "example.com", pwWhyNothingBuilt, "charset", true},
		{"list footer", mm2, "Thanks.", "", "lists.example.org", pwWhyListFooter, "mailman2", false},
		{"list footer unknown", list, "Thanks.", "", "example.org", pwWhyFooterUnknown, "no footer template", false},
		{"reply", nil, "> quoted\n\nThanks.", "", "example.com", pwWhyPersonalSig, `"-- "`, false},
		{"git, version known", []string{"X-Mailer", "git-send-email 2.43.0"}, "Fix.\n---\n a | 2 +-", diff, "example.com", pwWhyContentChanged, "differs", false},
		{"git, version unknown", nil, "Fix.\n---\n a | 2 +-", diff, "example.com", pwWhyGitVersion, "git versions", false},
		{"b4", []string{"X-Mailer", "b4 0.14.2", "From", "A <a@example.com>"}, "Fix.\n---\n a | 2 +-", diff, "example.com", pwWhyGitVersion, "b4", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &headers.Message{Fields: fields(tt.fields...), Patchwork: &headers.Patchwork{Content: tt.content, Diff: tt.diff, HasDiff: tt.diff != ""}}
			st := &run{m: m}
			mt := st.matchBody(Relaxed, crypto.SHA256, -1, make([]byte, 32))
			require.False(t, mt.ok)
			assert.Equal(t, tt.wantNoCandidate, mt.tried == 0, "%d tried", mt.tried)
			sig := &headers.Signature{Domain: tt.signer}
			code, why := st.pwWhy(sig, mt)
			assert.Equal(t, tt.want, code, why)
			assert.Contains(t, why, tt.wantInSentence)
			note := st.pwBodyNote(sig, mt)
			assert.Contains(t, note, "["+tt.want+"]")
			if !tt.wantNoCandidate {
				assert.Contains(t, note, "rebuilt bodies matches bh=")
			}
		})
	}
	st := &run{m: &headers.Message{}}
	code, _ := st.pwWhy(&headers.Signature{}, pwMatch{})
	assert.Equal(t, pwWhyNotPatchwork, code)
}

// pwEncodeWhole encodes a whole body as the wire forms do, the reference
// for the shared-prefix encoding.
func pwEncodeWhole(v pwVariant, text, footer string) ([]byte, bool) {
	if !v.base64() {
		raw, ok := v.raw(text + footer)
		return v.lines(raw, true), ok
	}
	raw, ok := v.raw(text)
	foot, ok2 := v.raw(footer)
	if !ok || !ok2 {
		return nil, false
	}
	lf := strings.TrimRight(string(raw), "\r\n") + "\n"
	switch v.kind {
	case pwB64LF2:
		lf += "\n"
	case pwB64CRLF1:
		lf = pwToCRLF(lf)
	case pwB64CRLF2:
		lf = pwToCRLF(lf) + "\r\n"
	}
	return base64Lines(append([]byte(lf), foot...)), true
}

// checkPWSplit checks that encoding text cut where newPWPlan cuts it, as
// a prefix and an ending, gives the whole text's encoding.
func checkPWSplit(t *testing.T, text, footer string) {
	t.Helper()
	cut := strings.LastIndexByte(strings.TrimRight(text, "\r\n"), '\n') + 1
	for _, cte := range []string{"", "quoted-printable", "base64"} {
		for _, cs := range []string{"", "iso-8859-1"} {
			for _, v := range (pwEnc{cte: cte, charset: cs}).variants() {
				want, ok := pwEncodeWhole(v, text, footer)
				prefix, carry, ok1 := v.encodeShared(text[:cut])
				end, ok2 := v.encodeEnd(carry, text[cut:], "", footer)
				if !ok {
					if ok1 && ok2 {
						t.Fatalf("%s %s: split encodes what the whole cannot", v.label, cs)
					}
					continue
				}
				if !ok1 || !ok2 {
					t.Fatalf("%s %s: split fails where the whole does not", v.label, cs)
				}
				if got := string(prefix) + string(end); got != string(want) {
					t.Fatalf("%s %s: text %q footer %q:\n got %q\nwant %q", v.label, cs, text, footer, got, want)
				}
			}
		}
	}
}

func TestPWSplitEncoding(t *testing.T) {
	long := strings.Repeat("x", 75)
	for _, tc := range []struct{ text, footer string }{
		{"", ""},
		{"\n\n", ""},
		{"a\nb", "--\nfooter\n"},
		{"caf\u00e9 \n" + long + "=\n" + long + " \n)\n-- \n2.0.0\n", "\n-- \nfoot\n"},
		{"line\r\nwith cr\r\n" + strings.Repeat("y", 200) + "\n\n", ""},
		{strings.Repeat("0123456789\n", 40) + "end", "\n_____\nlist\n"},
		{"\u20ac\nx", ""},
		// mime4j's first line holds one more character than the others.
		{strings.Repeat("z", 80), ""},
		{"a\n" + strings.Repeat("z.", 40) + " \n", "\n-- \nfoot\n"},
		// Outlook breaks after a space.
		{strings.Repeat("word ", 30) + "\n" + strings.Repeat("word ", 30), ""},
	} {
		checkPWSplit(t, tc.text, tc.footer)
	}
}

func TestPWGitVersions(t *testing.T) {
	at := time.Date(2023, 6, 13, 0, 0, 0, 0, time.UTC)
	vs := pwGitVersions(at)
	require.Len(t, vs, (pwGitNewestMinor+1)*(pwGitMaxPatch+1+8)+3)
	idx := func(v string) int {
		for i, x := range vs {
			if x == v {
				return i
			}
		}
		return -1
	}
	// Out in June 2023: 2.41; the one before comes first.
	assert.Equal(t, "2.40.0", vs[0])
	assert.Less(t, idx("2.34.1"), idx("2.50.0"))
	assert.Less(t, idx("2.0.0"), idx("2.55.9"), "releases after the date come last")
	assert.Less(t, idx("2.41.0.windows.1"), idx("2.40.9"), "common builds first")
	assert.Greater(t, idx("2.41.0.windows.2"), idx("2.0.4"))
	assert.Equal(t, "1.9.1", vs[len(vs)-1])
	seen := map[string]bool{}
	for _, v := range vs {
		require.False(t, seen[v], v)
		seen[v] = true
	}
	assert.Equal(t, "2.53.0", pwGitVersions(time.Time{})[0], "no date: the newest known but two first")
	assert.Equal(t, 0, pwGitMinorAt(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.Equal(t, 49, pwGitMinorAt(time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)))
}

// The base64 candidates keep a list's footer in LF after a CRLF body.
func TestPWBase64Footer(t *testing.T) {
	footer := "_______________________________________________\ndev mailing list\ndev@lists.example.org\nhttps://lists.example.org/mailman/listinfo/dev\n"
	wire := base64Lines([]byte("Hello,\r\n\r\nThanks.\r\n" + footer))
	m := &headers.Message{
		Fields: fields("Content-Transfer-Encoding", "base64", "Content-Type", "text/plain; charset=utf-8",
			"List-Post", "<mailto:dev@lists.example.org>", "List-Subscribe", "<https://lists.example.org/mailman/listinfo/dev>"),
		Patchwork: &headers.Patchwork{Content: "Hello,\n\nThanks."},
	}
	var label string
	for _, c := range BodyCandidates(m) {
		if string(c.Body) == string(wire) {
			label = c.Label
		}
	}
	assert.Equal(t, `content+"\n"+nosig+footer(mailman2); base64(CRLF, end "\r\n")`, label)
	_, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(wire), "\n", ""))
	require.NoError(t, err)
}
