package dkim

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailprov/mailprov/dns/dnstest"
	"github.com/mailprov/mailprov/headers"
)

// bodyHash is the canonical body hash of body, as bh= holds it.
func bodyHash(canon string, body []byte) string {
	h := NewBodyHasher(canon, crypto.SHA256, -1)
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum())
}

func loadPatchwork(t *testing.T, path string) *headers.Message {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	m, err := headers.ParsePatchwork(data, filepath.Base(path))
	require.NoError(t, err)
	return m
}

// The seed sample: gmail.com signed the patch with c=relaxed/relaxed; its
// body is rebuilt from content and diff plus git-send-email's signature.
func TestBodyCandidatesSample(t *testing.T) {
	m := loadPatchwork(t, filepath.Join("..", "testdata", "patchwork", "2221996.json"))
	cands := BodyCandidates(m)
	require.NotEmpty(t, cands)
	const want = "mPLKHQIKiWNj5QAnc2OyjCMMfWZ4IzzJUVCAIUexiKU="
	for i, c := range cands {
		t.Logf("%d %s %s", i, c.Label, bodyHash(Relaxed, c.Body))
	}
	require.Equal(t, want, bodyHash(Relaxed, cands[0].Body), cands[0].Label)
	require.Equal(t, `content+"\n\n"+diff+sig("2.49.0")`, cands[0].Label)
}

// corpusDir is the shared corpus of real list mail, beside the checkout.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus", "lists")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared not present: ", err)
	}
	return dir
}

// signedBody is one DKIM signature whose bh= the raw message's own body
// matches.
type signedBody struct {
	file string
	sig  *headers.Signature
}

// corpusSignedBodies returns the corpus messages with a DKIM-Signature
// (RFC 6376 or X-Google) whose bh= their own body matches, and counts all
// signatures looked at.
func corpusSignedBodies(t *testing.T) (msgs map[string]*headers.Message, matched []signedBody, sigs int) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir(t), "*", "*.eml"))
	require.NoError(t, err)
	msgs = map[string]*headers.Message{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		m, err := headers.ParseRaw(data, file)
		if err != nil {
			continue
		}
		for _, f := range m.Fields {
			if !strings.EqualFold(f.Name, headers.FieldDKIMSignature) && !strings.EqualFold(f.Name, headers.FieldGoogleDKIMSignature) {
				continue
			}
			sig, err := headers.ParseSignature(f.Name, f.Value)
			if err != nil || sig.Length != nil {
				continue
			}
			h, _, err := HashAlgorithm(sig.Algorithm)
			if err != nil {
				continue
			}
			sigs++
			bh := NewBodyHasher(sig.BodyCanon, h, -1)
			bh.Write(m.Body)
			if bytes.Equal(bh.Sum(), sig.BodyHash) {
				msgs[file] = m
				matched = append(matched, signedBody{file, sig})
			}
		}
	}
	return msgs, matched, sigs
}

// Measured on ../shared/corpus/lists: 254 DKIM signatures (no l=), 90
// messages whose own body matches one of their bh=. Patchwork would store
// 79 of them (10 are multipart, 1 has no text). With LF mail, 67 of the 79
// are rebuilt (29 before list footers and the git version sweep; 36 had a
// footer the list signed; 64 before the Outlook and mime4j
// quoted-printable encoders and the trailing spaces of a quoted-printable
// reply). The other 12 lost what no header tells: a personal "-- "
// signature Patchwork cut (3 of them before a list footer). Mail stored
// with CRLF line ends keeps the "-- \r" and "____\r" lines Patchwork would
// cut: all 79 rebuilt (49 before footers, 76 before the encoders).
const wantMatched = 90

var wantRebuilt = map[string]int{"lf": 67, "crlf": 79}

