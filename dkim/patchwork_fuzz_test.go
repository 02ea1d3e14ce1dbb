package dkim

import (
	"bytes"
	"crypto"
	"strings"
	"testing"

	"github.com/mailprov/mailprov/headers"
)

// checkPWMatchesCandidate checks the matcher against BodyCandidates: the
// candidate pick chooses (and a canonicalization) hashed, matchBody must
// find it, named as the first candidate with that canonical hash.
func checkPWMatchesCandidate(t *testing.T, m *headers.Message, cands []Candidate, pick uint16) {
	t.Helper()
	if len(cands) == 0 {
		return
	}
	canon := Relaxed
	if pick&0x100 != 0 {
		canon = Simple
	}
	sum := func(b []byte) []byte {
		h := NewBodyHasher(canon, crypto.SHA256, -1)
		h.Write(b)
		return h.Sum()
	}
	c := cands[int(pick&0xff)%len(cands)]
	want := sum(c.Body)
	label := c.Label
	for _, d := range cands {
		if bytes.Equal(sum(d.Body), want) {
			label = d.Label
			break
		}
	}
	st := &run{m: m}
	mt := st.matchBody(canon, crypto.SHA256, -1, want)
	if !mt.ok || mt.label != label {
		t.Fatalf("%s, candidate %q: matchBody ok %v, label %q (%d tried, limited %v)", canon, label, mt.ok, mt.label, mt.tried, mt.limited)
	}
}

func FuzzBodyCandidates(f *testing.F) {
	const (
		mm2  = "<mailto:dev@lists.example.org>"
		sub  = "<https://lists.example.org/mailman/listinfo/dev>"
		gg   = "<https://groups.google.com/group/kit/post>, <mailto:kit@googlegroups.com>"
		mid  = "<a%b+c@example.com>"
		none = ""
	)
	f.Add("Fix it.\n\nSigned-off-by: A <a@example.org>\n---\n a.c | 1 +\n 1 file changed, 1 insertion(+)",
		"diff --git a/a.c b/a.c\n--- a/a.c\n+++ b/a.c\n@@ -1 +1,2 @@\n x\n+y\n", true, "git-send-email 2.49.0", "8bit", "text/plain; charset=UTF-8", none, none, none, uint16(0))
	f.Add("msg\n---\n stat\n\n\nbase-commit: abc\n-- \n2.1.0", "diff --git a/x b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n", true, "", "quoted-printable", "text/plain; charset=iso-8859-1", mm2, sub, mid, uint16(1))
	f.Add("cover letter\n\nA (1):\n  x\n\n a | 1 +\n 1 file changed, 1 insertion(+)", "", false, "b4 0.14.2", "base64", "", gg, none, mid, uint16(2))
	f.Add("", "", true, "git-send-email", "base64", "multipart/mixed; boundary=x", none, none, none, uint16(3))
	f.Add("é\t \n____\n= "+strings.Repeat("x", 80), "\n\n\n", true, "git-send-email 2.0", "QUOTED-PRINTABLE", "text/plain", mm2, "<https://x/options/dev>", none, uint16(261))
	f.Add("\n> quoted\n>", "", false, "", "base64", "text/plain", "<mailto:a-leave@b>", "<mailto:a-leave@b>", "<\x00>", uint16(511))
	f.Add("> a reply\n\nAcked-by: A <a@example.org>", "", false, "", "quoted-printable", "text/plain; charset=utf-8", none, none, none, uint16(7))
	f.Fuzz(func(t *testing.T, content, diff string, hasDiff bool, mailer, cte, ctype, listPost, listSub, msgid string, pick uint16) {
		m := &headers.Message{
			Fields: []headers.Field{
				{Name: "From", Value: " =?utf-8?q?A_B?= <a@example.org>"},
				{Name: "X-Mailer", Value: " " + mailer},
				{Name: "X-Developer-Signature", Value: " v=1"},
				{Name: "Content-Transfer-Encoding", Value: " " + cte},
				{Name: "Content-Type", Value: " " + ctype},
				{Name: "List-Post", Value: " " + listPost},
				{Name: "List-Subscribe", Value: " " + listSub},
				{Name: "List-Unsubscribe", Value: " " + listSub},
				{Name: "Message-ID", Value: " " + msgid},
			},
			Patchwork: &headers.Patchwork{Content: content, Diff: diff, HasDiff: hasDiff},
		}
		cands := BodyCandidates(m)
		if len(cands) > maxCandidates {
			t.Fatalf("%d candidates", len(cands))
		}
		// A footer repeats the list's fields a few times, the Message-ID
		// escaped (3 bytes a byte).
		in := len(content) + len(diff) + len(mailer) + 8*(len(listPost)+len(listSub)) + 3*len(msgid) + 1024
		encoded := strings.Contains(strings.ToLower(cte), "quoted") || strings.Contains(strings.ToLower(cte), "base64")
		for _, c := range cands {
			limit := 2*in + 64
			if encoded {
				// =XX for every byte plus soft breaks; base64 of CRLF text.
				limit = 4*in + 64
			}
			if len(c.Body) > limit {
				t.Fatalf("%s: %d bytes from %d of input", c.Label, len(c.Body), in)
			}
			if c.Label == "" {
				t.Fatal("empty label")
			}
		}
		checkPWMatchesCandidate(t, m, cands, pick)
		plan := newPWPlan(m)
		if len(plan.groups) > 0 && plan.noBuild != "" || len(plan.groups) == 0 && len(cands) > 0 {
			t.Fatalf("%d groups, noBuild %q, %d candidates", len(plan.groups), plan.noBuild, len(cands))
		}
		if len(plan.footers) > 8 {
			t.Fatalf("%d footers", len(plan.footers))
		}
		for _, f := range plan.footers {
			if !strings.HasSuffix(f.text, "\n") || f.label == "" {
				t.Fatalf("footer %q: %q", f.label, f.text)
			}
		}
	})
}
