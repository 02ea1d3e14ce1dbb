package dkim

import (
	"crypto"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/headers"
)

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
			noteCode, note := st.pwBodyNote(sig, mt)
			assert.Equal(t, tt.want, noteCode)
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