// TestBodyCandidatesCorpus stores real signed list mail the way Patchwork
// does (patchwork_sim_test.go) and checks how many bodies the matcher
// (matchBody: BodyCandidates' candidates, then the git version sweep)
// rebuilds with the signature's bh=: exactly the counts measured above, so
// that a change that rebuilds fewer, or more, says so. It is skipped when
// ../shared is not beside the checkout.
func TestBodyCandidatesCorpus(t *testing.T) {
	msgs, matched, sigs := corpusSignedBodies(t)
	bySig := map[string][]*headers.Signature{}
	for _, sb := range matched {
		bySig[sb.file] = append(bySig[sb.file], sb.sig)
	}
	files := make([]string, 0, len(bySig))
	for f := range bySig {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, mode := range []struct {
		name string
		crlf bool
	}{{"lf", false}, {"crlf", true}} {
		rebuilt, stored := 0, 0
		reasons := map[string]int{}
		for _, file := range files {
			m := msgs[file]
			sim := simulatePatchwork(m, mode.crlf)
			if sim.skip != "" {
				reasons[sim.skip]++
				continue
			}
			stored++
			pm := &headers.Message{
				Source:    headers.Source{Kind: headers.SourcePatchwork, Name: file},
				Fields:    m.Fields,
				Order:     headers.OrderPerName,
				Patchwork: &headers.Patchwork{Content: sim.content, Diff: sim.diff, HasDiff: sim.hasDiff},
			}
			st := &run{m: pm}
			label, ok := "", false
			var code string
			for _, sig := range bySig[file] {
				h, _, _ := HashAlgorithm(sig.Algorithm)
				mt := st.matchBody(sig.BodyCanon, h, -1, sig.BodyHash)
				if mt.ok {
					label, ok = mt.label, true
					break
				}
				if code == "" {
					code, _ = st.pwWhy(sig, mt)
				}
			}
			cands := BodyCandidates(pm)
			require.LessOrEqual(t, len(cands), maxCandidates)
			if ok {
				rebuilt++
				t.Logf("%s %s: rebuilt: %s", mode.name, filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), label)
				continue
			}
			why := whyNotRebuilt(m, sim)
			t.Logf("%s %s: NOT rebuilt: %s [%s] (%d candidates, diff=%v, mailer=%q, cte=%q)", mode.name, filepath.Base(filepath.Dir(file))+"/"+filepath.Base(file), why, code, len(cands), sim.hasDiff, first(m, "X-Mailer"), first(m, "Content-Transfer-Encoding"))
			reasons[why]++
		}
		t.Logf("%s: %d signatures; %d messages whose body matches bh=; %d stored by Patchwork; rebuilt %d; not: %v", mode.name, sigs, len(files), stored, rebuilt, reasons)
		// Pinned on the corpus as measured (README, "How a Patchwork body
		// is proved").
		require.Equal(t, wantMatched, len(files), "messages whose own body matches bh=: the corpus changed")
		require.Equal(t, wantRebuilt[mode.name], rebuilt, "%s: bodies rebuilt; reasons %v", mode.name, reasons)
	}
}

// whyNotRebuilt names, from the original body, why no candidate could
// match: what Patchwork dropped that the headers do not tell.
func whyNotRebuilt(m *headers.Message, sim pwSimResult) string {
	raw := m.Body
	switch cte, _ := m.Get("Content-Transfer-Encoding"); strings.ToLower(cte) {
	case "base64":
		raw, _ = base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(raw), nil)))
	case "quoted-printable":
		raw = pyQPDecode(raw)
	}
	body := strings.ReplaceAll(string(raw), "\r\n", "\n")
	// The list's footer, which the candidates rebuild, is set aside.
	footer := ""
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`\n_{47}\n\S+ mailing list\n`),
		regexp.MustCompile(`\n--\n\S+ mailing list\n`),
		regexp.MustCompile(`\n-- \nYou received this message because you are subscribed to the Google Groups`),
	} {
		if loc := re.FindStringIndex(body); loc != nil {
			body, footer = body[:loc[0]+1], " before a list footer"
			break
		}
	}
	// git's own signature ("-- " and a version) is rebuilt too.
	gitSig := regexp.MustCompile(`\n-- \n\d+\.\d+[.\w]*\n*$`)
	if !gitSig.MatchString(body) && (strings.Contains(body, "\n-- \n") || strings.HasPrefix(body, "-- \n")) {
		if sim.hasDiff {
			return "signature text not rebuilt" + footer
		}
		return "personal signature cut" + footer
	}
	trimmed := strings.TrimRight(body, "\n")
	if strings.HasPrefix(body, "\n") || strings.HasSuffix(trimmed, " ") || strings.HasSuffix(trimmed, "\t") {
		return "white space Patchwork stripped" + footer
	}
	return "other" + footer
}

func first(m *headers.Message, name string) string {
	v, _ := m.Get(name)
	return v
}

// The sample's gmail.com signature verifies end to end: its header
// signature with gmail.com's key for s=20251104 served from
// testdata/dns/sample.zone (recovered from two signatures, see the zone's
// comments), and its body hash with the first rebuilt body.
func TestSampleGmailSignature(t *testing.T) {
	m := loadPatchwork(t, filepath.Join("..", "testdata", "patchwork", "2221996.json"))
	srv := dnstest.NewServerFile(t, filepath.Join("..", "testdata", "dns", "sample.zone"))
	f := m.FieldsNamed(headers.FieldDKIMSignature)[0]
	sig, err := headers.ParseSignature(f.Name, f.Value)
	require.NoError(t, err)
	key, _, err := LookupKey(context.Background(), srv.Resolver(), sig.Selector, sig.Domain)
	require.NoError(t, err)
	h, _, err := HashAlgorithm(sig.Algorithm)
	require.NoError(t, err)
	digest := HeaderHash(h, sig.HeaderCanon, SelectFields(m.Fields, sig.Headers), f)
	require.NoError(t, key.VerifySignature(h, digest, sig.Sig))

	body := BodyCandidates(m)[0].Body
	require.Equal(t, sig.BodyHashRaw, bodyHash(sig.BodyCanon, body))
}

// BenchmarkBodyCandidates measures building the sample's candidates and
// hashing them all, against hashing the stored content and diff once.
func BenchmarkBodyCandidates(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "patchwork", "2221996.json"))
	require.NoError(b, err)
	m, err := headers.ParsePatchwork(data, "2221996.json")
	require.NoError(b, err)
	b.Run("baseline-hash-stored", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := NewBodyHasher(Relaxed, crypto.SHA256, -1)
			h.Write([]byte(m.Patchwork.Content))
			h.Write([]byte(m.Patchwork.Diff))
			h.Sum()
		}
	})
	b.Run("mailprov-candidates+hash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range BodyCandidates(m) {
				h := NewBodyHasher(Relaxed, crypto.SHA256, -1)
				h.Write(c.Body)
				h.Sum()
			}
		}
	})
	// The git version sweep: the sample without its X-Mailer, so that its
	// git version is unknown, matched against a bh= no candidate has (the
	// worst case: every candidate hashed). The baseline hashes each
	// candidate's whole body; mailprov hashes each shared prefix once and
	// each ending from the prefix's saved hash state.
	var fs []headers.Field
	for _, f := range m.Fields {
		if !strings.EqualFold(f.Name, "X-Mailer") {
			fs = append(fs, f)
		}
	}
	nomailer := &headers.Message{Fields: fs, Patchwork: m.Patchwork}
	none := make([]byte, 32)
	// The candidates the sweep hashes before its bound stops it, for the
	// sample and for the sample with a 64 KB diff.
	big := *m.Patchwork
	big.Diff = strings.Repeat(big.Diff, 64<<10/len(big.Diff))
	for _, size := range []struct {
		name string
		m    *headers.Message
	}{{"", nomailer}, {"-64KB", &headers.Message{Fields: fs, Patchwork: &big}}} {
		probe := &run{m: size.m}
		require.False(b, probe.matchBody(Relaxed, crypto.SHA256, -1, none).ok)
		plan, done := probe.pw.plan, probe.pw.sums[0].done
		b.Run("baseline-sweep-whole-bodies"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			hashed := 0
			for b.Loop() {
				hashed = 0
				for _, d := range done {
					g := &plan.groups[d.at.g]
					ending := []byte(nil)
					if d.at.tier == 0 {
						ending = g.endings[d.at.e].body
					} else {
						ending, _ = g.ending(plan.sweepSig(plan.versions[d.at.v]), plan.sweepEnd[d.at.f].text)
					}
					h := NewBodyHasher(Relaxed, crypto.SHA256, -1)
					h.Write(g.prefix)
					h.Write(ending)
					if bytes.Equal(h.Sum(), none) {
						b.Fatal("matched")
					}
					hashed += len(g.prefix) + len(ending)
				}
			}
			b.ReportMetric(float64(len(done)), "candidates/op")
			b.ReportMetric(float64(hashed), "bytes-hashed/op")
		})
		b.Run("mailprov-sweep-shared-prefix"+size.name, func(b *testing.B) {
			b.ReportAllocs()
			var st *run
			for b.Loop() {
				st = &run{m: size.m}
				if st.matchBody(Relaxed, crypto.SHA256, -1, none).ok {
					b.Fatal("matched")
				}
			}
			b.ReportMetric(float64(len(st.pw.sums[0].done)), "candidates/op")
			b.ReportMetric(float64(st.pw.work), "work/op")
		})
	}
	// What Verify does: build the plan and hash until the sample's bh=.
	want, err := base64.StdEncoding.DecodeString("mPLKHQIKiWNj5QAnc2OyjCMMfWZ4IzzJUVCAIUexiKU=")
	require.NoError(b, err)
	b.Run("mailprov-match", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st := &run{m: m}
			if !st.matchBody(Relaxed, crypto.SHA256, -1, want).ok {
				b.Fatal("no match")
			}
		}
	})
	b.Run("mailprov-first-candidate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := NewBodyHasher(Relaxed, crypto.SHA256, -1)
			h.Write(BodyCandidates(m)[0].Body)
			h.Sum()
		}
	})
}

func TestBodyCandidatesShapes(t *testing.T) {
	msg := func(content, diff string, hasDiff bool, fields ...headers.Field) *headers.Message {
		return &headers.Message{Fields: fields, Patchwork: &headers.Patchwork{Content: content, Diff: diff, HasDiff: hasDiff}}
	}
	git := headers.Field{Name: "X-Mailer", Value: " git-send-email 2.43.0"}
	diff := "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-x\n+y\n"
	tests := []struct {
		name      string
		m         *headers.Message
		wantLabel string
		wantBody  string
	}{
		{"git patch", msg("Fix.\n---\n a | 2 +-", diff, true, git),
			`content+"\n\n"+diff+sig("2.43.0")`, "Fix.\n---\n a | 2 +-\n\n" + diff + "-- \n2.43.0\n"},
		{"base-commit tail", msg("Fix.\n---\n a | 2 +-\n\n\nbase-commit: 123", diff, true, git),
			`content[:tail@last]+"\n\n"+diff+"\n"+tail+"\n"+sig("2.43.0")`, "Fix.\n---\n a | 2 +-\n\n" + diff + "\nbase-commit: 123\n-- \n2.43.0\n"},
		{"CRLF mail keeps its signature", msg("Fix.\n---\n a | 2 +-\n-- \n2.1.0", "diff --git a/a b/a\r\n", true, git),
			`content+"\n\n"+diff+sig(kept)`, "Fix.\n---\n a | 2 +-\n\ndiff --git a/a b/a\r\n-- \n2.1.0\n"},
		{"cover letter", msg("Cover.\n\nA (1):\n  x", "", false, git),
			`content+"\n"+sig("2.43.0")`, "Cover.\n\nA (1):\n  x\n-- \n2.43.0\n"},
		{"b4", msg("Fix.", diff, true, headers.Field{Name: "From", Value: " =?utf-8?q?Ren=C3=A9_X?= <r@example.org>"}, headers.Field{Name: "X-Mailer", Value: " b4 0.14.2"}),
			`content+"\n\n"+diff+sig(b4 "René X <r@example.org>")`, "Fix.\n\n" + diff + "-- \nRené X <r@example.org>\n"},
		{"diff only", msg("", diff, true), "diff+nosig", diff},
		{"quoted-printable", msg("caf\u00e9 =", "", false, headers.Field{Name: "Content-Transfer-Encoding", Value: " quoted-printable"}),
			`content+"\n"+nosig; qp(perl)`, "caf=C3=A9 =3D\n"},
		{"latin-1 8bit", msg("caf\u00e9", "", false, headers.Field{Name: "Content-Type", Value: " text/plain; charset=ISO-8859-1"}),
			`content+"\n"+nosig`, "caf\xe9\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cands := BodyCandidates(tt.m)
			require.NotEmpty(t, cands)
			require.Equal(t, tt.wantLabel, cands[0].Label)
			require.Equal(t, tt.wantBody, string(cands[0].Body))
		})
	}
	for _, m := range []*headers.Message{
		{},
		msg("x", "", false, headers.Field{Name: "Content-Type", Value: " multipart/mixed; boundary=b"}),
		msg("x", "", false, headers.Field{Name: "Content-Type", Value: " text/plain; charset=koi8-r"}),
		msg("caf\u00e9 \u20ac", "", false, headers.Field{Name: "Content-Type", Value: " text/plain; charset=latin1"}),
	} {
		require.Empty(t, BodyCandidates(m))
	}
}

// Quoted-printable replies written by hand the way each mailer encodes
// them, stored as Patchwork stores them: the matcher rebuilds each, with
// the encoder (and the white space) named in the label.
func TestBodyCandidatesQPReplies(t *testing.T) {
	qp := []headers.Field{
		{Name: "Subject", Value: " Re: [PATCH] lock: take it earlier"},
		{Name: "Content-Type", Value: " text/plain; charset=\"utf-8\""},
		{Name: "Content-Transfer-Encoding", Value: " quoted-printable"},
	}
	tests := []struct {
		name, wire, want string
	}{
		{"Outlook word wrap",
			"> On Monday, A wrote:\n> > the lock is taken late\n>=20\n" +
				"I agree with the change, but the commit message should say why the lock =\n" +
				"is needed at all, not only what it does: a reader of the log has only =\n" +
				"that.\n\nThanks\n\n",
			`content+"\n"+nosig; qp(word wrap)`},
		{"K-9 Mail (mime4j, dots escaped)",
			"On Wednesday, 1 May 2024 10:00:00 CEST, Alice Example <alice@example=2Eorg>=\n" +
				" wrote:\n>Take the lock earlier=2E\n\n" +
				"Fine by me, as long as the unlock path in the error case stays exactly as =\n" +
				"it is now=2E\n",
			`content+"\n"+nosig; qp(mime4j, "." escaped)`},
		{"white space stripped after the last line",
			"> Take the lock earlier.\n\nAcked-by: A <a@example.org>    =20\n",
			`content+"  \n"+nosig; qp(python)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &headers.Message{Fields: qp, Body: []byte(tt.wire)}
			sim := simulatePatchwork(m, false)
			require.Empty(t, sim.skip)
			pm := &headers.Message{Fields: qp, Patchwork: &headers.Patchwork{Content: sim.content, Diff: sim.diff, HasDiff: sim.hasDiff}}
			h := NewBodyHasher(Relaxed, crypto.SHA256, -1)
			h.Write([]byte(tt.wire))
			st := &run{m: pm}
			mt := st.matchBody(Relaxed, crypto.SHA256, -1, h.Sum())
			require.True(t, mt.ok, "content %q", sim.content)
			require.Equal(t, tt.want, mt.label)
		})
	}
}

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
